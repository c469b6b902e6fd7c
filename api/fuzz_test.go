package api

import (
	"sync"
	"testing"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest"
)

var fuzzCatalogue = sync.OnceValues(indicators.LoadEmbedded)

// fuzzBatch checks what any body must give: no panic, one position per
// row, errors that point at a row of the batch (0 is a CSV header), and a
// batch the catalogue checks accept only without errors.
func fuzzBatch(t *testing.T, parse func(*indicators.Indicator, []byte) ([]indicators.Observation, []string, []indicators.RowError, error), body []byte) {
	cat, err := fuzzCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cat: cat}
	for _, id := range []string{"g1_gp_followup_plan", "g1_late_effects_need_unmet", "g3_survival_5y_denmark"} {
		in, _ := cat.Indicator(id)
		rows, where, bad, err := parse(in, body)
		if err != nil {
			continue
		}
		if len(where) != len(rows) {
			t.Fatalf("%s: %d rows, %d positions", id, len(rows), len(where))
		}
		prepared, bad := s.check(rows, where, bad)
		for _, e := range bad {
			if e.Row < 0 || e.Row > len(rows) || e.Field == "" || e.Message == "" {
				t.Fatalf("%s: error %+v for a batch of %d rows", id, e, len(rows))
			}
		}
		if len(bad) == 0 && len(prepared) != len(rows) {
			t.Fatalf("%s: %d rows prepared of %d", id, len(prepared), len(rows))
		}
	}
}

func FuzzParseCSVBatch(f *testing.F) {
	f.Add([]byte("period;geography;value;numerator;denominator\n2025;DK-82;61,5;123;200\n"))
	f.Add([]byte("period,value,sex,need_type\n2023,71,female,physical\n2023,..,male,sexual\n"))
	f.Add([]byte("period\tgeography\tvalue\tsuppressed\n2016-2020\t081\t\ttrue\n"))
	f.Add([]byte("period;region;andel\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		cat, err := fuzzCatalogue()
		if err != nil {
			t.Fatal(err)
		}
		fuzzBatch(t, func(in *indicators.Indicator, body []byte) ([]indicators.Observation, []string, []indicators.RowError, error) {
			return ingest.ReadSubmittedCSV(cat, in, "batch.csv", body)
		}, body)
	})
}

func FuzzParseJSONBatch(f *testing.F) {
	f.Add([]byte(`{"observations":[{"period":"2025","geography":"DK-82","value":61.5,"numerator":123,"denominator":200}]}`))
	f.Add([]byte(`{"observations":[{"period":"2023","breakdown":{"need_type":"physical"},"value":"71"},{"suppressed":true}]}`))
	f.Add([]byte(`{"observations":[{"period":"2025","colour":"red"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) { fuzzBatch(t, parseJSONBatch, body) })
}
