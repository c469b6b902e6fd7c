package pages_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kraeftplan/kpv/indicators"
)

// loaded is when the test's runs recorded their figures.
var loaded = time.Date(2026, 5, 20, 8, 30, 0, 0, time.UTC)

func (runLog) RecordedTimes(_ context.Context, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	for _, id := range ids {
		out[id] = loaded
	}
	return out, nil
}

// published is a figure of the indicator published at at, loaded by run 7.
func published(id, period, sex string, v float64, at time.Time) indicators.Observation {
	o := obs(id, period, v)
	o.PublishedAt, o.RunID, o.Source = at, 7, "sds-kraeftoverlevelse"
	if sex != "" {
		o.Breakdown = indicators.Breakdown{"sex": sex}
	}
	return o
}

// TestIndicatorPagePublication: each figure on an indicator page names
// its publication (publisher, title and date in Danish, as precisely as
// the catalogue knows it) and when kpv loaded it; the latest figure of
// each series unfolded, every figure in the folded table and in the CSV.
func TestIndicatorPagePublication(t *testing.T) {
	const id = "g3_survival_5y_denmark"
	srv := serverWith(t,
		published(id, "2013-2015", "male", 60, time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)),
		published(id, "2020-2022", "male", 67, time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)),
		published(id, "2013-2015", "female", 64, time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)),
		// Not one of the catalogue's publications: cited by the source.
		published(id, "2020-2022", "female", 70, time.Date(2026, 6, 8, 0, 0, 0, 0, time.UTC)),
	)
	_, _, body := get(t, srv.URL+"/sider/indikatorer/"+id)
	latest, all, ok := strings.Cut(body, "<details>\n<summary>Alle")
	if !ok {
		t.Fatal("the page folds no table of all figures")
	}
	for _, c := range []struct {
		name string
		in   string
		want []string
	}{
		{"latest: ministry news", latest, []string{"Indenrigs- og Sundhedsministeriet: <a href=\"https://www.ism.dk/", "<cite>Nyhed om Sundhedsdatastyrelsens rapport Kræftoverlevelse i Danmark 2008-2022</cite></a>, 2. maj 2024"}},
		{"latest: loaded", latest, []string{"indlæst i kpv 20. maj 2026 kl. 10:30"}},
		{"latest: by the source", latest, []string{`<span lang="en">Sundhedsdatastyrelsen</span>: <a href="https://www.esundhed.dk/`, "<cite>Kræftoverlevelse i Danmark (Cancerregisteret)</cite></a>, 8. juni 2026"}},
		{"all: newspaper, month only", all, []string{"Dagens Medicin: <a href=\"http://dagensmedicin.dk/", "juni 2017"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range c.want {
				if !strings.Contains(c.in, w) {
					t.Errorf("lacks %q", w)
				}
			}
		})
	}
	t.Run("newspaper not unfolded", func(t *testing.T) {
		if strings.Contains(latest, "Dagens Medicin") {
			t.Error("an older figure's publication is shown unfolded")
		}
	})
	t.Run("xlsx", func(t *testing.T) {
		_, _, body := get(t, srv.URL+"/sider/indikatorer/"+id+"?format=xlsx")
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, _ := f.GetRows("Tal")
		var found bool
		for _, r := range rows {
			if len(r) >= 17 && r[11] == "Dagens Medicin" && r[13] == "juni 2017" && r[16] == "20. maj 2026 kl. 10:30" {
				found = true
			}
		}
		if len(rows) == 0 || len(rows[0]) != 18 || rows[0][11] != "udgiver" || !found {
			t.Errorf("the workbook's figures lack their publications: %q", rows)
		}
	})
	t.Run("csv", func(t *testing.T) {
		_, _, csv := get(t, srv.URL+"/sider/indikatorer/"+id+"?format=csv")
		for _, w := range []string{";udgiver;titel;udgivet;udgave;adresse;indlaest", ";Dagens Medicin;Artikel om Sundhedsdatastyrelsens opgørelse med Kræftens Bekæmpelse;juni 2017;;http://dagensmedicin.dk/flere-danskere-overlever-kraeft/;20. maj 2026 kl. 10:30",
			";Indenrigs- og Sundhedsministeriet;"} {
			if !strings.Contains(csv, w) {
				t.Errorf("CSV lacks %q:\n%s", w, csv)
			}
		}
	})
}

// TestIndicatorPageApart: a figure of another kind of period than its
// series' latest (a whole year among quarters) is not drawn but shown
// apart with its publication, and is in the download marked so.
func TestIndicatorPageApart(t *testing.T) {
	const id = "g3_cancer_pathways_within_standard_time"
	year := obs(id, "2022", 74)
	year.PublishedAt, year.RunID, year.Source = time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC), 7, "sst-kraeftpakker"
	srv := serverWith(t, obs(id, "2021K4", 77), obs(id, "2025K4", 78), year)
	_, _, body := get(t, srv.URL+"/sider/indikatorer/"+id)
	for _, c := range []struct{ name, want string }{
		{"table", "Tal for en anden slags periode, ikke i diagrammet"},
		{"publication", "Jyllands-Posten: <a href=\"https://jyllands-posten.dk/indland/ECE16150341/regioner-faar-faelles-ansvar-for-kraeftpatienter/\"><cite>Regioner får fælles ansvar for kræftpatienter</cite></a>, juni 2023"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(body, c.want) {
				t.Errorf("the page lacks %q", c.want)
			}
		})
	}
	t.Run("csv", func(t *testing.T) {
		_, _, csv := get(t, srv.URL+"/sider/indikatorer/"+id+"?format=csv")
		if !strings.Contains(csv, ";2022;;74;") || !strings.Contains(csv, ";juni 2023;;https://jyllands-posten.dk/indland/ECE16150341/regioner-faar-faelles-ansvar-for-kraeftpatienter/;20. maj 2026 kl. 10:30;ja\n") {
			t.Errorf("the CSV lacks the whole year apart:\n%s", csv)
		}
	})
}
