package store

import "context"

// IndicatorVersion identifies the stored figures of one indicator, cheaply:
// it changes when one of them is added or revised (or a series of it is
// made). A page of the indicator's current figures, or of their history,
// rendered while it had one value is still right while it has that value.
type IndicatorVersion struct {
	// MaxChange and SumChange are the highest and the sum of the
	// indicator's series' change numbers (series.changed): every merge that
	// adds or revises a figure gives its series a new, higher number, so
	// the sum moves even when that merge commits after one with a higher
	// number was read (RecordVersion has the same reasoning).
	MaxChange, SumChange, Series int64
}

// IndicatorVersion returns indicator's current IndicatorVersion: one
// index range scan of the series table, a row per series, not per figure.
func (s *Store) IndicatorVersion(ctx context.Context, indicator string) (IndicatorVersion, error) {
	var v IndicatorVersion
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(max(changed), 0), COALESCE(sum(changed), 0)::bigint, count(*)
		FROM series WHERE indicator_id = $1`, indicator).Scan(&v.MaxChange, &v.SumChange, &v.Series)
	return v, err
}
