package ingest

// The streamed path of a large CSV table (Runner.Run with the `table`
// format): several chunks, bad rows and duplicates far apart, all or
// nothing. The table is the bulk benchmark's synthetic one (invented
// figures, never shipped), with one indicator: 49,980 rows, three chunks.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/store"
)

func TestStreamedTable(t *testing.T) {
	ctx := context.Background()
	st := pgtest.NewStore(t)
	cat := benchCatalogue(t, 1)
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "kommuner.csv")
	rows, err := writeBenchTable(good, 1)
	if err != nil || rows <= 2*chunkSize {
		t.Fatalf("table of %d rows (%v), want more than two chunks", rows, err)
	}
	data, _ := os.ReadFile(good)
	lines := strings.SplitAfter(string(data), "\n") // lines[i] is file row i+1
	variant := func(name string, edit func(lines []string) []string) string {
		path := filepath.Join(dir, name, "kommuner.csv")
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(strings.Join(edit(append([]string(nil), lines...)), "")), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	stored := func() int {
		var n int
		if err := st.QueryRow(ctx, `SELECT count(*) FROM observations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	r := &Runner{Store: st, Catalogue: cat, Metrics: NewMetrics(nil)}

	// Bad rows in the second and third chunks: both listed, nothing written.
	bad := variant("bad", func(l []string) []string {
		l[30001] = l[30001][:strings.LastIndex(l[30001], ";")] + ";abc\n"
		l[45000] = strings.Join(append([]string{"bench_00", "2013M13"}, strings.Split(l[45000], ";")[2:]...), ";")
		return l
	})
	run, err := r.Run(ctx, benchSource, Options{File: bad})
	for _, want := range []string{
		"2 invalid row(s), nothing written",
		`kommuner.csv: row 30002, column 5 ("Andel (%)"), value: `,
		`kommuner.csv: row 45001, column 5 ("Andel (%)"), period: `,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad rows: got %v, want it to contain %q", err, want)
		}
	}
	if run.Outcome != "failed" || run.Counts.Rejected != 2 || stored() != 0 {
		t.Errorf("bad rows: outcome %s, counts %+v, %d stored; want failed, 2 rejected, none stored", run.Outcome, run.Counts, stored())
	}

	// A duplicate of the first figure at the end, two chunks later.
	dup := variant("dup", func(l []string) []string { return append(l, l[1]) })
	_, err = r.Run(ctx, benchSource, Options{File: dup})
	want := `kommuner.csv: row 49982, column 5 ("Andel (%)"), period: same indicator, period, geography and breakdown as row 2`
	if err == nil || !strings.Contains(err.Error(), want) || stored() != 0 {
		t.Errorf("duplicate: got %v with %d stored, want %q and none stored", err, stored(), want)
	}

	// The whole table; then the same bytes; then one figure revised.
	run, err = r.Run(ctx, benchSource, Options{File: good})
	if err != nil || run.Counts != (store.Counts{Read: rows, Inserted: rows}) || stored() != rows {
		t.Fatalf("good table: %+v, %d stored, %v", run.Counts, stored(), err)
	}
	run, err = r.Run(ctx, benchSource, Options{File: good})
	if err != nil || run.Outcome != "unchanged" || !strings.Contains(string(run.Detail), "same_content_as_run") {
		t.Errorf("same table again: %s %v %v, want unchanged as the same content", run.Outcome, run.Detail, err)
	}
	revised := variant("revised", func(l []string) []string {
		l[40000] = l[40000][:strings.LastIndex(l[40000], ";")] + ";99,9\n"
		return l
	})
	run, err = r.Run(ctx, benchSource, Options{File: revised})
	if err != nil || run.Counts != (store.Counts{Read: rows, Revised: 1, Unchanged: rows - 1}) || stored() != rows+1 {
		t.Errorf("one figure revised: %+v, %d stored, %v", run.Counts, stored(), err)
	}
}
