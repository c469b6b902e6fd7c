package ingest

import (
	"testing"

	"github.com/kraeftplan/kpv/internal/testkit"
)

// The real NORDCAN 9.2 exports shipped in snapshots/nordcan-9.2 are read in
// their own shapes: colon and rectum put men and women side by side under
// repeated country names, prostate is comma-separated with "5y" in its
// label; breast and prostate name no sex (the exports are women's and men's,
// as the repositories holding them say: the mapping says so).
// The figures are the exports' own, checked by hand against the files.
func TestNordcanRealExports(t *testing.T) {
	c := testkit.Catalogue(t)
	for _, tc := range []struct {
		file, sex string
		n         int
		checks    []struct {
			geo, key  string
			v, lo, hi float64
		}
	}{
		{"breast-5y.csv", "female", 40, []struct {
			geo, key  string
			v, lo, hi float64
		}{{"DK", "cancer_site=180,sex=female", 90.2, 89.5, 90.9}, {"SE", "cancer_site=180,sex=female", 92.3, 91.7, 92.8}}},
		{"prostate-5y.csv", "male", 40, []struct {
			geo, key  string
			v, lo, hi float64
		}{{"DK", "cancer_site=240,sex=male", 90.1, 89.3, 91.0}, {"NO", "cancer_site=240,sex=male", 94.9, 94.2, 95.6}}},
		{"colon-5y.csv", "", 80, []struct {
			geo, key  string
			v, lo, hi float64
		}{{"DK", "cancer_site=90,sex=male", 72.9, 71.6, 74.2}, {"FI", "cancer_site=90,sex=male", 66.1, 64.5, 67.8}, {"DK", "cancer_site=90,sex=female", 73.0, 71.7, 74.2}, {"SE", "cancer_site=90,sex=female", 70.6, 69.5, 71.7}}},
		{"rectum-5y.csv", "", 80, []struct {
			geo, key  string
			v, lo, hi float64
		}{{"DK", "cancer_site=100,sex=male", 72.0, 70.3, 73.7}, {"DK", "cancer_site=100,sex=female", 74.9, 73.0, 76.9}, {"SE", "cancer_site=100,sex=female", 70.8, 69.2, 72.6}}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			src := *source(t, c, "nordcan-survival")
			m := *src.Mapping
			m.Fixed = map[string]string{"indicator": "g3_survival_5y_nordic"}
			m.FollowUp = "5" // as the catalogue's snapshot entries state it
			if tc.sex != "" {
				m.Fixed["sex"] = tc.sex
			}
			src.Mapping = &m
			data, err := Snapshots.ReadFile("snapshots/nordcan-9.2/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			obs, err := Parse(c, &src, tc.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(obs) != tc.n {
				t.Errorf("%d figures, want %d", len(obs), tc.n)
			}
			for _, ck := range tc.checks {
				checkFigure(t, figure(t, obs, "2016-2020", ck.geo, ck.key), testkit.Float(ck.v), testkit.Float(ck.lo), testkit.Float(ck.hi), false)
			}
		})
	}
}

// 1-year and 5-year survival side by side under a spanning heading row: only
// the 5-year columns are kept (the mapping's end: "5"). The 5-year figures
// are colon, men, 2016-2020 from the 9.2 export; the 1-year ones are format
// fixtures, which the reader must drop.
func TestNordcanSpanningHeading(t *testing.T) {
	c := testkit.Catalogue(t)
	file := "1-year survival,,,,,5-years survival,,,\n" +
		"Colon (Males),Denmark,Finland,Norway,Sweden,Denmark,Finland,Norway,Sweden\n" +
		"2016-2020,1.0[0.5-1.5],2.0[1.5-2.5],3.0[2.5-3.5],4.0[3.5-4.5],72.9[71.6-74.2],66.1[64.5-67.8],69.8[68.4-71.2],68.7[67.5-69.8]\n"
	obs, err := Parse(c, source(t, c, "nordcan-survival"), "spanning.csv", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 4 {
		t.Fatalf("%d figures, want the 4 five-year ones", len(obs))
	}
	checkFigure(t, figure(t, obs, "2016-2020", "DK", "cancer_site=90,sex=male"), testkit.Float(72.9), testkit.Float(71.6), testkit.Float(74.2), false)
	checkFigure(t, figure(t, obs, "2016-2020", "SE", "cancer_site=90,sex=male"), testkit.Float(68.7), testkit.Float(67.5), testkit.Float(69.8), false)
}

// A heading whose shape changed fails naming what changed, and gives nothing.
func TestNordcanShapeChanges(t *testing.T) {
	c := testkit.Catalogue(t)
	src := source(t, c, "nordcan-survival")
	for _, tc := range []rejection{
		{"a country three times", "Colon;Denmark;Denmark;Denmark\n2016-2020;1.0[0.5-1.5];2.0[1.5-2.5];3.0[2.5-3.5]\n", "Denmark is named 3 times in the heading"},
		{"sex named and countries repeated", "Colon (Males);Denmark;Denmark\n2016-2020;1.0[0.5-1.5];2.0[1.5-2.5]\n", "the heading names the sex (male) but repeats the countries"},
		{"a country renamed", "Colon;Danmark-Grønland;Finland\n2016-2020;1.0[0.5-1.5];2.0[1.5-2.5]\n", `"Danmark-Grønland" is not a country in the catalogue`},
		{"an HTML page", "<!DOCTYPE html>\n<html><body>NORDCAN</body></html>\n", "got a web page, not a nordcan-survival file"},
	} {
		expectRejection(t, c, src, "x.csv", tc)
	}
}

// An eSundhed regional survival extract published before 3 November 2023
// had the regions' names swapped: its regional rows are refused with the
// reason, and nothing of it is taken; the national rows of a later one are
// kept, as are regional rows published after the fix.
func TestSwappedRegionalExtractRefused(t *testing.T) {
	c := testkit.Catalogue(t)
	src := source(t, c, "sds-kraeftoverlevelse")
	head := "Diagnoseperiode;Køn;Område;Overlevelsestid;Relativ overlevelse (%);Nedre 95 % KI;Øvre 95 % KI;Udgivet\n"
	expectRejection(t, c, src, "old.csv", rejection{"extract before the fix",
		head + "2019-2021;I alt;Hele landet;5 år;68;;;2023-06-15\n2019-2021;I alt;Region Sjælland;5 år;67;;;2023-06-15\n",
		"a regional figure published 2023-06-15, before 2023-11-03, is refused: eSundhed's regional survival extracts before 3 November 2023 had the regions' names swapped"})
	obs, err := Parse(c, src, "new.csv", []byte(head+"2019-2021;I alt;Region Sjælland;5 år;67;;;2024-01-10\n"))
	if err != nil || len(obs) != 1 || obs[0].Geography != "DK-85" {
		t.Errorf("an extract after the fix: %v %v", obs, err)
	}
}
