package ingest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// The fuzz targets feed arbitrary bytes through each adapter as the runner
// would. An input may be rejected, but only with an error value: no panic
// (Parse turns one into an error, which is reported here as a failure), and
// whatever is accepted is a valid batch.
func checkParse(t *testing.T, c *indicators.Catalogue, src *indicators.Source, data []byte) {
	obs, err := Parse(c, src, "fuzz", data)
	if err != nil {
		if strings.Contains(err.Error(), "panic") {
			t.Fatalf("adapter panicked: %v", err)
		}
		var be *indicators.BatchError
		if errors.As(err, &be) && len(be.Rows) == 0 {
			t.Fatalf("batch error with no rows: %v", err)
		}
		return
	}
	if len(obs) == 0 {
		t.Fatal("accepted an empty batch")
	}
	for _, o := range obs {
		if o.Suppressed != (o.Value == nil) {
			t.Fatalf("suppressed %v with value %v", o.Suppressed, o.Value)
		}
		if o.Value != nil && (math.IsNaN(*o.Value) || math.IsInf(*o.Value, 0)) {
			t.Fatal("accepted a non-finite value")
		}
		if o.PeriodEnd.Before(o.PeriodStart) {
			t.Fatalf("period %s ends before it starts", o.Period)
		}
	}
}

func FuzzParseNordcan(f *testing.F) {
	c := testkit.Catalogue(f)
	src := source(f, c, "nordcan-survival")
	for _, s := range []string{"nordcan-wide.csv", "nordcan-long.csv"} {
		f.Add(read(f, s))
	}
	snap, _, _ := Snapshot(src)
	f.Add(snap)
	f.Add([]byte("Colon (Males);Denmark\n2016-2020;95.2 [94.3-96.2]*\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, c, src, data) })
}

func FuzzParseTable(f *testing.F) {
	c := testkit.Catalogue(f)
	lup := source(f, c, "lup")
	baro := source(f, c, "barometer")
	f.Add(read(f, "lup.csv"), false)
	snap, _, _ := Snapshot(baro)
	f.Add(snap, true)
	f.Fuzz(func(t *testing.T, data []byte, barometer bool) {
		src := lup
		if barometer {
			src = baro
		}
		checkParse(t, c, src, data)
	})
}

func FuzzParseJSONStat(f *testing.F) {
	c := testkit.Catalogue(f)
	src := statbankSource(f, c)
	f.Add(read(f, "statbank.json"))
	f.Add(read(f, "pxweb-sparse.json"))
	f.Add([]byte(`{"version":"2.0","class":"dataset","id":["OMRÅDE","KØN","Tid"],"size":[1,1,1],"dimension":{"OMRÅDE":{"category":{"index":["000"]}},"KØN":{"category":{"index":["M"]}},"Tid":{"category":{"index":["2024K1"]}}},"value":{"0":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, c, src, data) })
}

// FuzzParseNordcanAPI: NORDCAN's JSON endpoint answer, from the shipped
// 9.6 snapshot and a changed shape.
func FuzzParseNordcanAPI(f *testing.F) {
	c := testkit.Catalogue(f)
	src := source(f, c, "nordcan-mortality")
	snap, _ := Snapshots.ReadFile("snapshots/nordcan-mortality-9.6.json")
	f.Add(snap)
	f.Add([]byte(`{"dataset":[{"country":208,"sex":2,"type":1,"year":2024,"cancer":160}],"error":null}`))
	f.Add([]byte(`{"dataset":null,"error":"no data"}`))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, c, src, data) })
}

// FuzzNordcanHeading feeds arbitrary headings to the NORDCAN heading
// grammar (nordcan_heading.go) and to the wide reader around it: a heading
// is read into a known entity, sex and follow-up, or refused with an error
// quoting it; never a panic, and a file with that heading is read or
// refused as checkParse demands.
func FuzzNordcanHeading(f *testing.F) {
	c := testkit.Catalogue(f)
	src := (Options{FollowUp: "5"}).stated(source(f, c, "nordcan-survival"))
	for _, s := range []string{"Colon", "Colon (Males)", "Colon - Females, 5-year", "Prostate 5y", "5-years survival",
		"Vulva, vagina and other females genital organs", "Breast, women, five-year relative survival",
		"Age-standardised relative survival (%)", "All sites but non-melanoma skin cancer (Both sexes) 10 yrs",
		"Colon (Males) - Females", "Colon 1y", "Tyktarmskræft, Kvinder, 5-års overlevelse", "(", ",,", " - "} {
		f.Add(s)
	}
	sexes := map[string]bool{"": true, "male": true, "female": true, "total": true}
	f.Fuzz(func(t *testing.T, label string) {
		b := newBatch(c, src)
		h, err := b.readHeading(label)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", strings.TrimSpace(label))) {
				t.Fatalf("error %q does not quote the heading %q", err, label)
			}
		} else {
			if h.entity != "" {
				if _, ok := c.CancerEntity(h.entity); !ok {
					t.Fatalf("entity %q is not in the catalogue", h.entity)
				}
			}
			if !sexes[h.sex] {
				t.Fatalf("sex %q", h.sex)
			}
			if h.end != "" {
				if n, err := strconv.Atoi(h.end); err != nil || n <= 0 {
					t.Fatalf("follow-up %q", h.end)
				}
			}
		}
		if strings.ContainsAny(label, ";\n\r\"") {
			return // would change the file's shape, not the heading
		}
		checkParse(t, c, src, []byte(label+";Denmark\n2016-2020;50.0[49.0-51.0]\n"))
	})
}
