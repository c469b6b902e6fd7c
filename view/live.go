package view

import (
	"slices"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// The views of one indicator built from the current snapshot (the
// monitor's, which /metrics and the API serve), for kpv's pages: the same
// entries, tables and charts as the yearly report, with the figures as
// they stand now.

// LiveIndicator is the report's entry for one indicator from snap, with
// Denmark's history taken from the snapshot's series.
func LiveIndicator(cat *indicators.Catalogue, snap *assess.Snapshot, id string) (Indicator, bool) {
	def, ok := cat.Indicator(id)
	if !ok {
		return Indicator{}, false
	}
	a, ok := snap.Indicator(id)
	if !ok {
		a = &assess.Indicator{ID: id, Status: assess.NotAssessable}
	}
	src, _ := cat.Source(def.Source)
	derived := derivedFrom(cat, snap, def)
	hist := map[string][]Value{}
	for _, sr := range a.Series {
		if sr.Geography != assess.Home {
			continue
		}
		for _, f := range sr.History() {
			v := Value{Period: f.Period, Value: f.Value, CI: f.CI, End: f.End, Start: f.End, Pub: PublicationOf(src, f.PublishedAt, f.Release, f.RunID)}
			if p, err := indicators.ParsePeriod(f.Period); err == nil {
				v.Start, v.End = p.Start, p.End
			}
			if d, ok := derived[sr.Breakdown.Key()+"|"+f.Period]; ok {
				v.Pub = d
			}
			hist[sr.Breakdown.Key()] = append(hist[sr.Breakdown.Key()], v)
		}
	}
	in := IndicatorOf(cat, def, a, hist)
	for i := range in.Rows {
		if ap := in.Rows[i].Apart; ap != nil {
			for _, f := range ap.Figures {
				in.Rows[i].ApartValues = append(in.Rows[i].ApartValues, Value{Period: f.Period, Value: f.Value, CI: f.CI,
					Pub: PublicationOf(src, f.PublishedAt, f.Release, f.RunID)})
			}
		}
	}
	return in, true
}

// LiveRegional is the regions against Denmark for an indicator published
// by region (false otherwise).
func LiveRegional(cat *indicators.Catalogue, snap *assess.Snapshot, id string) (Regional, bool) {
	def, ok := cat.Indicator(id)
	a, found := snap.Indicator(id)
	if !ok || !found || !slices.Contains(def.Breakdowns, "region") {
		return Regional{}, false
	}
	return RegionalOf(cat, def, a), true
}

// LiveNordic is Denmark's Nordic ranking behind an indicator: the
// comparison series itself, or the ranks and gaps derived from it (for
// the derived indicator's cancer sites).
func LiveNordic(cat *indicators.Catalogue, snap *assess.Snapshot, id string) []Nordic {
	def, ok := cat.Indicator(id)
	if !ok {
		return nil
	}
	var out []Nordic
	for _, n := range NordicOf(cat, snap) {
		switch {
		case n.Indicator == id:
		case def.Derived != nil && def.Derived.From == n.Indicator && slices.Contains(def.Derived.CancerSites, n.CancerSite):
		default:
			continue
		}
		out = append(out, n)
	}
	return out
}

// derivedFrom is, for a derived indicator, the publication behind each of
// its figures (by breakdown key and period): that of the newest of
// Denmark's figures it is computed from, marked as computed by kpv.
func derivedFrom(cat *indicators.Catalogue, snap *assess.Snapshot, def *indicators.Indicator) map[string]*Publication {
	if def.Derived == nil {
		return nil
	}
	from, ok := cat.Indicator(def.Derived.From)
	a, found := snap.Indicator(def.Derived.From)
	if !ok || !found {
		return nil
	}
	src, _ := cat.Source(from.Source)
	out := map[string]*Publication{}
	newest := map[string]time.Time{}
	for _, sr := range a.Series {
		if sr.Geography != assess.Home {
			continue
		}
		b := indicators.Breakdown{}
		for _, dim := range def.Breakdowns {
			if v, ok := sr.Breakdown[dim]; ok {
				b[dim] = v
			}
		}
		for _, f := range sr.History() {
			k := b.Key() + "|" + f.Period
			if f.PublishedAt.IsZero() || !f.PublishedAt.After(newest[k]) {
				continue
			}
			if p := PublicationOf(src, f.PublishedAt, f.Release, f.RunID); p != nil {
				p.DerivedFromDA = from.NameDA
				out[k], newest[k] = p, f.PublishedAt
			}
		}
	}
	return out
}
