package report

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/followup"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// TestMoneyTableReconcilesWithThePlan sums the printed money table by
// recipient: the recipients' rows and the remainder of the split lines
// (which the plan attributes to no recipient) add up to the plan's lines,
// 617.6 in 2025, and with the rounding row to the plan's stated 618.
func TestMoneyTableReconcilesWithThePlan(t *testing.T) {
	cat := testkit.Catalogue(t)
	r := fromSet(t, cat, 2025, fixture(t, cat))
	r.FollowUp = followup.Build(followup.Input{Catalogue: cat, Year: 2025, At: time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)})
	body, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	s := string(body)
	i := strings.Index(s, `id="money-by-recipient"`)
	if i < 0 {
		t.Fatal("no money table by recipient")
	}
	table := s[i : i+strings.Index(s[i:], "</table>")]
	row := regexp.MustCompile(`(?s)<tr class="([a-z]+)"[^>]*>(.*?)</tr>`)
	cell := regexp.MustCompile(`(?s)<td class="num">(.*?)</td>`)
	amount := func(cells string) float64 {
		m := cell.FindStringSubmatch(cells)
		if m == nil {
			t.Fatalf("no amount in %q", cells)
		}
		txt := strings.NewReplacer("<strong>", "", "</strong>", "", "+", "", ".", "", ",", ".").Replace(m[1])
		v, err := strconv.ParseFloat(strings.TrimSpace(txt), 64)
		if err != nil {
			t.Fatalf("amount %q: %v", m[1], err)
		}
		return v
	}
	var sum float64
	got := map[string][]float64{}
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		v := amount(m[2])
		got[m[1]] = append(got[m[1]], v)
		if m[1] == "recipient" || m[1] == "remainder" {
			sum += v
		}
	}
	t.Logf("rows: %v; recipients and remainder add up to %.1f", got, sum)
	if len(got["recipient"]) != 3 {
		t.Errorf("%d recipient rows, want the regions, KL and the ministry", len(got["recipient"]))
	}
	if len(got["remainder"]) != 1 || !near(got["remainder"][0], 4) {
		t.Errorf("remainder of the split lines %v, want 4 (palliation, patient involvement, coherent pathways, tobacco: 1 each)", got["remainder"])
	}
	if !near(sum, 617.6) {
		t.Errorf("the table adds up to %.3f, the plan's lines to 617.6", sum)
	}
	if len(got["total"]) != 2 || !near(got["total"][0], 617.6) || !near(got["total"][1], 618) {
		t.Errorf("totals %v, want 617.6 (the plan's lines) and 618 (as stated)", got["total"])
	}
	if len(got["rounding"]) != 1 || !near(sum+got["rounding"][0], 618) {
		t.Errorf("rounding %v: %.1f plus it is not the plan's stated 618", got["rounding"], sum)
	}
	for _, name := range []string{"Palliation 1", "Patientinddragelse 1", "Sammenhængende kræftforløb 1", "Mindre brug af tobaks- og nikotinprodukter 1", "ikke fordelt i planen"} {
		if !strings.Contains(table, name) {
			t.Errorf("the table does not say %q", name)
		}
	}
}
