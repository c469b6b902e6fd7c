package indicators

import (
	"strings"
	"testing"
)

// FuzzParseCatalogue feeds arbitrary files to the catalogue loader, as `kpv
// catalogue check FILE` and KPV_CATALOGUE would: an input may be rejected,
// with an error, but never crash the loader; one that is accepted can be
// looked up without crashing.
func FuzzParseCatalogue(f *testing.F) {
	f.Add(Embedded)
	f.Add([]byte("version: \"1\"\ngoals: []\n"))
	f.Add([]byte("version: \"1\"\nsources:\n  - {id: x, format: table, schedule: \"CRON_TZ=Europe/Copenhagen\"}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	// A small but complete catalogue: the embedded one cut after its geographies.
	if i := strings.Index(string(Embedded), "\ncancer_entities:"); i > 0 {
		f.Add(Embedded[:i])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error with no message")
			}
			return
		}
		for _, in := range c.Indicators {
			if _, ok := c.Indicator(in.ID); !ok {
				t.Fatalf("indicator %s is not in the index", in.ID)
			}
		}
	})
}

// FuzzParsePeriod checks the period parser used by every adapter and by the
// API's from/to parameters: a period it accepts ends no earlier than it
// starts, and its canonical label parses to the same period.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2019", "2024K1", "2024Q4", "2024M01", "2016-2020", "2014-2018", "1899", "2024M13", "2024K0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if p.End.Before(p.Start) {
			t.Fatalf("%q: ends %v before it starts %v", s, p.End, p.Start)
		}
		q, err := ParsePeriod(p.Label)
		if err != nil || q != p {
			t.Fatalf("%q: canonical label %q parses to %+v (%v), want %+v", s, p.Label, q, err, p)
		}
	})
}
