package followup

import (
	"context"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// Reader is what Load reads from the store (*store.Store is one).
type Reader interface {
	PlanSubmissions(ctx context.Context, f store.PlanFilter) ([]store.PlanSubmission, error)
	FiguresHeld(ctx context.Context, year int, asOf time.Time) ([]store.FigureHeld, error)
}

// Load builds the section for year from what the store held at at.
func Load(ctx context.Context, st Reader, cat *indicators.Catalogue, offTrack map[string]bool, year int, at time.Time) (*Section, error) {
	subs, err := st.PlanSubmissions(ctx, store.PlanFilter{AsOf: at})
	if err != nil {
		return nil, err
	}
	figs, err := st.FiguresHeld(ctx, year, at)
	if err != nil {
		return nil, err
	}
	return Build(Input{Catalogue: cat, Year: year, Submissions: subs, Figures: figs, OffTrack: offTrack, At: at}), nil
}
