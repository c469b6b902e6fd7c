package pages_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestIndicatorDownloads: the indicator page links its CSV and XLSX; the
// CSV is for a Danish Excel by default (BOM, semicolons, decimal comma,
// the indicator's name on every row) and for programs on request; the
// XLSX has the status on its cover and the page's figures.
func TestIndicatorDownloads(t *testing.T) {
	srv := serverWith(t, obs("g1_late_effects_need_unmet", "2019", 58.5), obs("g1_late_effects_need_unmet", "2023", 54.25))
	const page = "/sider/indikatorer/g1_late_effects_need_unmet"
	_, _, body := get(t, srv.URL+page)
	for _, want := range []string{`href="?format=csv"`, `href="?format=xlsx"`, `href="?format=csv&amp;dialect=program"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, c := range []struct {
		name, query string
		want, not   []string
	}{
		{"danish excel", "?format=csv", []string{"\ufeffindikator;indikatornavn;", ";Andel med behov for hjælp til senfølger", ";2023;;54,25;"}, []string{"indikator,indikatornavn"}},
		{"program", "?format=csv&dialect=program", []string{"indikator,indikatornavn,", `,"Andel med behov for hjælp til senfølger`, ",2023,,54.25,"}, []string{"\ufeff"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, h, csv := get(t, srv.URL+page+c.query)
			if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
				t.Fatalf("%d %s", status, h.Get("Content-Type"))
			}
			for _, w := range c.want {
				if !strings.Contains(csv, w) {
					t.Errorf("CSV lacks %q:\n%s", w, csv)
				}
			}
			for _, n := range c.not {
				if strings.Contains(csv, n) {
					t.Errorf("CSV has %q", n)
				}
			}
		})
	}
	t.Run("xlsx", func(t *testing.T) {
		status, _, body := get(t, srv.URL+page+"?format=xlsx")
		if status != 200 {
			t.Fatal(status)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if v, _ := f.GetCellValue("Indikator", "A4"); v != "Status" {
			t.Errorf("cover A4 = %q", v)
		}
		if v, _ := f.GetCellValue("Tal", "B1"); v != "indikatornavn" {
			t.Errorf("Tal B1 = %q", v)
		}
	})
}
