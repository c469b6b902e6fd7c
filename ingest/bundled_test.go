package ingest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

var updateBundled = flag.Bool("update-bundled", false, "rewrite testdata/bundled-figures.txt from the shipped snapshots")

// Every shipped figure, loaded as `kpv ingest --all --offline` loads it and
// read back from the store, is the one recorded in
// testdata/bundled-figures.txt (written from the code before issue 26): a
// change to the readers must not change what the bundled data say.
func TestBundledFiguresUnchanged(t *testing.T) {
	ctx := context.Background()
	st := pgtest.NewStore(t)
	c := testkit.Catalogue(t)
	if _, err := st.SyncCatalogue(ctx, c); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: st, Catalogue: c, Metrics: NewMetrics(nil), Offline: true}
	for _, src := range c.Sources {
		if !src.Format.Fetched() || len(src.Files()) == 0 {
			continue
		}
		if run, err := r.Run(ctx, src.ID, Options{}); err != nil {
			t.Fatalf("%s: %v (run %+v)", src.ID, err, run.Counts)
		}
	}
	obs, err := st.Observations(ctx, store.ObservationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, o := range obs {
		published := ""
		if !o.PublishedAt.Equal(o.RecordedAt) { // recorded now: no date of its own
			published = o.PublishedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		lines = append(lines, fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%s|%v|%s|%s|r%d",
			o.Indicator, o.Period, o.Geography, o.Breakdown.Key(), num(o.Value), num(o.Numerator), num(o.Denominator),
			num(o.CILower), num(o.CIUpper), o.Suppressed, published, o.Release, o.Revision))
	}
	got := strings.Join(lines, "\n") + "\n"
	const golden = "testdata/bundled-figures.txt"
	if *updateBundled {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		wl := strings.Split(string(want), "\n")
		for i, l := range strings.Split(got, "\n") {
			if i >= len(wl) || wl[i] != l {
				t.Fatalf("bundled figures differ from %s at line %d:\n got %s\nwant %s", golden, i+1, l, at(wl, i))
			}
		}
		t.Fatalf("bundled figures: %d lines, %s has %d", len(lines), golden, len(wl)-1)
	}
}

func num(p *float64) string {
	if p == nil {
		return ""
	}
	b, _ := json.Marshal(*p)
	return string(b)
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(end of file)"
}
