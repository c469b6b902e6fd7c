package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
)

// Reading figures: the API's pages of an indicator's figures (latest,
// every revision, or as recorded by a moment) and every series' change
// number. The figures visible at a report's cut-off are read by Visible.

// ObservationFilter selects observations. Zero fields select everything.
type ObservationFilter struct {
	Indicator   string
	Geographies []string
	// Breakdown matches observations whose breakdown contains these pairs.
	Breakdown indicators.Breakdown
	// Series selects the figures of these series only (SeriesVersion.ID).
	Series []int32
	// From and To select periods that overlap [From, To].
	From, To time.Time
	// AllRevisions returns every revision instead of the latest.
	AllRevisions bool
	// AsOf, when set, ignores revisions recorded after it.
	AsOf time.Time
	// After, when set, starts after this figure in the order Observations
	// returns (keyset paging: the cost of a page does not grow with how
	// far into the figures it starts, as an Offset's does).
	After  *Cursor
	Limit  int
	Offset int
}

// Cursor is a figure's place in the order Observations returns: what a
// keyset page continues after.
type Cursor struct {
	Indicator   string    `json:"i"`
	PeriodStart time.Time `json:"s"`
	Period      string    `json:"p"`
	Geography   string    `json:"g"`
	Breakdown   string    `json:"b"`
	Revision    int       `json:"r,omitempty"` // with AllRevisions
}

// CursorOf returns o's place, for the next page after it.
func CursorOf(o indicators.Observation, allRevisions bool) Cursor {
	c := Cursor{Indicator: o.Indicator, PeriodStart: o.PeriodStart, Period: o.Period, Geography: o.Geography, Breakdown: o.Breakdown.Key()}
	if allRevisions {
		c.Revision = o.Revision
	}
	return c
}

// String encodes the cursor as an opaque URL-safe token.
func (c Cursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor decodes a token made by Cursor.String.
func ParseCursor(s string) (Cursor, error) {
	var c Cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		err = d.Decode(&c)
	}
	if err != nil || c.Indicator == "" || c.Period == "" || c.Geography == "" || c.PeriodStart.IsZero() {
		return Cursor{}, fmt.Errorf("not a cursor from a previous page (next_after)")
	}
	return c, nil
}

// The columns of an observation, from the series s, period p, figure f and
// run r of the queries below.
const observationCols = `s.indicator_id, p.period, p.period_start, p.period_end, s.geography, s.dims, f.revision,
	f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper, f.suppressed, r.source_id, f.run_id, r.recorded_at,
	COALESCE(f.published_at, r.recorded_at), f.release`

