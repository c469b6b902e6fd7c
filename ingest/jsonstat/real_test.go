package jsonstat

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// cellAt finds the cell with the given category ids (one per dimension, in
// ID order).
func cellAt(t *testing.T, d *Dataset, codes ...string) Cell {
	t.Helper()
	for c := range d.All() {
		if slices.Equal(c.Codes, codes) {
			return c
		}
	}
	t.Fatalf("no cell %q", codes)
	return Cell{}
}

// Real answers decode, and cells land on the publisher's categories. The
// values checked are those of the publisher's own table: SSB 05300 (share
// living under 1 km from a cinema, 1991: 16 %; bookshops were not asked
// about in 2021, which SSB marks "."), FHI's guide (population growth,
// Oslo 2020: 3516) and Eurostat HLTH_CD_ASDR2 (lung cancer deaths per
// 100,000, Denmark 2023, both sexes: 53.85; Sweden, women, 2011: 35.03).
func TestRealAnswers(t *testing.T) {
	type want struct {
		codes  []string
		value  float64 // NaN-free: absent cells are checked with status
		absent bool
		status string
	}
	for _, tc := range []struct {
		file    string
		updated string
		len     int
		cells   []want
	}{
		{"testdata/ssb-05300-jsonstat2.json", "2022-05-24T06:00:00Z", 432, []want{
			{codes: []string{"01", "01", "Avstand", "1991"}, value: 16},
			{codes: []string{"01", "01", "Avstand", "2021"}, value: 12},
			{codes: []string{"01", "02", "Avstand", "1991"}, value: 7},
			{codes: []string{"02", "01", "Avstand", "1991"}, value: 39},
			{codes: []string{"01", "08", "Avstand", "2021"}, absent: true, status: "."},
			{codes: []string{"06", "08", "Avstand", "2021"}, absent: true, status: "."},
		}},
		{"testdata/fhi-befolkningsvekst-jsonstat2.json", "2022-12-20T11:44:58.7706326+00:00", 4, []want{
			{codes: []string{"03", "2020_2020", "0", "0", "BEFVEKST_ANT"}, value: 3516},
			{codes: []string{"03", "2021_2021", "0", "0", "BEFVEKST_ANT"}, value: 2817},
			{codes: []string{"30", "2021_2021", "0", "0", "BEFVEKST_ANT"}, value: 16846},
		}},
		{"../snapshots/eurostat-hlth_cd_asdr2.json", "2026-06-08T23:00:00+0200", 195, []want{
			{codes: []string{"A", "RT", "T", "TOTAL", "C33_C34", "DK", "2023"}, value: 53.85},
			{codes: []string{"A", "RT", "T", "TOTAL", "C33_C34", "FI", "2023"}, value: 33.63},
			{codes: []string{"A", "RT", "F", "TOTAL", "C33_C34", "SE", "2011"}, value: 35.03},
			{codes: []string{"A", "RT", "M", "TOTAL", "C33_C34", "IS", "2023"}, value: 34.18},
		}},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			f, err := os.Open(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			d, err := Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if d.Updated != tc.updated || d.Len() != tc.len {
				t.Errorf("updated %q, %d cells; want %q, %d", d.Updated, d.Len(), tc.updated, tc.len)
			}
			for _, w := range tc.cells {
				c := cellAt(t, d, w.codes...)
				switch {
				case w.absent && (c.Value != nil || c.Status != w.status):
					t.Errorf("%q = %v status %q, want absent with status %q", w.codes, c.Value, c.Status, w.status)
				case !w.absent && (c.Value == nil || *c.Value != w.value):
					t.Errorf("%q = %v, want %v", w.codes, c.Value, w.value)
				}
			}
		})
	}
}

// The variations real answers have: FHI's `"role": {"time": null}` and
// `"status": ""`; size and index positions written as strings; a 1.x
// bundle under any dataset name. Each decodes to the same cells as the
// plain answer.
func TestVariationsOfRealAnswers(t *testing.T) {
	raw, err := os.ReadFile("testdata/fhi-befolkningsvekst-jsonstat2.json")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Decode(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Role["time"] != nil || !slices.Equal(plain.Role["metric"], []string{"MEASURE_TYPE"}) {
		t.Errorf("role = %v, want time null and metric MEASURE_TYPE", plain.Role)
	}
	for _, c := range plain.Cells() {
		if c.Status != "" {
			t.Errorf(`status "" gave cell %d status %q`, c.Index, c.Status)
		}
	}
	r := strings.NewReplacer
	for name, doc := range map[string]string{
		"size as strings": r(`"size": [
        2,
        2,
        1,
        1,
        1
    ]`, `"size": ["2", "2", "1", "1", "1"]`).Replace(string(raw)),
		"index positions as strings": `{"version":"2.0","class":"dataset","id":["GEO","AAR","KJONN","ALDER","MEASURE_TYPE"],"size":[2,2,1,1,1],` +
			`"dimension":{"GEO":{"category":{"index":{"03":"0","30":"1"}}},"AAR":{"category":{"index":{"2020_2020":"0","2021_2021":"1"}}},` +
			`"KJONN":{"category":{"index":{"0":"0"}}},"ALDER":{"category":{"index":{"0":0}}},"MEASURE_TYPE":{"category":{"index":["BEFVEKST_ANT"]}}},` +
			`"value":[3516,2817,11219,16846],"status":"","role":null}`,
		"1.x bundle under another name": `{"befolkningsvekst":{"dimension":{"id":["GEO","AAR","KJONN","ALDER","MEASURE_TYPE"],"size":["2","2","1","1","1"],` +
			`"GEO":{"category":{"index":{"03":0,"30":1}}},"AAR":{"category":{"index":{"2020_2020":0,"2021_2021":1}}},` +
			`"KJONN":{"category":{"index":{"0":0}}},"ALDER":{"category":{"index":{"0":0}}},"MEASURE_TYPE":{"category":{"index":{"BEFVEKST_ANT":0}}}},` +
			`"value":[3516,2817,11219,16846],"status":""}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(name, "bundle") && doc == string(raw) {
				t.Fatal("the variation did not apply")
			}
			d, err := Decode(strings.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			got, want := d.Cells(), plain.Cells()
			if len(got) != len(want) {
				t.Fatalf("%d cells, want %d", len(got), len(want))
			}
			for i := range want {
				if !slices.Equal(got[i].Codes, want[i].Codes) || *got[i].Value != *want[i].Value {
					t.Errorf("cell %d = %q %v, want %q %v", i, got[i].Codes, *got[i].Value, want[i].Codes, *want[i].Value)
				}
			}
		})
	}
}
