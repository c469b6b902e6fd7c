package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

func source(t testing.TB, c *indicators.Catalogue, id string) *indicators.Source {
	t.Helper()
	s, ok := c.Source(id)
	if !ok {
		t.Fatalf("no source %s", id)
	}
	return s
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// figure finds the observation with the given key fields.
func figure(t *testing.T, obs []indicators.Observation, period, geo, breakdown string) indicators.Observation {
	t.Helper()
	for _, o := range obs {
		if o.Period == period && o.Geography == geo && o.Breakdown.Key() == breakdown {
			return o
		}
	}
	t.Fatalf("no figure for %s %s %s among %d", period, geo, breakdown, len(obs))
	return indicators.Observation{}
}

func eq(p *float64, want *float64) bool {
	if p == nil || want == nil {
		return p == nil && want == nil
	}
	d := *p - *want
	return d < 1e-9 && d > -1e-9
}

func checkFigure(t *testing.T, o indicators.Observation, value, lo, hi *float64, suppressed bool) {
	t.Helper()
	if o.Suppressed != suppressed || !eq(o.Value, value) || !eq(o.CILower, lo) || !eq(o.CIUpper, hi) {
		t.Errorf("%s %s %s %s: got value %v [%v–%v] suppressed %v; want %v [%v–%v] suppressed %v",
			o.Indicator, o.Period, o.Geography, o.Breakdown.Key(), deref(o.Value), deref(o.CILower), deref(o.CIUpper), o.Suppressed,
			deref(value), deref(lo), deref(hi), suppressed)
	}
}

func deref(p *float64) any {
	if p == nil {
		return "nil"
	}
	return *p
}

func TestNordcanWideExport(t *testing.T) {
	c := testkit.Catalogue(t)
	obs, err := Parse(c, source(t, c, "nordcan-survival"), "nordcan-wide.csv", read(t, "nordcan-wide.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// 5 countries × (2 + 1) rows for all sites, 2 for colon.
	if len(obs) != 17 {
		t.Fatalf("got %d figures, want 17", len(obs))
	}
	for _, o := range obs {
		if o.Indicator != "g3_survival_5y_nordic" {
			t.Errorf("indicator %s, want the mapping's fixed g3_survival_5y_nordic", o.Indicator)
		}
	}
	// The plain cell, a space before "[", a trailing "*", a suppressed "–".
	checkFigure(t, figure(t, obs, "2014-2018", "DK", "cancer_site=990,sex=male"), testkit.Float(67.2), testkit.Float(66.9), testkit.Float(67.5), false)
	checkFigure(t, figure(t, obs, "2014-2018", "FI", "cancer_site=990,sex=male"), testkit.Float(68.1), testkit.Float(67.7), testkit.Float(68.5), false)
	checkFigure(t, figure(t, obs, "2016-2020", "IS", "cancer_site=990,sex=male"), testkit.Float(71.0), testkit.Float(69.6), testkit.Float(72.4), false)
	checkFigure(t, figure(t, obs, "2016-2020", "FI", "cancer_site=990,sex=male"), nil, nil, nil, true)
	// The heading repeated per sex switches the sex.
	checkFigure(t, figure(t, obs, "2014-2018", "SE", "cancer_site=990,sex=female"), testkit.Float(72.0), testkit.Float(71.8), testkit.Float(72.2), false)
	// A heading naming only the entity, then a row naming the sex.
	checkFigure(t, figure(t, obs, "2016-2020", "NO", "cancer_site=90,sex=male"), testkit.Float(67.3), testkit.Float(66.4), testkit.Float(68.2), false)
	o := figure(t, obs, "2016-2020", "NO", "cancer_site=90,sex=male")
	if o.PeriodStart.Year() != 2016 || o.PeriodEnd.Year() != 2020 {
		t.Errorf("period 2016-2020 runs %v to %v", o.PeriodStart, o.PeriodEnd)
	}
}

func TestNordcanLongOutput(t *testing.T) {
	c := testkit.Catalogue(t)
	obs, err := Parse(c, source(t, c, "nordcan-survival"), "nordcan-long.csv", read(t, "nordcan-long.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// The 10-year row is filtered out by the mapping's end = 5.
	if len(obs) != 4 {
		t.Fatalf("got %d figures, want 4 (5-year rows only)", len(obs))
	}
	// period_5 is the first year; country a name; sex 2 is female.
	checkFigure(t, figure(t, obs, "2015-2019", "DK", "cancer_site=180,sex=female"), testkit.Float(89.499496), testkit.Float(88.66069), testkit.Float(90.273544), false)
	checkFigure(t, figure(t, obs, "2015-2019", "FI", "cancer_site=160,sex=female"), testkit.Float(29.0), testkit.Float(28.3), testkit.Float(29.7), false)
}

func TestNordcanRejections(t *testing.T) {
	c := testkit.Catalogue(t)
	src := source(t, c, "nordcan-survival")
	head := "entity;entity_display_order;entity_description_en;end;cns;locns;upcns;sex;period_5;country\n"
	for _, tc := range []rejection{
		{"unknown entity", "Kidneys and more;Denmark\n2016-2020;80.1[79.0-81.2]\n", `x.csv: row 1, column 1: the heading "Kidneys and more" is not a cancer entity of the catalogue, a sex or a follow-up`},
		{"unknown part after a comma", "Colon, Males, Stage IV;Denmark\n2016-2020;80.1[79.0-81.2]\n", `in the heading "Colon, Males, Stage IV", "Stage IV" is not a cancer entity`},
		{"two sexes", "Colon (Males) - Females;Denmark\n2016-2020;80.1[79.0-81.2]\n", `names two sexes (male, then female in "Females")`},
		{"no follow-up stated", "Colon (Males);Denmark\n2016-2020;80.1[79.0-81.2]\n", `the file does not state its survival follow-up (not in the heading "Colon (Males)"`},
		{"1-year only", "Colon (Males) 1y;Denmark\n2016-2020;80.1[79.0-81.2]\n", "the file holds 1-year survival only; source nordcan-survival keeps 5-year survival"},
		{"1-year in a title row", "1-year relative survival (%)\nColon (Males);Denmark\n2016-2020;80.1[79.0-81.2]\n", "the file holds 1-year survival only"},
		{"proportions in the heading", "Colon (Males) 5y (proportion);Denmark\n2016-2020;0.8\n", "says its figures are proportion; the source keeps survival in percent"},
		{"bad cell", "Colon (Males) 5y;Denmark\n2016-2020;eighty\n", `row 2, column 2 ("Denmark"), value: "eighty" is not an estimate`},
		{"interval inverted", "Colon (Males) 5y;Denmark\n2016-2020;60.0[61.0-59.0]\n", "lower bound 61 is above upper bound 59"},
		{"figures before heading", "2016-2020;60.0[59.0-61.0]\n", "figures before a heading row"},
		{"period", "Colon (Males) 5y;Denmark\n2016-2030x;60.0[59.0-61.0]\n", "period"},
		{"long: unknown country", head + "160;13;Lung;5;24.2;23.6;24.8;1;2015;Atlantis\n", `unknown geography "Atlantis"`},
		{"long: unknown entity", head + "999;13;Lung;5;24.2;23.6;24.8;1;2015;Denmark\n", `unknown cancer_site "999"`},
		{"long: sex", head + "160;13;Lung;5;24.2;23.6;24.8;7;2015;Denmark\n", `sex "7" is not 1, 2`},
		{"long: proportions", head + "160;13;Lung;5;0.242;0.236;0.248;1;2015;Denmark\n", "look like proportions"},
		{"long: missing column", "entity;cns;sex\n160;24.2;1\n", "lacks the column(s) locns, upcns, period_5, country"},
		{"out of range", "Colon (Males) 5y;Denmark\n2016-2020;160.0[150.0-170.0]\n", "outside the range of unit percent"},
	} {
		expectRejection(t, c, src, "x.csv", tc)
	}
}

// lupSource is the catalogue's LUP source, read from the test file.
func TestTableCSVWithDanishNumbers(t *testing.T) {
	c := testkit.Catalogue(t)
	obs, err := Parse(c, source(t, c, "lup"), "lup.csv", read(t, "lup.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 4 {
		t.Fatalf("got %d figures, want 4", len(obs))
	}
	o := figure(t, obs, "2024", "DK-84", "")
	checkFigure(t, o, testkit.Float(64.0), nil, nil, false)
	if !eq(o.Numerator, testkit.Float(790)) || !eq(o.Denominator, testkit.Float(1234)) {
		t.Errorf("counts %v/%v, want 790/1234 (thousands point)", deref(o.Numerator), deref(o.Denominator))
	}
	// "–" is suppressed, never zero.
	checkFigure(t, figure(t, obs, "2024", "DK-83", ""), nil, nil, nil, true)
	checkFigure(t, figure(t, obs, "2024", "DK", ""), testkit.Float(63.1), nil, nil, false)
}

func TestTableXLSXWithSuppressedCell(t *testing.T) {
	c := testkit.Catalogue(t)
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Tabel 4"
	f.SetSheetName("Sheet1", sheet)
	rows := [][]any{
		{"LUP Somatik 2024 – inddragelse i beslutninger (format fixture)"},
		{},
		{"År", "Region", "Antal besvarelser", "Antal i høj eller meget høj grad", "Andel i høj eller meget høj grad (%)"},
		{2024, "Region Nordjylland", 512, 300, 58.6},
		{2024, "Region Midtjylland", 20, "–", "–"},
		{2024, "Region Sjælland", 640, 411, "64,2 %"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	src := *source(t, c, "lup")
	m := *src.Mapping
	m.Sheet = sheet
	src.Mapping = &m
	obs, err := Parse(c, &src, "lup.xlsx", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	checkFigure(t, figure(t, obs, "2024", "DK-81", ""), testkit.Float(58.6), nil, nil, false)
	checkFigure(t, figure(t, obs, "2024", "DK-82", ""), nil, nil, nil, true)
	checkFigure(t, figure(t, obs, "2024", "DK-85", ""), testkit.Float(64.2), nil, nil, false)
}

func TestTableRejections(t *testing.T) {
	c := testkit.Catalogue(t)
	src := source(t, c, "lup")
	head := "År;Region;Antal besvarelser;Antal i høj eller meget høj grad;Andel i høj eller meget høj grad (%)\n"
	for _, tc := range []rejection{
		{"wrong column", "År;Region;Besvarelser;Andel\n2024;Region Hovedstaden;10;50\n", "no row has the columns"},
		{"unknown region", head + "2024;Region Atlantis;10;5;50\n", `row 2, column 5 ("Andel i høj eller meget høj grad (%)"), geography: unknown geography "Region Atlantis"`},
		{"not a number", head + "2024;Region Sjælland;10;5;halvtreds\n", `value: "halvtreds"`},
		{"out of range", head + "2024;Region Sjælland;10;5;150\n", "outside the range of unit percent"},
		{"counts", head + "2024;Region Sjælland;10;12;50\n", "do not form a proportion"},
		{"period", head + "2024K9;Region Sjælland;10;5;50\n", "period"},
		{"duplicate", head + "2024;Region Sjælland;10;5;50\n2024;085;10;5;50\n", "row 3, column 5 (\"Andel i høj eller meget høj grad (%)\"), period: same indicator, period, geography and breakdown"},
		{"no rows", head, "no figures found"},
	} {
		expectRejection(t, c, src, "lup.csv", tc)
	}
}

// statbankSource reads the national survival indicator from a StatBank-
// shaped table, as a jsonstat source would be configured.
func statbankSource(t testing.TB, c *indicators.Catalogue) *indicators.Source {
	src := *source(t, c, "sds-kraeftoverlevelse")
	src.Format = indicators.FormatJSONStat
	src.URL = "https://api.statbank.dk/v1/data"
	src.Request = &indicators.Request{API: "statbank", Table: "XYZ1", Lang: "da", Variables: []indicators.RequestVariable{
		{Code: "OMRÅDE", Values: []string{"000", "081", "084"}}, {Code: "KØN", Values: []string{"M", "K"}}, {Code: "Tid", Values: []string{"*"}}}}
	src.Mapping = &indicators.Mapping{
		Columns: map[string]string{"geography": "OMRÅDE", "sex": "KØN", "period": "Tid"},
		Fixed:   map[string]string{"indicator": "g3_survival_5y_denmark"},
		Codes:   map[string]map[string]string{"sex": {"M": "male", "K": "female"}},
	}
	return &src
}

func TestJSONStatStatBank(t *testing.T) {
	c := testkit.Catalogue(t)
	obs, err := Parse(c, statbankSource(t, c), "statbank.json", read(t, "statbank.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 12 {
		t.Fatalf("got %d figures, want 12", len(obs))
	}
	// Row-major, last dimension fastest: value[1] is 000, M, 2023.
	checkFigure(t, figure(t, obs, "2023", "DK", "sex=male"), testkit.Float(62.5), nil, nil, false)
	// value[5] (081, M, 2023) is null with status "..": suppressed, never zero.
	checkFigure(t, figure(t, obs, "2023", "DK-81", "sex=male"), nil, nil, nil, true)
	checkFigure(t, figure(t, obs, "2022", "DK-84", "sex=female"), testkit.Float(65.0), nil, nil, false)
}

func TestJSONStatPxWebSparse(t *testing.T) {
	c := testkit.Catalogue(t)
	src := *source(t, c, "nordcan-survival")
	src.Format = indicators.FormatJSONStat
	src.Request = &indicators.Request{API: "pxweb-v2", Lang: "en"}
	src.Mapping = &indicators.Mapping{
		Columns: map[string]string{"geography": "Region", "sex": "Kjonn", "period": "Tid"},
		Fixed:   map[string]string{"indicator": "g3_survival_5y_nordic", "cancer_site": "990"},
		Codes:   map[string]map[string]string{"sex": {"1": "male", "2": "female"}},
	}
	obs, err := Parse(c, &src, "pxweb.json", read(t, "pxweb-sparse.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 8 {
		t.Fatalf("got %d figures, want 8 (every position, absent ones suppressed)", len(obs))
	}
	checkFigure(t, figure(t, obs, "2022", "NO", "cancer_site=990,sex=female"), testkit.Float(73.1), nil, nil, false)
	// Position 3 is absent from the sparse value object (status ".."): suppressed.
	checkFigure(t, figure(t, obs, "2023", "NO", "cancer_site=990,sex=female"), nil, nil, nil, true)
	// Position 4 has a value and status "e" (estimate): kept.
	checkFigure(t, figure(t, obs, "2022", "SE", "cancer_site=990,sex=male"), testkit.Float(70.2), nil, nil, false)
}

func TestJSONStatRejections(t *testing.T) {
	c := testkit.Catalogue(t)
	src := statbankSource(t, c)
	good := string(read(t, "statbank.json"))
	for _, tc := range []rejection{
		{"unknown region code", strings.Replace(good, `"084":2`, `"099":2`, 1), `unknown geography "099"`},
		{"value path named", strings.Replace(good, "61.0,62.5", "161.0,62.5", 1), "value[0] (OMRÅDE=000, KØN=M, Tid=2022)"},
		{"unmapped dimension", strings.Replace(strings.Replace(good, `"KØN":{`, `"SEX":{`, 1), `["OMRÅDE","KØN","Tid"]`, `["OMRÅDE","SEX","Tid"]`, 1), `takes sex from dimension "KØN", which the dataset does not have`},
		{"garbage", "<html>Service unavailable</html>", "jsonstat"},
	} {
		expectRejection(t, c, src, "statbank.json", tc)
	}
}

func TestRequestsFollowTheAPIs(t *testing.T) {
	c := testkit.Catalogue(t)
	sb := statbankSource(t, c)
	req, err := newRequest(sb)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if req.Method != "POST" || req.URL.String() != "https://api.statbank.dk/v1/data" || got["table"] != "XYZ1" || got["format"] != "JSONSTAT" || got["lang"] != "da" {
		t.Errorf("StatBank request %s %s %s", req.Method, req.URL, body)
	}
	if want := `{"code":"OMRÅDE","values":["000","081","084"]}`; !strings.Contains(string(body), want) {
		t.Errorf("StatBank body %s lacks %s", body, want)
	}

	v1 := *sb
	v1.URL = "https://data.ssb.no/api/v0/no/table/00000"
	v1.Request = &indicators.Request{API: "pxweb-v1", Variables: []indicators.RequestVariable{{Code: "Region", Values: []string{"0"}}, {Code: "Tid", Values: []string{"*"}}}}
	req, _ = newRequest(&v1)
	body, _ = io.ReadAll(req.Body)
	for _, want := range []string{`{"code":"Region","selection":{"filter":"item","values":["0"]}}`, `{"code":"Tid","selection":{"filter":"all","values":["*"]}}`, `"response":{"format":"json-stat2"}`} {
		if req.Method != "POST" || !strings.Contains(string(body), want) {
			t.Errorf("PxWeb v1 %s body %s lacks %s", req.Method, body, want)
		}
	}

	v2 := *sb
	v2.URL = "https://statistikdatabasen.scb.se/api/v2/tables/TAB1/data"
	v2.Request = &indicators.Request{API: "pxweb-v2", Lang: "en", Variables: []indicators.RequestVariable{{Code: "Tid", Values: []string{"2023", "2024"}}}}
	req, _ = newRequest(&v2)
	q := req.URL.Query()
	if req.Method != "GET" || q.Get("outputFormat") != "json-stat2" || q.Get("lang") != "en" || q.Get("valuecodes[Tid]") != "2023,2024" {
		t.Errorf("PxWeb v2 request %s %s", req.Method, req.URL)
	}
}

func TestAdapterPanicBecomesError(t *testing.T) {
	c := testkit.Catalogue(t)
	src := source(t, c, "nordcan-survival")
	// A nil catalogue makes the adapter dereference nil: a stand-in for an
	// adapter bug. The run must fail cleanly, not crash.
	_, err := Parse(nil, src, "x.csv", []byte("Colon;Denmark\n2016-2020;60.0\n"))
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("got %v, want the panic as an error", err)
	}
}

func TestShippedSnapshotsParse(t *testing.T) {
	c := testkit.Catalogue(t)
	readme, err := Snapshots.ReadFile("snapshots/README.md")
	if err != nil {
		t.Fatal(err)
	}
	goals := map[int]bool{}
	entries, _ := Snapshots.ReadDir("snapshots")
	used := map[string]bool{"README.md": true}
	total, sources := 0, 0
	for i := range c.Sources {
		src := &c.Sources[i]
		if len(src.Files()) == 0 {
			continue
		}
		obs, _, err := SnapshotFigures(c, src)
		if err != nil {
			t.Errorf("source %s: %v", src.ID, err)
			continue
		}
		total, sources = total+len(obs), sources+1
		for _, f := range src.Files() {
			used[strings.Split(f.File, "/")[0]] = true
			if !bytes.Contains(readme, []byte("`"+f.File+"`")) && !bytes.Contains(readme, []byte("`"+strings.TrimPrefix(f.File, "nordcan-9.2/")+"`")) {
				t.Errorf("snapshot %s has no entry with its citations in snapshots/README.md", f.File)
			}
			// Table snapshots cite a publication on every row.
			if src.Format == indicators.FormatTable {
				data, _ := Snapshots.ReadFile("snapshots/" + f.File)
				for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
					if !strings.Contains(line, "http") && !strings.Contains(line, "samme side") {
						t.Errorf("%s row %d has no citation: %s", f.File, i+2, line)
					}
				}
			}
		}
		for _, o := range obs {
			in, _ := c.Indicator(o.Indicator)
			goals[in.Goal] = true
			// Every shipped figure says when it was published, before
			// the clock of whoever loads it.
			if o.PublishedAt.IsZero() || o.PublishedAt.After(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("%s %s %s %s: published %v", src.ID, o.Indicator, o.Period, o.Geography, o.PublishedAt)
			}
		}
	}
	for _, e := range entries {
		if !used[e.Name()] {
			t.Errorf("snapshots/%s is shipped but no source reads it", e.Name())
		}
	}
	// Goal 2 has no public figure to ship (see snapshots/README.md).
	if !goals[1] || !goals[3] {
		t.Errorf("snapshots cover goals %v; want goals 1 and 3", goals)
	}
	// The target: at least 300 figures from at least 6 sources.
	if total < 300 || sources < 6 {
		t.Errorf("snapshots hold %d figures from %d sources; want at least 300 from 6", total, sources)
	}
	t.Logf("%d figures from %d sources", total, sources)
}

func TestSubmissionSourcesAreNotFetched(t *testing.T) {
	c := testkit.Catalogue(t)
	_, err := Parse(c, source(t, c, "indberetning"), "x", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "submitted through the API") {
		t.Errorf("got %v", err)
	}
	var be *indicators.BatchError
	_ = errors.As(err, &be)
}

// rejection is a file an adapter must refuse, and what the error must say.
type rejection struct{ name, file, want string }

func expectRejection(t *testing.T, c *indicators.Catalogue, src *indicators.Source, name string, tc rejection) {
	t.Run(tc.name, func(t *testing.T) {
		obs, err := Parse(c, src, name, []byte(tc.file))
		if err == nil {
			t.Fatalf("accepted %d figures; want an error containing %q", len(obs), tc.want)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %q does not contain %q", err, tc.want)
		}
	})
}
