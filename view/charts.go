package view

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// IndicatorChart draws an indicator's history against its target and
// thresholds up to the end of year (or the target year, if later).
func IndicatorChart(in Indicator, year int) template.HTML {
	lo, hi := in.Unit.Bounds()
	c := &lineChart{
		Title: in.NameDA, TitleEN: in.NameEN, Unit: in.Unit.Suffix(), Warning: in.Thresholds.Warning, Critical: in.Thresholds.Critical,
		LowerIsBetter: in.Polarity.BadAbove(), Invert: in.Unit == indicators.UnitRank, YMin: lo, YMax: hi,
		Empty: "Ingen tal til og med skæringsdatoen", EmptyEN: " / no figures by the cut-off",
	}
	mid := func(a, b time.Time) time.Time { return a.Add(b.Sub(a) / 2) }
	var first, last time.Time
	see := func(a, b time.Time) {
		if first.IsZero() || a.Before(first) {
			first = a
		}
		if b.After(last) {
			last = b
		}
	}
	for _, row := range in.Rows {
		l := chartLine{Label: row.BreakdownDA, LabelEN: row.BreakdownEN}
		if row.Answers != nil && row.Answers.Standing.Compared > c.Compared {
			c.Compared = row.Answers.Standing.Compared
		}
		seen := map[string]bool{}
		for _, h := range row.History {
			p := chartPoint{At: mid(h.Start, h.End), Label: h.Period, Y: h.Value}
			if h.CI != nil {
				p.Lo, p.Hi = &h.CI.Lower, &h.CI.Upper
			}
			l.Points = append(l.Points, p)
			seen[h.Period] = true
			see(h.Start, h.End)
		}
		// A baseline cited in the catalogue, for a period with no stored figure.
		if b := row.Baseline; b != nil && !seen[b.Period] {
			if p, err := indicators.ParsePeriod(b.Period); err == nil {
				bp := chartPoint{At: mid(p.Start, p.End), Label: b.Period + " (udgangspunkt / baseline)", Y: b.Value, Hollow: true}
				l.Points = append([]chartPoint{bp}, l.Points...)
				see(p.Start, p.End)
			}
		}
		// The pathway from the baseline to the target, in the target year.
		if b := row.Baseline; b != nil && in.Target.Value != nil && in.Target.Year > 0 {
			if p, err := indicators.ParsePeriod(b.Period); err == nil {
				l.Pathway = &pathway{FromAt: mid(p.Start, p.End), From: b.Value,
					ToAt: time.Date(in.Target.Year, 7, 1, 0, 0, 0, 0, time.UTC), To: *in.Target.Value}
			}
		}
		if len(l.Points) > 0 {
			c.Lines = append(c.Lines, l)
		}
	}
	yearEnd := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	if first.IsZero() {
		first = time.Date(year-5, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if yearEnd.After(last) {
		last = yearEnd
	}
	if in.Target.Value != nil {
		c.Target, c.TargetDA, c.TargetEN = in.Target.Value, in.Target.TextDA, in.Target.TextEN
		if in.Target.Year > 0 {
			c.TargetAt = time.Date(in.Target.Year, 7, 1, 0, 0, 0, 0, time.UTC)
			if end := time.Date(in.Target.Year, 12, 31, 0, 0, 0, 0, time.UTC); end.After(last) {
				last = end
			}
		}
	}
	c.From = time.Date(first.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	c.To = time.Date(last.Year(), 12, 31, 0, 0, 0, 0, time.UTC)
	return c.SVG()
}

var comparisonColour = map[assess.Comparison]string{
	assess.Better: "#2e7d4f", assess.Similar: "#5d6d7e", assess.Worse: "#c0392b", assess.NotComparable: "#aab7b8",
}

// RegionalChart draws the regions' latest figures with their intervals
// against Denmark's (from in, the indicator's entry); a region's marker is
// coloured by its comparison with the country, which its label also says
// in words.
func RegionalChart(in Indicator, reg Regional) template.HTML {
	lo, hi := reg.Unit.Bounds()
	c := &dotChart{Title: reg.NameDA + ": regionerne", TitleEN: reg.NameEN + ": the regions", Unit: reg.Unit.Suffix(), Min: lo, Max: hi}
	var national *Value
	var period, key string
	for _, rr := range reg.Regions {
		if rr.Period != "" {
			period, key = rr.Period, rr.Breakdown.Key()
			if rr.National != nil {
				c.RefLo, c.RefHi = &rr.National.Lower, &rr.National.Upper
			}
		}
	}
	for _, row := range in.Rows {
		for i := range row.History {
			// Denmark's series of the regions' breakdown (both sexes, say).
			if row.Breakdown.Key() == key && row.History[i].Period == period {
				national = &row.History[i]
			}
		}
	}
	dk := dotRow{Label: "Danmark", Denmark: true}
	if national != nil {
		dk.Value = &national.Value
	}
	if c.RefLo != nil {
		dk.Lo, dk.Hi = c.RefLo, c.RefHi
		c.RefNote, c.RefEN = "Landets 95 %-interval ("+period+")", "Denmark's 95% interval"
	}
	c.Rows = append(c.Rows, dk)
	used := map[assess.Comparison]bool{}
	for _, rr := range reg.Regions {
		row := dotRow{Label: rr.NameDA, Colour: comparisonColour[rr.Comparison]}
		if l := rr.Latest; l != nil {
			row.Value = &l.Value
			row.Note = strings.ToLower(rr.ComparisonDA)
			used[rr.Comparison] = true
			if l.CI != nil {
				row.Lo, row.Hi = &l.CI.Lower, &l.CI.Upper
			}
		}
		c.Rows = append(c.Rows, row)
	}
	for _, k := range []assess.Comparison{assess.Better, assess.Similar, assess.Worse, assess.NotComparable} {
		if used[k] {
			l := assess.ComparisonLabels[k]
			c.Key = append(c.Key, [3]string{l[0], l[1], "sw-" + string(k)})
		}
	}
	return c.SVG()
}

// NordicChart draws one Nordic comparison: Denmark as everywhere, the
// other countries hollow and grey, each labelled with its rank.
func NordicChart(n Nordic) template.HTML {
	c := &dotChart{Title: fmt.Sprintf("%s, %s, %s: de nordiske lande", n.CancerSiteDA, n.SexDA, n.Period),
		TitleEN: fmt.Sprintf("%s, %s, %s: the Nordic countries", n.CancerSiteEN, n.SexEN, n.Period), Unit: indicators.UnitPercent.Suffix(), Min: 0, Max: 100}
	for _, k := range n.Countries {
		row := dotRow{Label: fmt.Sprintf("%d. %s", k.Rank, k.NameDA), Value: &k.Value, Denmark: k.Country == assess.Home}
		if k.CI != nil {
			row.Lo, row.Hi = &k.CI.Lower, &k.CI.Upper
		}
		c.Rows = append(c.Rows, row)
	}
	return c.SVG()
}
