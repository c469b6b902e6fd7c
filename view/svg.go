package view

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
	"time"
)

// The charts are drawn by the server as inline SVG, so the page needs no
// JavaScript and prints as it shows. Text is escaped; sizes are in user
// units with a viewBox, so a chart scales to the page width.

const chartWidth = 680

// palette tells series apart; after eight, dash patterns do.
var palette = []string{"#1f5f8b", "#c0392b", "#2e7d4f", "#7d3c98", "#ca6f1e", "#17806d", "#5d6d7e", "#9a7d0a"}
var dashes = []string{"", "6 3", "2 3"}

const (
	bandWarning  = "#fbeecb"
	bandCritical = "#f6d3d0"
	colourTarget = "#2e7d4f"
)

// chartPoint is one figure on a line chart.
type chartPoint struct {
	At     time.Time // the middle of its period
	Label  string    // the period
	Y      float64
	Lo, Hi *float64
	Hollow bool // a baseline from the catalogue, not a stored figure
}

type chartLine struct {
	Label  string
	Points []chartPoint
}

// lineChart is an indicator's history against its target and threshold
// bands.
type lineChart struct {
	Title    string
	TitleEN  string
	Unit     string // suffix for values, e.g. " %"
	Lines    []chartLine
	Target   *float64
	TargetAt time.Time // where the target marker sits; zero: none
	TargetDA string
	Warning  *float64
	Critical *float64
	// LowerIsBetter puts the bands above the thresholds.
	LowerIsBetter bool
	// Invert draws small values on top (ranks: 1 is best).
	Invert     bool
	YMin, YMax float64 // the unit's range
	From, To   time.Time
	Empty      string // shown when there are no points
	EmptyEN    string // its English, beside it
	// Pathways are straight lines from a baseline to the target value in
	// the target year: where a series should be on the way (assess.Projection).
	Pathways []pathway
}

// pathway is one line from a baseline to the target.
type pathway struct {
	FromAt, ToAt time.Time
	From, To     float64
}

func esc(s string) string { return html.EscapeString(s) }

