package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	_ "embed"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// Formats are the report's formats, the default first.
var Formats = []string{"json", "csv", "html", "xlsx"}

// ContentType is the media type of a format.
func ContentType(format string) string {
	switch format {
	case "csv":
		return "text/csv; charset=utf-8"
	case "html":
		return "text/html; charset=utf-8"
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/json; charset=utf-8"
}

// FileName is the report's file name in a format, e.g. kpv-report-2025.html.
func FileName(year int, format string) string {
	return fmt.Sprintf("kpv-report-%d.%s", year, format)
}

// Render writes the report in a format: json, csv, html or xlsx. The output
// depends only on the report, so the same figures give the same bytes —
// except the XLSX's cover, which also says when it was generated.
func Render(r *Report, format string) ([]byte, error) {
	switch format {
	case "json":
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err := enc.Encode(r)
		return buf.Bytes(), err
	case "csv":
		return r.CSV()
	case "html":
		return r.HTML()
	case "xlsx":
		return r.XLSX()
	}
	return nil, fmt.Errorf("unknown format %q; one of %s", format, strings.Join(Formats, ", "))
}

// CSVHeader is the CSV's header: one row per indicator and breakdown,
// Denmark's series first, then the regions' (goals 1 and 2).
var CSVHeader = []string{"year", "cut_off", "goal", "indicator", "geography", "breakdown", "breakdown_da", "breakdown_en", "unit",
	"baseline_period", "baseline", "baseline_origin", "previous_period", "previous", "latest_period", "latest", "ci_lower", "ci_upper",
	"change", "change_since_baseline", "target_kind", "target", "target_year", "gap_to_target",
	"status", "status_da", "status_en", "reason_da", "reason_en", "comparison", "freshness",
	"point_status", "change_significance", "change_ci_lower", "change_ci_upper", "trend_apc", "trend_ci_lower", "trend_ci_upper", "trend_significance",
	"projected_value", "reached_year", "pathway_value", "distance_from_pathway", "status_since_baseline", "status_last_5_years"}

// CSV writes one row per indicator and breakdown; numbers with a point
// and no rounding, empty where there is no figure.
func (r *Report) CSV() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(CSVHeader)
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	val := func(v *Value) (period, value string) {
		if v == nil {
			return "", ""
		}
		return v.Period, strconv.FormatFloat(v.Value, 'f', -1, 64)
	}
	write := func(g Goal, in Indicator, row Row, comparison string) {
		bp, bv := val(row.Baseline)
		pp, pv := val(row.Previous)
		lp, lv := val(row.Latest)
		var lo, hi, origin string
		if row.Latest != nil && row.Latest.CI != nil {
			lo, hi = num(&row.Latest.CI.Lower), num(&row.Latest.CI.Upper)
		}
		if row.Baseline != nil {
			origin = row.Baseline.Origin
		}
		ty := ""
		if in.Target.Year != 0 {
			ty = strconv.Itoa(in.Target.Year)
		}
		_ = w.Write(append([]string{strconv.Itoa(r.Year), r.CutOff.Format(time.RFC3339Nano), strconv.Itoa(g.ID), in.ID, row.Geography,
			row.Breakdown.Key(), row.BreakdownDA, row.BreakdownEN, string(in.Unit), bp, bv, origin, pp, pv, lp, lv, lo, hi,
			num(row.Change), num(row.ChangeSinceBaseline), string(in.Target.Kind), num(in.Target.Value), ty, num(row.GapToTarget),
			string(row.Status), row.StatusDA, row.StatusEN, row.ReasonDA, row.ReasonEN, comparison, string(in.Freshness.State)}, defenceColumns(row)...))
	}
	for _, g := range r.Goals {
		for _, in := range g.Indicators {
			for _, row := range in.Rows {
				write(g, in, row, "")
			}
			for _, reg := range g.Regional {
				if reg.Indicator != in.ID {
					continue
				}
				for _, rr := range reg.Regions {
					write(g, in, rr.Row, string(rr.Comparison))
				}
			}
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

//go:embed report.html
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"num":    numAny,
	"unit":   indicators.Unit.Suffix,
	"dunit":  diffUnitSuffix,
	"ci":     ciText,
	"signed": signed,
	"ts":     timestamp,
	"date":   func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"status": func(s assess.Status) string { return "s-" + string(s) },
	"cmp":    func(c assess.Comparison) string { return "c-" + string(c) },
	"join":   joinInts,
	"deref":  func(b *bool) bool { return b != nil && *b },
}).Parse(pageTemplate))

