package report_test

import (
	"context"
	"testing"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
	"github.com/kraeftplan/kpv/store"
)

// bundledStore is a fresh store holding every shipped snapshot, ingested
// as `kpv ingest --all --offline` does, and the figures it stored.
func bundledStore(tb testing.TB) (*store.Store, *indicators.Catalogue, int) {
	tb.Helper()
	ctx := context.Background()
	cat := testkit.Catalogue(tb)
	st := pgtest.NewStore(tb)
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		tb.Fatal(err)
	}
	r := &ingest.Runner{Store: st, Catalogue: cat}
	figures := 0
	for _, src := range cat.Sources {
		if len(src.Files()) == 0 {
			continue
		}
		run, err := r.Run(ctx, src.ID, ingest.Options{Snapshot: true})
		if err != nil {
			tb.Fatalf("%s: %v", src.ID, err)
		}
		figures += run.Counts.Inserted
	}
	return st, cat, figures
}
