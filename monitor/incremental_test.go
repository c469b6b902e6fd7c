package monitor

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/store"
)

// countingSource records what the monitor reads from the store.
type countingSource struct {
	*store.Store
	reads [][]int32 // the series asked for, nil for all
}

func (c *countingSource) CurrentFigures(ctx context.Context, ids []int32, fn func(string, []indicators.Observation) error) error {
	c.reads = append(c.reads, ids)
	return c.Store.CurrentFigures(ctx, ids, fn)
}

// TestIncrementalRefresh: after a run that revised one indicator's
// figures, a refresh reads only that indicator's series from the store,
// and its assessment and scrape are those of a monitor that read
// everything; a refresh with nothing changed reads no figures.
func TestIncrementalRefresh(t *testing.T) {
	ctx := context.Background()
	cat := benchCatalogue(t, 5)
	st := pgtest.NewStore(t)
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		t.Fatal(err)
	}
	writeRevisions(t, st, cat, 1)
	src := &countingSource{Store: st}
	reg := prometheus.NewRegistry()
	m := New(Options{Catalogue: cat, Store: src, Registerer: reg, Now: func() time.Time { return fixedNow }})
	if err := m.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if len(src.reads) != 1 || src.reads[0] != nil {
		t.Fatalf("the first refresh should read every figure once: %+v", src.reads)
	}

	// A run revises bench_002's figures only.
	var figs []indicators.Observation
	for _, o := range benchFigures(t, cat, 3) {
		if o.Indicator == "bench_002" {
			figs = append(figs, o)
		}
	}
	if _, err := st.Record(ctx, "indberetning", store.KindTest, func(ctx context.Context, tx pgx.Tx, run int64) (store.Counts, error) {
		return store.WriteObservations(ctx, tx, run, "indberetning", figs)
	}); err != nil {
		t.Fatal(err)
	}
	src.reads = nil
	before := m.current.Load().segments
	if err := m.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if len(src.reads) != 1 || len(src.reads[0]) != 18 {
		t.Fatalf("after a run that revised one indicator's 18 series, the refresh read %+v", src.reads)
	}

	full := New(Options{Catalogue: cat, Store: st, Registerer: prometheus.NewRegistry(), Now: func() time.Time { return fixedNow }})
	if err := full.RefreshAll(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(m.Snapshot())
	want, _ := json.Marshal(full.Snapshot())
	if string(got) != string(want) {
		t.Errorf("the incremental assessment differs from a full one:\n got %.800s\nwant %.800s", got, want)
	}
	if string(m.current.Load().plainText()) != string(full.current.Load().plainText()) {
		t.Error("the incrementally encoded metrics differ from a full encoding")
	}
	// The gzipped exposition, most of it kept from before, reads back
	// (CRC and length checked) as the full encoding.
	zr, err := gzip.NewReader(bytes.NewReader(m.current.Load().gzipped))
	if err != nil {
		t.Fatal(err)
	}
	if unzipped, err := io.ReadAll(zr); err != nil || string(unzipped) != string(full.current.Load().plainText()) {
		t.Errorf("the incrementally compressed metrics do not read back as the full encoding (err %v)", err)
	}
	// Only the segments holding bench_002 or the global metrics were
	// compressed again.
	block := 0
	for i, a := range m.Snapshot().Indicators {
		if a.ID == "bench_002" {
			block = 1 + i/blockParts
		}
	}
	kept := 0
	for k, sg := range m.current.Load().segments {
		switch {
		case before[k] == sg:
			kept++
		case k.block != 0 && k.block != block:
			t.Errorf("segment %+v was compressed again, though bench_002 is in block %d", k, block)
		}
	}
	if kept == 0 {
		t.Error("no segment of the compressed exposition was kept")
	}
	if !strings.Contains(string(got), `"figures":180`) {
		t.Errorf("the snapshot should count 180 current figures: %.200s", got)
	}

	src.reads = nil
	if err := m.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if len(src.reads) != 0 {
		t.Errorf("a refresh with nothing changed read figures: %+v", src.reads)
	}
	if again, _ := json.Marshal(m.Snapshot()); string(again) != string(got) {
		t.Error("a refresh with nothing changed changed the assessment")
	}
}