// htmlView is what the page template reads: the report and its charts.
type htmlView struct {
	*Report
	Charts map[string]template.HTML
}

// HTML renders the printable page: Danish headings with English below,
// one chart per indicator and per comparison, no JavaScript.
func (r *Report) HTML() ([]byte, error) {
	v := htmlView{Report: r, Charts: map[string]template.HTML{}}
	for _, g := range r.Goals {
		for _, in := range g.Indicators {
			v.Charts["ind-"+in.ID] = r.indicatorChart(in)
		}
		for _, reg := range g.Regional {
			if len(reg.Regions) > 0 {
				v.Charts["reg-"+reg.Indicator] = r.regionalChart(g, reg)
			}
		}
		for i, n := range g.Nordic {
			v.Charts[fmt.Sprintf("nordic-%d", i)] = nordicChart(n)
		}
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, v)
	return buf.Bytes(), err
}

func (r *Report) indicatorChart(in Indicator) template.HTML {
	lo, hi := in.Unit.Bounds()
	c := &lineChart{
		Title: in.NameDA + " / " + in.NameEN, Unit: in.Unit.Suffix(), Warning: in.Thresholds.Warning, Critical: in.Thresholds.Critical,
		LowerIsBetter: in.Polarity.BadAbove(), Invert: in.Unit == indicators.UnitRank, YMin: lo, YMax: hi,
		Empty: "Ingen tal til og med skæringsdatoen / no figures by the cut-off",
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
		l := chartLine{Label: row.BreakdownDA}
		if l.Label != "" && row.BreakdownEN != row.BreakdownDA {
			l.Label += " / " + row.BreakdownEN
		}
		seen := map[string]bool{}
		for _, h := range row.History {
			p := chartPoint{At: mid(h.start, h.end), Label: h.Period, Y: h.Value}
			if h.CI != nil {
				p.Lo, p.Hi = &h.CI.Lower, &h.CI.Upper
			}
			l.Points = append(l.Points, p)
			seen[h.Period] = true
			see(h.start, h.end)
		}
		// A baseline cited in the catalogue, for a period with no stored figure.
		if b := row.Baseline; b != nil && !seen[b.Period] {
			if p, err := indicators.ParsePeriod(b.Period); err == nil {
				bp := chartPoint{At: mid(p.Start, p.End), Label: b.Period + " (udgangspunkt / baseline)", Y: b.Value, Hollow: true}
				l.Points = append([]chartPoint{bp}, l.Points...)
				see(p.Start, p.End)
			}
		}
		if len(l.Points) > 0 {
			c.Lines = append(c.Lines, l)
		}
	}
	if len(c.Lines) == 1 && len(in.Rows) == 1 && in.Rows[0].Breakdown.Key() == "" {
		c.Lines[0].Label = "Danmark / Denmark"
	}
	yearEnd := time.Date(r.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	if first.IsZero() {
		first = time.Date(r.Year-5, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if yearEnd.After(last) {
		last = yearEnd
	}
	if in.Target.Value != nil {
		c.Target, c.TargetDA = in.Target.Value, in.Target.TextDA
		if in.Target.Year > 0 {
			c.TargetAt = time.Date(in.Target.Year, 7, 1, 0, 0, 0, 0, time.UTC)
			if end := time.Date(in.Target.Year, 12, 31, 0, 0, 0, 0, time.UTC); end.After(last) {
				last = end
			}
		}
	}
	if in.Target.Value != nil && in.Target.Year > 0 {
		for _, row := range in.Rows {
			if b := row.Baseline; b != nil {
				if p, err := indicators.ParsePeriod(b.Period); err == nil {
					c.Pathways = append(c.Pathways, pathway{FromAt: mid(p.Start, p.End), From: b.Value,
						ToAt: time.Date(in.Target.Year, 7, 1, 0, 0, 0, 0, time.UTC), To: *in.Target.Value})
				}
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

func (r *Report) regionalChart(g Goal, reg Regional) template.HTML {
	lo, hi := reg.Unit.Bounds()
	c := &dotChart{Title: reg.NameDA + " / " + reg.NameEN + ": regioner / regions", Unit: reg.Unit.Suffix(), Min: lo, Max: hi}
	var national *Value
	var period string
	for _, rr := range reg.Regions {
		if rr.Period != "" {
			period = rr.Period
			if rr.National != nil {
				c.RefLo, c.RefHi = &rr.National.Lower, &rr.National.Upper
			}
		}
	}
	for _, in := range g.Indicators {
		if in.ID != reg.Indicator {
			continue
		}
		for _, row := range in.Rows {
			for i := range row.History {
				if row.Breakdown.Key() == "" && row.History[i].Period == period {
					national = &row.History[i]
				}
			}
		}
	}
	dk := dotRow{Label: "Danmark / Denmark", Strong: true, Colour: "#1f5f8b"}
	if national != nil {
		dk.Value = &national.Value
	}
	if c.RefLo != nil {
		dk.Lo, dk.Hi = c.RefLo, c.RefHi
		c.RefNote = "Landets 95 %-interval / Denmark's 95% interval (" + period + ")"
	}
	c.Rows = append(c.Rows, dk)
	for _, rr := range reg.Regions {
		row := dotRow{Label: rr.NameDA, Colour: comparisonColour[rr.Comparison]}
		if l := rr.Latest; l != nil {
			row.Value = &l.Value
			if l.CI != nil {
				row.Lo, row.Hi = &l.CI.Lower, &l.CI.Upper
			}
		}
		c.Rows = append(c.Rows, row)
	}
	return c.SVG()
}

func nordicChart(n Nordic) template.HTML {
	c := &dotChart{Title: fmt.Sprintf("%s, %s, %s: nordiske lande / Nordic countries", n.CancerSiteDA, n.SexDA, n.Period), Unit: indicators.UnitPercent.Suffix(), Min: 0, Max: 100}
	for _, k := range n.Countries {
		row := dotRow{Label: fmt.Sprintf("%d. %s", k.Rank, k.NameDA), Value: &k.Value, Colour: "#5d6d7e"}
		if k.Country == assess.Home {
			row.Colour, row.Strong = "#c0392b", true
		}
		if k.CI != nil {
			row.Lo, row.Hi = &k.CI.Lower, &k.CI.Upper
		}
		c.Rows = append(c.Rows, row)
	}
	return c.SVG()
}

// numDA writes a number the Danish way: decimal comma, at most two
// decimals, a true minus sign.
func numDA(v float64) string {
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	s = strings.Replace(s, ".", ",", 1)
	if strings.HasPrefix(s, "-") {
		s = "−" + s[1:]
	}
	if s == "−0" {
		s = "0"
	}
	return s
}

func numAny(v any) string {
	switch x := v.(type) {
	case float64:
		return numDA(x)
	case *float64:
		if x == nil {
			return "–"
		}
		return numDA(*x)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

func signed(p *float64) string {
	if p == nil {
		return "–"
	}
	if *p > 0 {
		return "+" + numDA(*p)
	}
	return numDA(*p)
}

// diffUnitSuffix is the unit of a difference of two values: the difference
// of two percentages is in percentage points, not per cent.
func diffUnitSuffix(unit indicators.Unit) string { return unit.Change().Suffix() }

func ciText(ci *assess.Interval) string {
	if ci == nil {
		return ""
	}
	return "(" + numDA(ci.Lower) + "–" + numDA(ci.Upper) + ")"
}

func timestamp(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	case *time.Time:
		if t == nil {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return ""
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
