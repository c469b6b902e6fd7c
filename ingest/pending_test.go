package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// figureOf is the current value of one figure of the shipped colon series.
func figureOf(t *testing.T, st *store.Store, geo, sex, period string) float64 {
	t.Helper()
	obs, err := st.Observations(context.Background(), store.ObservationFilter{Indicator: "g3_survival_5y_nordic", Geographies: []string{geo},
		Breakdown: map[string]string{"cancer_site": "90", "sex": sex}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range obs {
		if o.Period == period {
			return *o.Value
		}
	}
	t.Fatalf("no figure %s %s %s", geo, sex, period)
	return 0
}

// writeExport writes a testdata/nordcan-real file without its provenance
// line, as a file given to `kpv ingest --file`.
func writeExport(t *testing.T, name string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, realExport(t, name), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issue 26's second case: the men's prostate export under the heading
// "Colon 5y", given for men, would revise the shipped colon series (DK
// 2016-2020 72.9 -> 90.1). The run holds the far revisions instead: nothing
// current changes, the run log says so, and the admin's decisions then
// write one (accepted) and leave the others (rejected).
func TestFarRevisionsHeldThenDecided(t *testing.T) {
	ctx := context.Background()
	st := pgtest.NewStore(t)
	c := testkit.Catalogue(t)
	if _, err := st.SyncCatalogue(ctx, c); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: st, Catalogue: c, Metrics: NewMetrics(nil)}
	if _, err := r.Run(ctx, "nordcan-survival", Options{Snapshot: true}); err != nil {
		t.Fatal(err)
	}
	if v := figureOf(t, st, "DK", "male", "2016-2020"); v != 72.9 {
		t.Fatalf("shipped DK men 2016-2020 = %v, want 72.9", v)
	}
	wrong := writeExport(t, "constructed-prostate-under-colon-heading.csv")
	run, err := r.Run(ctx, "nordcan-survival", Options{File: wrong, Set: map[string]string{"sex": "male"}})
	if err != nil {
		t.Fatal(err)
	}
	held, _ := detailHeld(run)
	if run.Counts.Revised != 0 || held != 40 || !strings.Contains(string(run.Detail), "outside the interval") {
		t.Fatalf("run: revised %d, held %d, detail %s; want 0 revised and the 40 figures held", run.Counts.Revised, held, run.Detail)
	}
	if v := figureOf(t, st, "DK", "male", "2016-2020"); v != 72.9 {
		t.Fatalf("DK men 2016-2020 = %v after the held run, want 72.9 (nothing current changed)", v)
	}
	ps, err := st.PendingRevisions(ctx, store.PendingFilter{Source: "nordcan-survival", Status: "pending"})
	if err != nil || len(ps) != 40 {
		t.Fatalf("%d pending (%v), want 40", len(ps), err)
	}
	var dk int64
	var rest []int64
	for _, p := range ps {
		if p.Geography == "DK" && p.Period == "2016-2020" {
			dk = p.ID
			if *p.Value != 90.1 || *p.OldValue != 72.9 {
				t.Errorf("pending DK 2016-2020: %v replacing %v, want 90.1 replacing 72.9", *p.Value, *p.OldValue)
			}
		} else {
			rest = append(rest, p.ID)
		}
	}

	for _, step := range []struct {
		name   string
		ids    []int64
		accept bool
		want   string // error
	}{
		{"accept one", []int64{dk}, true, ""},
		{"accept it again", []int64{dk}, true, "not a revision waiting for review: revision"},
		{"reject the rest", rest, false, ""},
		{"accept a rejected one", rest[:1], true, "was rejected by admin"},
	} {
		t.Run(step.name, func(t *testing.T) {
			_, err := r.Decide(ctx, "nordcan-survival", step.ids, step.accept, "admin")
			if step.want == "" && err != nil || step.want != "" && (err == nil || !strings.Contains(err.Error(), step.want)) {
				t.Fatalf("error %v, want %q", err, step.want)
			}
		})
	}
	if v := figureOf(t, st, "DK", "male", "2016-2020"); v != 90.1 {
		t.Errorf("DK men 2016-2020 = %v after acceptance, want 90.1", v)
	}
	if v := figureOf(t, st, "FI", "male", "2016-2020"); v != 66.1 {
		t.Errorf("FI men 2016-2020 = %v after rejection, want 66.1 (unchanged)", v)
	}
	if n, _ := st.PendingCounts(ctx); n["nordcan-survival"] != 0 {
		t.Errorf("%d still pending", n["nordcan-survival"])
	}
}

// An ordinary revision goes through: a recomputation within the interval,
// and a new release with its label.
func TestOrdinaryRevisionsGoThrough(t *testing.T) {
	ctx := context.Background()
	st := pgtest.NewStore(t)
	c := testkit.Catalogue(t)
	if _, err := st.SyncCatalogue(ctx, c); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: st, Catalogue: c, Metrics: NewMetrics(nil)}
	file := func(body string) string {
		p := filepath.Join(t.TempDir(), "x.csv")
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	for _, step := range []struct {
		name, body, release string
		revised, held       int
	}{
		{"first", "Colon (Males) 5y;Denmark\n2016-2020;72.9[71.6-74.2]\n", "", 0, 0},
		{"within the interval", "Colon (Males) 5y;Denmark\n2016-2020;73.4[72.1-74.7]\n", "", 1, 0},
		{"far", "Colon (Males) 5y;Denmark\n2016-2020;95.2[94.3-96.2]\n", "", 0, 1},
		{"far, but a new release", "Colon (Males) 5y;Denmark\n2016-2020;95.2[94.3-96.2]\n", "9.6", 1, 0},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.release != "" {
				source(t, c, "nordcan-survival").Release.Label = step.release
			}
			run, err := r.Run(ctx, "nordcan-survival", Options{File: file(step.body)})
			if err != nil {
				t.Fatal(err)
			}
			if held, _ := detailHeld(run); run.Counts.Revised != step.revised || held != step.held {
				t.Errorf("revised %d, held %d; want %d, %d (%s)", run.Counts.Revised, held, step.revised, step.held, run.Detail)
			}
		})
	}
}
