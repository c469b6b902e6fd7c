package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/view"
	"github.com/xuri/excelize/v2"
)

// Columns of a goal sheet's indicator table (goalColumns), 1-based.
const (
	colID        = 1
	colBreakdown = 5
	colBaseline  = 7
	colLatestP   = 11
	colLatest    = 12
	colCILower   = 13
	colLater     = 15
	colGap       = 21
	colStatusEN  = 23
	goalFirstRow = 4 // title, goal name, header
)

// suppressedFixture is the report fixture with a 2024 figure of unmet
// needs withheld by the publisher (later than Denmark's latest, 2023).
func suppressedFixture(t *testing.T) *Report {
	t.Helper()
	cat := testkit.Catalogue(t)
	set := fixture(t, cat)
	extra, err := indicators.Prepare(cat, []indicators.Observation{{Indicator: "g1_unmet_needs_followup", Period: "2024", Geography: "DK", Suppressed: true}})
	if err != nil {
		t.Fatal(err)
	}
	extra[0].RunID, extra[0].Revision, extra[0].Source, extra[0].RecordedAt = 1, 1, "barometer", set.CutOff.Add(-time.Hour)
	set.Observations = append(set.Observations, extra...)
	return fromSet(t, cat, 2025, set)
}

// cellNumber reads a cell that must hold a number, not text.
func cellNumber(t *testing.T, f *excelize.File, sheet string, col, row int) (float64, bool) {
	t.Helper()
	cell, _ := excelize.CoordinatesToCellName(col, row)
	v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if v == "" {
		return 0, false
	}
	typ, err := f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("%s!%s holds the text %q, not a number", sheet, cell, v)
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Errorf("%s!%s: %q is not a number", sheet, cell, v)
	}
	return x, true
}

