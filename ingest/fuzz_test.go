package ingest

import (
	"errors"
	"math"
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
