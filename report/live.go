package report

import (
	"html/template"
	"slices"
	"strings"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// The report's views of one indicator built from the current snapshot
// (the monitor's, which /metrics and the API serve), for kpv's pages: the
// same entries, tables and charts as the yearly report, with the figures
// as they stand now.

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
	hist := map[string][]Value{}
	for _, sr := range a.Series {
		if sr.Geography != assess.Home {
			continue
		}
		for _, f := range sr.History() {
			v := Value{Period: f.Period, Value: f.Value, CI: f.CI, end: f.End, start: f.End}
			if p, err := indicators.ParsePeriod(f.Period); err == nil {
				v.start, v.end = p.Start, p.End
			}
			hist[sr.Breakdown.Key()] = append(hist[sr.Breakdown.Key()], v)
		}
	}
	return indicatorEntry(cat, def, a, hist), true
}

// LiveRegional is the regions against Denmark for an indicator published
// by region (false otherwise).
func LiveRegional(cat *indicators.Catalogue, snap *assess.Snapshot, id string) (Regional, bool) {
	def, ok := cat.Indicator(id)
	a, found := snap.Indicator(id)
	if !ok || !found || !slices.Contains(def.Breakdowns, "region") {
		return Regional{}, false
	}
	return regional(cat, def, a), true
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
	for _, n := range nordic(cat, snap) {
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

// LiveSummary counts a goal's indicators by headline status, as the
// report's summary does.
func LiveSummary(snap *assess.Snapshot, g indicators.Goal) GoalSummary {
	return summarise(snap, g)
}

// IndicatorChart draws an indicator's history against its target and
// thresholds up to the end of year (or the target year, if later).
func IndicatorChart(in Indicator, year int) template.HTML {
	return (&Report{Year: year}).indicatorChart(in)
}

// RegionalChart draws the regions' latest figures with their intervals
// against Denmark's.
func RegionalChart(in Indicator, reg Regional) template.HTML {
	return (&Report{}).regionalChart(Goal{Indicators: []Indicator{in}}, reg)
}

// NordicChart draws one Nordic comparison.
func NordicChart(n Nordic) template.HTML { return nordicChart(n) }

// Num writes a number the Danish way (decimal comma, true minus sign), as
// the report does; the other helpers are the report's template functions.
func Num(v any) string                       { return numAny(v) }
func UnitSuffix(unit indicators.Unit) string { return unit.Suffix() }
func DiffUnit(unit indicators.Unit) string   { return diffUnitSuffix(unit) }
func CIText(ci *assess.Interval) string {
	return ciText(ci)
}
func Signed(p *float64) string { return signed(p) }
func Timestamp(v any) string   { return timestamp(v) }

// PageStyle is the HTML report's style sheet: the text of its <style>
// element, which a Content-Security-Policy allows by its hash.
func PageStyle() string {
	_, after, _ := strings.Cut(pageTemplate, "<style>")
	css, _, _ := strings.Cut(after, "</style>")
	return css
}