// niceStep is a round step that cuts span into about n parts.
func niceStep(span float64, n int) float64 {
	if span <= 0 {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// yRange is the chart's value range: every point, interval, target and
// threshold, padded and rounded to steps, within the unit's range.
func (c *lineChart) yRange() (lo, hi, step float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	see := func(v float64) { lo, hi = math.Min(lo, v), math.Max(hi, v) }
	for _, l := range c.Lines {
		for _, p := range l.Points {
			see(p.Y)
			if p.Lo != nil {
				see(*p.Lo)
			}
			if p.Hi != nil {
				see(*p.Hi)
			}
		}
	}
	for _, v := range []*float64{c.Target, c.Warning, c.Critical} {
		if v != nil {
			see(*v)
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = c.YMin, math.Min(c.YMax, c.YMin+100)
	}
	if c.Invert { // ranks: whole places, 1 at the top
		lo, hi = math.Max(c.YMin, 1), math.Max(hi+0.5, 3)
		return 1, math.Ceil(hi), 1
	}
	pad := (hi - lo) * 0.15
	if pad == 0 {
		pad = math.Max(1, math.Abs(hi)*0.1)
	}
	step = niceStep(hi-lo+2*pad, 5)
	lo = math.Max(c.YMin, math.Floor((lo-pad)/step)*step)
	hi = math.Min(c.YMax, math.Ceil((hi+pad)/step)*step)
	if hi <= lo {
		hi = lo + step
	}
	return lo, hi, step
}

// SVG draws the chart.
func (c *lineChart) SVG() template.HTML {
	const x0, x1, y0, y1 = 56.0, 664.0, 14.0, 196.0
	lo, hi, step := c.yRange()
	from, to := c.From, c.To
	span := to.Sub(from).Hours()
	if span <= 0 {
		span = 1
	}
	sx := func(t time.Time) float64 { return x0 + (x1-x0)*t.Sub(from).Hours()/span }
	sy := func(v float64) float64 {
		f := (v - lo) / (hi - lo)
		if c.Invert {
			return y0 + (y1-y0)*f
		}
		return y1 - (y1-y0)*f
	}
	clampY := func(v float64) float64 { return math.Max(y0, math.Min(y1, sy(v))) }

	type legendItem struct{ swatch, label string }
	var legend []legendItem
	var b strings.Builder
	body := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	// Threshold bands: at or beyond a threshold in the bad direction.
	band := func(from, to float64, colour, label string) {
		ya, yb := clampY(from), clampY(to)
		body(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x0, math.Min(ya, yb), x1-x0, math.Abs(yb-ya), colour)
		legend = append(legend, legendItem{fmt.Sprintf(`<rect width="14" height="10" y="-9" fill="%s" stroke="#bbb"/>`, colour), label})
	}
	bad := hi
	if !c.LowerIsBetter {
		bad = lo
	}
	if c.Warning != nil {
		end := bad
		if c.Critical != nil {
			end = *c.Critical
		}
		band(*c.Warning, end, bandWarning, "Advarsel / warning "+numDA(*c.Warning)+c.Unit)
	}
	if c.Critical != nil {
		band(*c.Critical, bad, bandCritical, "Kritisk / critical "+numDA(*c.Critical)+c.Unit)
	}

	// Grid and value axis.
	for v := lo; v <= hi+step/1000; v += step {
		y := sy(v)
		body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#e3e3e3"/>`, x0, x1, y, y)
		body(`<text x="%.1f" y="%.1f" text-anchor="end" font-size="11" fill="#444">%s</text>`, x0-6, y+4, esc(numDA(v)))
	}
	body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#888"/>`, x0, x1, y1, y1)
	// Year ticks, at the middle of each year.
	years := to.Year() - from.Year() + 1
	every := max(1, int(math.Ceil(float64(years)/10)))
	for y := from.Year(); y <= to.Year(); y += every {
		mid := time.Date(y, 7, 1, 0, 0, 0, 0, time.UTC)
		if mid.Before(from) || mid.After(to) {
			continue
		}
		x := sx(mid)
		body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#888"/>`, x, x, y1, y1+4)
		body(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11" fill="#444">%d</text>`, x, y1+16, y)
	}

	// Target line and marker.
	if c.Target != nil {
		y := sy(*c.Target)
		body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="8 4"/>`, x0, x1, y, y, colourTarget)
		if !c.TargetAt.IsZero() {
			x := sx(c.TargetAt)
			body(`<path d="M%.1f %.1fl6 -6l6 6l-6 6z" fill="%s"/>`, x-6, y, colourTarget)
		}
		legend = append(legend, legendItem{fmt.Sprintf(`<line x1="0" x2="14" y1="-4" y2="-4" stroke="%s" stroke-width="1.5" stroke-dasharray="4 2"/>`, colourTarget),
			"Mål / target " + c.TargetDA})
	}

	// The pathway from each baseline to the target, dotted.
	for _, pw := range c.Pathways {
		body(`<line class="pathway" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="2 3"><title>%s</title></line>`,
			sx(pw.FromAt), sx(pw.ToAt), sy(pw.From), sy(pw.To), colourTarget, esc("Målsti / pathway: "+numDA(pw.From)+c.Unit+" → "+numDA(pw.To)+c.Unit))
	}
	if len(c.Pathways) > 0 {
		legend = append(legend, legendItem{fmt.Sprintf(`<line x1="0" x2="14" y1="-4" y2="-4" stroke="%s" stroke-width="1.5" stroke-dasharray="2 3"/>`, colourTarget),
			"Målsti fra udgangspunkt til mål / pathway from baseline to target"})
	}

	// The series: intervals, line, points, and the latest value.
	points := 0
	for i, l := range c.Lines {
		colour, dash := palette[i%len(palette)], dashes[(i/len(palette))%len(dashes)]
		var path strings.Builder
		for j, p := range l.Points {
			x, y := sx(p.At), sy(p.Y)
			if p.Lo != nil && p.Hi != nil {
				body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`, x, x, clampY(*p.Lo), clampY(*p.Hi), colour)
			}
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f", cmd, x, y)
		}
		if len(l.Points) > 1 {
			body(`<path d="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`, path.String(), colour, dash)
		}
		for _, p := range l.Points {
			fill := colour
			if p.Hollow {
				fill = "#fff"
			}
			body(`<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s" stroke="%s" stroke-width="1.5"><title>%s: %s</title></circle>`,
				sx(p.At), sy(p.Y), fill, colour, esc(p.Label), esc(numDA(p.Y)+c.Unit))
			points++
		}
		if n := len(l.Points); n > 0 {
			p := l.Points[n-1]
			body(`<text x="%.1f" y="%.1f" font-size="11" fill="%s" text-anchor="end">%s</text>`, math.Min(sx(p.At)+4, x1), sy(p.Y)-7, colour, esc(numDA(p.Y)+c.Unit))
		}
		if l.Label != "" {
			legend = append(legend, legendItem{fmt.Sprintf(`<line x1="0" x2="14" y1="-4" y2="-4" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`, colour, dash), l.Label})
		}
	}
	if points == 0 && c.Empty != "" {
		body(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="13" fill="#555">%s<tspan lang="en" font-style="italic">%s</tspan></text>`, (x0+x1)/2, (y0+y1)/2, esc(c.Empty), esc(c.EmptyEN))
	}

	// The legend under the plot: two columns, or one when labels are long.
	cols := 2
	for _, it := range legend {
		if len([]rune(it.label)) > 44 {
			cols = 1
		}
	}
	ly := y1 + 38
	for i, it := range legend {
		x := x0 + float64(i%cols)*300
		y := ly + float64(i/cols)*17
		label := []rune(it.label)
		if len(label) > 96 {
			label = append(label[:95], '…')
		}
		body(`<g transform="translate(%.1f %.1f)">%s<text x="20" font-size="11" fill="#333">%s</text></g>`, x, y, it.swatch, esc(string(label)))
	}
	height := ly + float64((len(legend)+cols-1)/cols)*17
	return wrapSVG(c.Title, c.TitleEN, height, b.String())
}

// wrapSVG is a chart: its Danish title is its name, the English one its
// description (marked as English).
func wrapSVG(title, titleEN string, height float64, body string) template.HTML {
	desc := ""
	if titleEN != "" {
		desc = `<desc lang="en">` + esc(titleEN) + `</desc>`
	}
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="%d" height="%.0f" viewBox="0 0 %d %.0f" font-family="Helvetica, Arial, sans-serif"><title>%s</title>%s%s</svg>`,
		chartWidth, height, chartWidth, height, esc(title), desc, body))
}

// dotRow is one row of a comparison: a geography's figure and interval.
type dotRow struct {
	Label  string
	Value  *float64
	Lo, Hi *float64
	Colour string
	Strong bool
	Note   string // after the value, e.g. the comparison
}

// dotChart compares figures across geographies: a point with its
// interval per row, and a shaded reference (Denmark's interval).
type dotChart struct {
	Title   string
	TitleEN string
	Unit    string
	Rows    []dotRow
	RefLo   *float64
	RefHi   *float64
	RefNote string
	Min     float64
	Max     float64
}

// SVG draws the chart.
func (c *dotChart) SVG() template.HTML {
	const x0, x1, top, rowH = 170.0, 470.0, 10.0, 24.0
	lo, hi := math.Inf(1), math.Inf(-1)
	see := func(p *float64) {
		if p != nil {
			lo, hi = math.Min(lo, *p), math.Max(hi, *p)
		}
	}
	for _, r := range c.Rows {
		see(r.Value)
		see(r.Lo)
		see(r.Hi)
	}
	see(c.RefLo)
	see(c.RefHi)
	if math.IsInf(lo, 0) {
		lo, hi = c.Min, c.Max
	}
	step := niceStep(hi-lo, 5)
	lo = math.Max(c.Min, math.Floor(lo/step-0.5)*step)
	hi = math.Min(c.Max, math.Ceil(hi/step+0.5)*step)
	if hi <= lo {
		hi = lo + step
	}
	sx := func(v float64) float64 { return x0 + (x1-x0)*(v-lo)/(hi-lo) }
	bottom := top + rowH*float64(len(c.Rows))
	var b strings.Builder
	body := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	if c.RefLo != nil && c.RefHi != nil {
		body(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#e8eef4"/>`, sx(*c.RefLo), top, math.Max(1, sx(*c.RefHi)-sx(*c.RefLo)), bottom-top)
	}
	for v := lo; v <= hi+step/1000; v += step {
		x := sx(v)
		body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#e3e3e3"/>`, x, x, top, bottom)
		body(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11" fill="#444">%s</text>`, x, bottom+15, esc(numDA(v)))
	}
	body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#888"/>`, x0, x1, bottom, bottom)
	for i, r := range c.Rows {
		y := top + rowH*(float64(i)+0.5)
		weight := "normal"
		if r.Strong {
			weight = "bold"
		}
		body(`<text x="%.1f" y="%.1f" text-anchor="end" font-size="12" font-weight="%s" fill="#222">%s</text>`, x0-8, y+4, weight, esc(r.Label))
		if r.Value == nil {
			body(`<text x="%.1f" y="%.1f" font-size="11" fill="#777">intet tal / no figure</text>`, x0+4, y+4)
			continue
		}
		colour := r.Colour
		if colour == "" {
			colour = palette[0]
		}
		if r.Lo != nil && r.Hi != nil {
			body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`, sx(*r.Lo), sx(*r.Hi), y, y, colour)
			for _, v := range []float64{*r.Lo, *r.Hi} {
				body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`, sx(v), sx(v), y-5, y+5, colour)
			}
		}
		body(`<circle cx="%.1f" cy="%.1f" r="5" fill="%s"/>`, sx(*r.Value), y, colour)
		label := numDA(*r.Value) + c.Unit
		if r.Lo != nil && r.Hi != nil {
			label += " (" + numDA(*r.Lo) + "–" + numDA(*r.Hi) + ")"
		}
		if r.Note != "" {
			label += " " + r.Note
		}
		body(`<text x="%.1f" y="%.1f" font-size="11" fill="#333">%s</text>`, x1+8, y+4, esc(label))
	}
	height := bottom + 24
	if c.RefNote != "" {
		body(`<rect x="%.1f" y="%.1f" width="14" height="10" fill="#e8eef4" stroke="#bbb"/><text x="%.1f" y="%.1f" font-size="11" fill="#333">%s</text>`,
			x0, height-6, x0+20, height+3, esc(c.RefNote))
		height += 14
	}
	return wrapSVG(c.Title, c.TitleEN, height, b.String())
}