func cellText(t *testing.T, f *excelize.File, sheet string, col, row int) string {
	t.Helper()
	cell, _ := excelize.CoordinatesToCellName(col, row)
	v, err := f.GetCellValue(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestXLSXRoundTrip reads the workbook back with excelize and compares its
// figures with the JSON report's.
func TestXLSXRoundTrip(t *testing.T) {
	r := suppressedFixture(t)
	body, err := Render(r, "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	// The same report gives the same bytes (a published report never changes).
	if again, err := Render(r, "xlsx"); err != nil || !bytes.Equal(again, body) {
		t.Fatalf("a second rendering of the same report differs (err %v)", err)
	}
	if !bytes.HasPrefix(body, []byte("PK")) {
		t.Fatalf("not a zip: %.20q", body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{SheetCover, SheetGoal(1), SheetGoal(2), SheetGoal(3), SheetRegions, SheetNordic, SheetInitiatives}
	if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("sheets %q, want %q", got, want)
	}

	// The JSON report, as the API serves it.
	js, err := Render(r, "json")
	if err != nil {
		t.Fatal(err)
	}
	var doc Report
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}

	// Cover: title, year, cut-off, and the sources cited.
	cover, err := f.GetRows(SheetCover)
	if err != nil {
		t.Fatal(err)
	}
	flat := fmt.Sprint(cover)
	for _, s := range []string{doc.TitleDA, doc.TitleEN, "2026-03-01 12:00:00 UTC", "barometer", "nordcan-survival",
		"Vurdering pr. mål / verdict per goal", doc.Verdicts[0].LabelDA, doc.Verdicts[0].ReasonDA} {
		if !strings.Contains(flat, s) {
			t.Errorf("cover lacks %q", s)
		}
	}
	if y, ok := cellNumber(t, f, SheetCover, 2, 4); !ok || y != 2025 {
		t.Errorf("cover year: %v, want the number 2025", y)
	}

	// Goal sheets: one row per indicator and breakdown, in the JSON's
	// order, with the same figures.
	rows, suppressed, compared := 0, 0, 0
	for _, g := range doc.Goals {
		sh := SheetGoal(g.ID)
		if h := cellText(t, f, sh, colLatest, goalFirstRow-1); !strings.Contains(h, "enhed / unit") {
			t.Errorf("%s: latest's header %q does not say its unit", sh, h)
		}
		if u := cellText(t, f, sh, 4, goalFirstRow-1); u != "Enhed / unit" {
			t.Errorf("%s: column D header %q", sh, u)
		}
		row := goalFirstRow
		for _, in := range g.Indicators {
			for _, jr := range in.Rows {
				at := fmt.Sprintf("%s row %d (%s %s)", sh, row, in.ID, jr.Breakdown.Key())
				if id := cellText(t, f, sh, colID, row); id != in.ID {
					t.Fatalf("%s: indicator %q", at, id)
				}
				for _, c := range []struct {
					col  int
					want *float64
					what string
				}{
					{colBaseline, valPtr(jr.Baseline), "baseline"},
					{colLatest, valPtr(jr.Latest), "latest"},
					{colGap, jr.GapToTarget, "gap to target"},
				} {
					got, ok := cellNumber(t, f, sh, c.col, row)
					switch {
					case c.want == nil && ok:
						t.Errorf("%s: %s %v where the JSON has none", at, c.what, got)
					case c.want != nil && (!ok || !near(got, *c.want)):
						t.Errorf("%s: %s %v, JSON %v", at, c.what, got, *c.want)
					case c.want != nil:
						compared++
					}
				}
				if jr.Latest != nil && jr.Latest.CI != nil {
					if lo, _ := cellNumber(t, f, sh, colCILower, row); !near(lo, jr.Latest.CI.Lower) {
						t.Errorf("%s: lower 95 %% %v, JSON %v", at, lo, jr.Latest.CI.Lower)
					}
				}
				if st := cellText(t, f, sh, colStatusEN, row); st != jr.StatusEN {
					t.Errorf("%s: status %q, JSON %q", at, st, jr.StatusEN)
				}
				later := cellText(t, f, sh, colLater, row)
				if jr.LatestSuppressed {
					suppressed++
					if later != Suppressed {
						t.Errorf("%s: a withheld later figure reads %q, want %q", at, later, Suppressed)
					}
				} else if later != "" {
					t.Errorf("%s: later period %q where nothing was withheld", at, later)
				}
				row++
				rows++
			}
		}
	}
	if suppressed != 1 {
		t.Errorf("%d rows marked suppressed, want 1 (unmet needs, 2024)", suppressed)
	}
	// The series lists the withheld period as text, never 0.
	series, _ := f.GetRows(SheetGoal(1))
	foundSeries := false
	for _, sr := range series {
		if len(sr) > 6 && sr[0] == "g1_unmet_needs_followup" && sr[5] == "senere end / after 2023" {
			foundSeries = sr[6] == Suppressed
		}
		if len(sr) > 6 && sr[0] == "g1_unmet_needs_followup" && sr[5] == "2023" && sr[6] != "35" {
			t.Errorf("series 2023: %q, want 35", sr[6])
		}
	}
	if !foundSeries {
		t.Error("goal 1's series does not mark the withheld figure after 2023 as suppressed")
	}

	// Regions: each region's figure as in the JSON.
	var regions int
	reg, _ := f.GetRows(SheetRegions, excelize.Options{RawCellValue: true})
	for _, g := range doc.Goals {
		for _, rg := range g.Regional {
			for _, rr := range rg.Regions {
				if rr.Latest == nil {
					continue
				}
				found := false
				for _, x := range reg[2:] {
					if len(x) > 8 && x[0] == rg.Indicator && x[3] == rr.Geography {
						v, _ := strconv.ParseFloat(x[8], 64)
						found = near(v, rr.Latest.Value) && x[15] == rr.ComparisonDA
					}
				}
				if !found {
					t.Errorf("regions sheet: %s %s %v %s not found", rg.Indicator, rr.Geography, rr.Latest.Value, rr.ComparisonDA)
				}
				regions++
			}
		}
	}

	// Nordic: every country's figure and rank.
	var nordic int
	nor, _ := f.GetRows(SheetNordic, excelize.Options{RawCellValue: true})
	for _, g := range doc.Goals {
		for _, n := range g.Nordic {
			for _, c := range n.Countries {
				found := false
				for _, x := range nor[2:] {
					if len(x) > 12 && x[0] == n.Indicator && x[3] == n.SexDA && x[6] == c.Country {
						v, _ := strconv.ParseFloat(x[10], 64)
						rank, _ := strconv.Atoi(x[9])
						found = near(v, c.Value) && rank == c.Rank
					}
				}
				if !found {
					t.Errorf("Nordic sheet: %s %s %s %v (rank %d) not found", n.Indicator, n.Sex, c.Country, c.Value, c.Rank)
				}
				nordic++
			}
		}
	}

	// Initiatives: the funding lines' amounts add up to the JSON's.
	var jsonSum, xlsxSum float64
	var lines int
	for _, g := range doc.Goals {
		for _, in := range g.Initiatives {
			for _, l := range in.Funding {
				jsonSum += l.Amount
				lines++
			}
		}
	}
	ini, _ := f.GetRows(SheetInitiatives, excelize.Options{RawCellValue: true})
	if h := ini[1][9]; !strings.Contains(h, "DKK million") {
		t.Errorf("initiatives: amount header %q does not name the unit", h)
	}
	for _, x := range ini[2:] {
		if len(x) == 0 || x[0] == "" {
			break // the totals table follows a blank row
		}
		if len(x) > 9 && x[9] != "" {
			v, err := strconv.ParseFloat(x[9], 64)
			if err != nil {
				t.Errorf("initiatives: amount %q is not a number", x[9])
			}
			xlsxSum += v
		}
	}
	if lines == 0 || !near(jsonSum, xlsxSum) {
		t.Errorf("initiatives: %d lines sum to %v in the JSON, %v in the workbook", lines, jsonSum, xlsxSum)
	}

	// Frozen header rows.
	for _, sh := range []string{SheetGoal(1), SheetRegions, SheetNordic, SheetInitiatives} {
		p, err := f.GetPanes(sh)
		if err != nil || !p.Freeze || p.YSplit < 2 {
			t.Errorf("%s: header rows not frozen (%+v, %v)", sh, p, err)
		}
	}
	t.Logf("%d bytes; %d indicator rows (%d figures compared), %d regional, %d Nordic, %d funding lines (%.1f DKK million); %d suppressed",
		len(body), rows, compared, regions, nordic, lines, xlsxSum, suppressed)
}

func valPtr(v *view.Value) *float64 {
	if v == nil {
		return nil
	}
	x := v.Value
	return &x
}
