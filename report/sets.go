package report

import (
	"context"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// PairRecorder reads the year's figures and the previous year's report's
// together (*store.Store does): the same sets as two AsOf reads.
type PairRecorder interface {
	AsOfPair(ctx context.Context, cutoff, publishedBy, earlier time.Time) (*store.AsOfSet, *store.AsOfSet, error)
}

// Sets reads the figures the report for year rests on as of cutoff, and
// those the previous year's report rests on (PreviousSet; nil for the
// plan's first year): in one read when rec can, since they are mostly the
// same figures.
func Sets(ctx context.Context, rec Recorder, cat *indicators.Catalogue, year int, cutoff time.Time) (set, prev *store.AsOfSet, err error) {
	py, ok := previousYear(cat, year)
	if pr, pair := rec.(PairRecorder); pair && ok {
		return pr.AsOfPair(ctx, cutoff, PublishedBy(year, cutoff), PublishedBy(py, cutoff))
	}
	if set, err = rec.AsOf(ctx, cutoff, PublishedBy(year, cutoff)); err != nil {
		return nil, nil, err
	}
	if prev, _, err = PreviousSet(ctx, rec, cat, year, cutoff); err != nil {
		return nil, nil, err
	}
	return set, prev, nil
}