// Observations returns the observations matching f, ordered by indicator,
// period, geography, breakdown (and revision, with AllRevisions). The
// latest revisions are read from the current figures alone, however many
// revisions are stored; AllRevisions and AsOf read the history too.
func (s *Store) Observations(ctx context.Context, f ObservationFilter) ([]indicators.Observation, error) {
	var w where
	w.addIf(f.Indicator != "", "s.indicator_id = ?", f.Indicator)
	w.addIf(len(f.Geographies) > 0, "s.geography = ANY(?)", f.Geographies)
	w.addIf(len(f.Series) > 0, "s.id = ANY(?)", f.Series)
	if len(f.Breakdown) > 0 {
		dims, _ := json.Marshal(f.Breakdown)
		w.add("s.dims @> ?", dims)
	}
	w.addIf(!f.From.IsZero(), "p.period_end >= ?", f.From)
	w.addIf(!f.To.IsZero(), "p.period_start <= ?", f.To)
	order := "s.indicator_id, p.period_start, p.period, s.geography, s.breakdown"
	if f.AllRevisions {
		order += ", f.revision"
	}
	if c := f.After; c != nil {
		if f.AllRevisions {
			w.conds = append(w.conds, fmt.Sprintf("(%s) > (%s, %s, %s, %s, %s, %s)", order,
				w.arg(c.Indicator), w.arg(c.PeriodStart), w.arg(c.Period), w.arg(c.Geography), w.arg(c.Breakdown), w.arg(c.Revision)))
		} else {
			w.conds = append(w.conds, fmt.Sprintf("(%s) > (%s, %s, %s, %s, %s)", order,
				w.arg(c.Indicator), w.arg(c.PeriodStart), w.arg(c.Period), w.arg(c.Geography), w.arg(c.Breakdown)))
		}
	}
	// seen is the condition on a revision of AsOf, for
	// table alias t; when it was recorded is its run's (migration 00060).
	var seenArgs []string
	if !f.AsOf.IsZero() {
		seenArgs = append(seenArgs, "rr.recorded_at <= "+w.arg(f.AsOf))
	}
	seen := func(alias string) string {
		cond := strings.ReplaceAll(strings.Join(seenArgs, " AND "), "t.", alias+".")
		return "EXISTS (SELECT 1 FROM ingest_runs rr WHERE rr.id = " + alias + ".run_id AND " + cond + ")"
	}
	var figs string
	switch {
	case seenArgs == nil && !f.AllRevisions:
		figs = `figures`
	case seenArgs == nil:
		figs = `(SELECT * FROM figures UNION ALL SELECT * FROM figure_history)`
	case f.AllRevisions:
		figs = `(SELECT * FROM figures c WHERE ` + seen("c") + `
			UNION ALL SELECT * FROM figure_history h WHERE ` + seen("h") + `)`
	default:
		// The latest revision of each figure seen by then: the current one
		// if it was (it is the highest revision), else the highest such in
		// the history — read only for figures whose current one was not.
		figs = `(SELECT * FROM figures c WHERE ` + seen("c") + `
			UNION ALL
			(SELECT DISTINCT ON (h.series_id, h.period_id) h.* FROM figure_history h
			JOIN figures c ON c.series_id = h.series_id AND c.period_id = h.period_id AND NOT (` + seen("c") + `)
			WHERE ` + seen("h") + `
			ORDER BY h.series_id, h.period_id, h.revision DESC))`
	}
	q := `SELECT ` + observationCols + `
		FROM series s
		JOIN ` + figs + ` f ON f.series_id = s.id
		JOIN periods p ON p.id = f.period_id
		JOIN ingest_runs r ON r.id = f.run_id
		WHERE ` + w.sql() + `
		ORDER BY ` + order + w.page(f.Limit, f.Offset)
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	return collectObservations(rows)
}

// collectObservations reads observations (observationCols).
//
// The same text and breakdown come back on many rows: each is kept once (a
// breakdown is shared by its figures and must not be changed), so a
// million figures do not hold a million copies.
func collectObservations(rows pgx.Rows) ([]indicators.Observation, error) {
	strs := map[string]string{}
	dims := map[string]indicators.Breakdown{}
	intern := func(b []byte) string {
		if v, ok := strs[string(b)]; ok {
			return v
		}
		v := string(b)
		strs[v] = v
		return v
	}
	var ind, period, geo, dimsJSON, source, release []byte
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (indicators.Observation, error) {
		var o indicators.Observation
		dst := []any{&ind, &period, &o.PeriodStart, &o.PeriodEnd, &geo, &dimsJSON, &o.Revision,
			&o.Value, &o.Numerator, &o.Denominator, &o.CILower, &o.CIUpper, &o.Suppressed, &source, &o.RunID, &o.RecordedAt,
			&o.PublishedAt, &release}
		if err := r.Scan(dst...); err != nil {
			return o, err
		}
		o.Indicator, o.Period, o.Geography, o.Source, o.Release = intern(ind), intern(period), intern(geo), intern(source), intern(release)
		b, ok := dims[string(dimsJSON)]
		if !ok {
			if err := json.Unmarshal(dimsJSON, &b); err != nil {
				return o, fmt.Errorf("dims %s: %w", dimsJSON, err)
			}
			dims[string(dimsJSON)] = b
		}
		o.Breakdown = b
		return o, nil
	})
}

// SeriesVersion is a stored series and the change number of the last
// merge that added or revised one of its figures.
type SeriesVersion struct {
	ID        int32
	Indicator string
	Geography string
	Breakdown string // canonical key (indicators.Breakdown.Key)
	Changed   int64
}

// SeriesVersions returns every series with its change number: a reader
// that kept them reads again only the series whose number differs. The
// series table has a row per series, not per figure, so this stays small.
func (s *Store) SeriesVersions(ctx context.Context) ([]SeriesVersion, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, indicator_id, geography, breakdown, changed FROM series ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (SeriesVersion, error) {
		var v SeriesVersion
		err := r.Scan(&v.ID, &v.Indicator, &v.Geography, &v.Breakdown, &v.Changed)
		return v, err
	})
}
