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
// units with a viewBox, so a chart scales to the page width (and on a
// phone each small panel takes the screen's width, its text readable).
//
// Denmark is drawn the same way everywhere: a thick dark-blue line with
// filled round markers, and in comparisons a bold "Danmark" label beside a
// larger filled marker; other countries are hollow grey markers. Red never
// means Denmark. A key in words says what each mark is, and lists only
// what is drawn.

// panelWidth and panelHeight are the size of one small multiple.
const panelWidth, panelHeight = 340.0, 210.0

const (
	bandWarning   = "#fbeecb"
	bandCritical  = "#f6d3d0"
	colourTarget  = "#2e7d4f"
	colourDenmark = "#1f5f8b"
	colourOther   = "#5d6d7e"
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
	Label   string // Danish
	LabelEN string
	Points  []chartPoint
	// Pathway is the straight line from the series' baseline to the
	// target value in the target year (assess.Projection); nil: none.
	Pathway *pathway
}

// lineChart is an indicator's history against its target and threshold
// bands: one small panel per series, all on the same axes.
type lineChart struct {
	Title    string
	TitleEN  string
	Unit     string // suffix for values, e.g. " %"
	Lines    []chartLine
	Target   *float64
	TargetAt time.Time // where the target marker sits; zero: none
	TargetDA string
	TargetEN string
	Warning  *float64
	Critical *float64
	// LowerIsBetter puts the bands above the thresholds.
	LowerIsBetter bool
	// Invert draws small values on top (ranks: 1 is best); Compared is
	// then how many were ranked, the axis running from 1 to it.
	Invert     bool
	Compared   int
	YMin, YMax float64 // the unit's range
	From, To   time.Time
	Empty      string // shown when there are no points
	EmptyEN    string // its English, beside it
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
// threshold, padded and rounded to steps, within the unit's range. A
// rank axis runs from 1 to the number compared (whole places), whatever
// the ranks drawn.
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
	if c.Invert { // ranks: whole places, 1 at the top
		n := float64(c.Compared)
		if n < 2 {
			n = math.Max(2, math.Ceil(hi))
		}
		return 1, n, 1
	}
	if math.IsInf(lo, 0) {
		lo, hi = c.YMin, math.Min(c.YMax, c.YMin+100)
	}
	pad := (hi - lo) * 0.15
	if pad == 0 {
		pad = math.Max(1, math.Abs(hi)*0.1)
	}
	step = niceStep(hi-lo+2*pad, 4)
	lo = math.Max(c.YMin, math.Floor((lo-pad)/step)*step)
	hi = math.Min(c.YMax, math.Ceil((hi+pad)/step)*step)
	if hi <= lo {
		hi = lo + step
	}
	return lo, hi, step
}

// yearStep is a round number of years between year ticks, at most n
// ticks over the span.
func yearStep(years, n int) int {
	for _, s := range []int{1, 2, 5, 10, 20, 25, 50, 100} {
		if years/s < n {
			return s
		}
	}
	return 100
}

// gapAfter reports, for each point but the last, whether a period is
// missing before the next one: the next starts further than one and a half
// of the usual steps away (as in the sparklines).
func gapAfter(ps []chartPoint) []bool {
	out := make([]bool, len(ps))
	var step time.Duration
	for i := 1; i < len(ps); i++ {
		if d := ps[i].At.Sub(ps[i-1].At); d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	for i := 0; i+1 < len(ps); i++ {
		out[i] = step > 0 && ps[i+1].At.Sub(ps[i].At) > step*3/2
	}
	return out
}

// SVG draws the chart: its panels, then the key and a line on the axes.
func (c *lineChart) SVG() template.HTML {
	lo, hi, step := c.yRange()
	var points, intervals, hollow int
	for _, l := range c.Lines {
		for _, p := range l.Points {
			points++
			if p.Lo != nil && p.Hi != nil {
				intervals++
			}
			if p.Hollow {
				hollow++
			}
		}
	}
	var out strings.Builder
	if points == 0 {
		// Narrow, so its words read on a phone: Danish, the English under it.
		body := fmt.Sprintf(`<rect x="0.5" y="0.5" width="359" height="69" fill="#fafafa" stroke="#ddd"/><text x="180" y="30" text-anchor="middle" font-size="14" fill="#444">%s</text><text x="180" y="50" text-anchor="middle" font-size="13" fill="#555" lang="en" font-style="italic">%s</text>`,
			esc(c.Empty), esc(strings.TrimPrefix(c.EmptyEN, " / ")))
		return wrapSVG(c.Title, c.TitleEN, 360, 70, body)
	}
	single := len(c.Lines) == 1
	w, h := panelWidth, panelHeight
	if single {
		w, h = 480, 250
	}
	if single {
		out.WriteString(`<div class="multiples one">`)
	} else {
		out.WriteString(`<div class="multiples">`)
	}
	// A long series name wraps; every panel keeps the same plot height.
	perLine := int((w - 50) / 7.6)
	titleLines := 1
	for _, l := range c.Lines {
		titleLines = max(titleLines, len(wrapWords(l.Label, perLine)))
	}
	for i := range c.Lines {
		out.WriteString(string(c.panel(&c.Lines[i], w, h+16*float64(titleLines-1), 30+16*float64(titleLines-1), perLine, lo, hi, step)))
	}
	out.WriteString(`</div>`)

	// The key: only what is drawn.
	var key []string
	item := func(class, da, en string) { key = append(key, keyItem(class, da, en)) }
	item("sw-dk-line", "Danmark", "Denmark")
	if intervals > 0 {
		item("sw-ci-bar", "95 %-interval", "95% interval")
	}
	if hollow > 0 {
		item("sw-baseline", "Udgangspunkt fra kataloget", "baseline from the catalogue")
	}
	if c.Target != nil {
		item("sw-target", "Mål: "+c.TargetDA, "target: "+c.TargetEN)
	}
	for _, l := range c.Lines {
		if l.Pathway != nil {
			item("sw-pathway", "Målsti fra udgangspunkt til mål", "pathway from baseline to target")
			break
		}
	}
	if c.Warning != nil {
		item("sw-warning", "Advarsel: "+numDA(*c.Warning)+c.Unit, "warning threshold")
	}
	if c.Critical != nil {
		item("sw-critical", "Kritisk: "+numDA(*c.Critical)+c.Unit, "critical threshold")
	}
	out.WriteString(`<ul class="chart-key">` + strings.Join(key, "") + `</ul>`)
	var axis string
	if c.Invert {
		axis = fmt.Sprintf("Placeringsaksen går fra 1 (bedst, øverst) til %d (antal lande sammenlignet).", int(hi))
		axis += ` <span class="en" lang="en">` + fmt.Sprintf("The rank axis runs from 1 (best, at the top) to %d (the countries compared).", int(hi)) + `</span>`
	} else {
		axis = fmt.Sprintf("Værdiaksen går fra %s til %s%s", numDA(lo), numDA(hi), c.Unit)
		axisEN := fmt.Sprintf("The value axis runs from %s to %s%s", numEN(lo), numEN(hi), c.Unit)
		if lo != 0 {
			axis += ", ikke fra 0"
			axisEN += ", not from 0"
		}
		if !single {
			axis += "; alle felter har samme akser"
			axisEN += "; every panel has the same axes"
		}
		axis = esc(axis+".") + ` <span class="en" lang="en">` + esc(axisEN+".") + `</span>`
	}
	out.WriteString(`<p class="chart-axis">` + axis + `</p>`)
	return template.HTML(out.String())
}

func numEN(v float64) string {
	return strings.Replace(strings.Replace(numDA(v), ",", ".", 1), "−", "-", 1)
}

// panel draws one series in a w × h box on the chart's axes.
func (c *lineChart) panel(l *chartLine, w, h, top float64, perLine int, lo, hi, step float64) template.HTML {
	x0, x1, y0, y1 := 46.0, w-14, top, h-26
	from, to := c.From, c.To
	span := to.Sub(from).Hours()
	if span <= 0 {
		span = 1
	}
	sx := func(t time.Time) float64 { return x0 + (x1-x0)*t.Sub(from).Hours()/span }
	plo, phi := lo, hi
	if c.Invert { // half a place above the first and below the last
		plo, phi = lo-0.5, hi+0.5
	}
	sy := func(v float64) float64 {
		f := (v - plo) / (phi - plo)
		if c.Invert {
			return y0 + (y1-y0)*f
		}
		return y1 - (y1-y0)*f
	}
	clampY := func(v float64) float64 { return math.Max(y0, math.Min(y1, sy(v))) }
	var b strings.Builder
	body := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	label := l.Label
	if label == "" {
		label = "Danmark"
	}
	for i, line := range wrapWords(label, perLine) {
		body(`<text x="%.1f" y="%d" font-size="13" font-weight="bold" fill="#222">%s</text>`, x0, 16+16*i, esc(line))
	}

	// Threshold bands: at or beyond a threshold in the bad direction.
	band := func(a, z float64, colour string) {
		ya, yb := clampY(a), clampY(z)
		body(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x0, math.Min(ya, yb), x1-x0, math.Abs(yb-ya), colour)
	}
	bad := phi
	if !c.LowerIsBetter {
		bad = plo
	}
	if c.Warning != nil {
		end := bad
		if c.Critical != nil {
			end = *c.Critical
		}
		band(*c.Warning, end, bandWarning)
	}
	if c.Critical != nil {
		band(*c.Critical, bad, bandCritical)
	}

	// Grid and value axis.
	for v := lo; v <= hi+step/1000; v += step {
		y := sy(v)
		body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#e3e3e3"/>`, x0, x1, y, y)
		body(`<text x="%.1f" y="%.1f" text-anchor="end" font-size="12" fill="#444">%s</text>`, x0-6, y+4, esc(numDA(v)))
	}
	body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#888"/>`, x0, x1, y1, y1)
	// Year ticks, at the middle of each year.
	years := to.Year() - from.Year() + 1
	every := yearStep(years, int(w/70))
	for y := (from.Year() + every - 1) / every * every; y <= to.Year(); y += every {
		mid := time.Date(y, 7, 1, 0, 0, 0, 0, time.UTC)
		if mid.Before(from) || mid.After(to) {
			continue
		}
		x := sx(mid)
		body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#888"/>`, x, x, y1, y1+4)
		body(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12" fill="#444">%d</text>`, x, y1+17, y)
	}

	// Target line and the target year's marker.
	if c.Target != nil {
		y := sy(*c.Target)
		body(`<line class="target" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="8 4"/>`, x0, x1, y, y, colourTarget)
		if !c.TargetAt.IsZero() {
			x := sx(c.TargetAt)
			body(`<path d="M%.1f %.1fl5 -9h-10z" fill="%s"><title>%s</title></path>`, x, y-1, colourTarget, esc("Mål: "+c.TargetDA))
		}
	}
	if pw := l.Pathway; pw != nil {
		body(`<line class="pathway" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="2 3"><title>%s</title></line>`,
			sx(pw.FromAt), sx(pw.ToAt), sy(pw.From), sy(pw.To), colourTarget, esc("Målsti: "+numDA(pw.From)+c.Unit+" → "+numDA(pw.To)+c.Unit))
	}

	// The series: intervals, line (broken where periods are missing),
	// points, and the latest value.
	var line []chartPoint
	for _, p := range l.Points {
		if !p.Hollow {
			line = append(line, p)
		}
	}
	for _, p := range line {
		if p.Lo != nil && p.Hi != nil {
			x := sx(p.At)
			body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"/>`, x, x, clampY(*p.Lo), clampY(*p.Hi), colourDenmark)
		}
	}
	gap := gapAfter(line)
	var path strings.Builder
	for j, p := range line {
		cmd := "L"
		if j == 0 || gap[j-1] {
			cmd = "M"
		}
		fmt.Fprintf(&path, "%s%.1f %.1f", cmd, sx(p.At), sy(p.Y))
	}
	if len(line) > 1 {
		body(`<path class="denmark" d="%s" fill="none" stroke="%s" stroke-width="3" stroke-linejoin="round"/>`, path.String(), colourDenmark)
	}
	for _, p := range l.Points {
		fill := colourDenmark
		if p.Hollow {
			fill = "#fff"
		}
		body(`<circle cx="%.1f" cy="%.1f" r="4" fill="%s" stroke="%s" stroke-width="1.5"><title>%s: %s</title></circle>`,
			sx(p.At), sy(p.Y), fill, colourDenmark, esc(p.Label), esc(numDA(p.Y)+c.Unit))
	}
	if n := len(line); n > 0 {
		p := line[n-1]
		x, y := sx(p.At), sy(p.Y)-9
		if y < y0+4 {
			y = sy(p.Y) + 18
		}
		anchor := "middle"
		if x > x1-30 {
			anchor = "end"
		} else if x < x0+30 {
			anchor = "start"
		}
		body(`<text x="%.1f" y="%.1f" font-size="12" font-weight="bold" fill="%s" text-anchor="%s" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text>`,
			x, y, colourDenmark, anchor, esc(numDA(p.Y)+c.Unit))
	}
	title := c.Title
	if l.Label != "" {
		title += ": " + l.Label
	}
	titleEN := c.TitleEN
	if l.LabelEN != "" {
		titleEN += ": " + l.LabelEN
	}
	return wrapSVG(title, titleEN, w, h, b.String())
}

// wrapSVG is a chart of width × height: its Danish title is its name, the
// English one its description (marked as English).
func wrapSVG(title, titleEN string, width, height float64, body string) template.HTML {
	desc := ""
	if titleEN != "" {
		desc = `<desc lang="en">` + esc(titleEN) + `</desc>`
	}
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="Helvetica, Arial, sans-serif"><title>%s</title>%s%s</svg>`,
		width, height, width, height, esc(title), desc, body))
}

// dotRow is one row of a comparison: a geography's figure and interval.
type dotRow struct {
	Label  string
	Value  *float64
	Lo, Hi *float64
	// Denmark is drawn as Denmark is everywhere: a bold label and a larger
	// filled dark-blue marker.
	Denmark bool
	// Colour is another row's marker (a region's comparison); "" draws a
	// hollow grey marker.
	Colour string
	Note   string // after the value, e.g. the comparison in words
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
	RefEN   string
	Min     float64
	Max     float64
	// Key lists what the colours of other rows mean: [Danish, English,
	// the key's swatch class].
	Key [][3]string
}

// dotWidth is a comparison's width: narrow enough that on a phone its
// text stays readable.
const dotWidth = 440.0

// SVG draws the chart, its key and a line on its axis. Each row has its
// label and figure on one line and its marker and interval on the line
// under them, on an axis as wide as the chart.
func (c *dotChart) SVG() template.HTML {
	const x0, x1, top, rowH = 12.0, dotWidth - 12, 4.0, 40.0
	lo, hi := math.Inf(1), math.Inf(-1)
	see := func(p *float64) {
		if p != nil {
			lo, hi = math.Min(lo, *p), math.Max(hi, *p)
		}
	}
	intervals := false
	for _, r := range c.Rows {
		see(r.Value)
		see(r.Lo)
		see(r.Hi)
		if r.Value != nil && r.Lo != nil && r.Hi != nil {
			intervals = true
		}
	}
	see(c.RefLo)
	see(c.RefHi)
	if math.IsInf(lo, 0) {
		lo, hi = c.Min, c.Max
	}
	step := niceStep(hi-lo, 4)
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
		body(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#dde7f0"/>`, sx(*c.RefLo), top, math.Max(1, sx(*c.RefHi)-sx(*c.RefLo)), bottom-top)
	}
	for v := lo; v <= hi+step/1000; v += step {
		x := sx(v)
		body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#e3e3e3"/>`, x, x, top, bottom)
		body(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12" fill="#444">%s</text>`, x, bottom+16, esc(numDA(v)))
	}
	body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#888"/>`, x0, x1, bottom, bottom)
	for i, r := range c.Rows {
		ty := top + rowH*float64(i) + 15 // the text line
		y := ty + 13                     // the marker line
		weight := "normal"
		if r.Denmark {
			weight = "bold"
		}
		body(`<text x="%.1f" y="%.1f" font-size="13" font-weight="%s" fill="#222">%s</text>`, x0, ty, weight, esc(r.Label))
		if r.Value == nil {
			body(`<text x="%.1f" y="%.1f" text-anchor="end" font-size="12" fill="#555">intet tal</text>`, x1, ty)
			continue
		}
		colour, fill, radius, width := r.Colour, r.Colour, 5.0, 2.0
		switch {
		case r.Denmark:
			colour, fill, radius, width = colourDenmark, colourDenmark, 7, 3
		case colour == "":
			colour, fill = colourOther, "#fff"
		}
		if r.Lo != nil && r.Hi != nil {
			body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="%.0f"/>`, sx(*r.Lo), sx(*r.Hi), y, y, colour, width)
			for _, v := range []float64{*r.Lo, *r.Hi} {
				body(`<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`, sx(v), sx(v), y-5, y+5, colour)
			}
		}
		cls := ""
		if r.Denmark {
			cls = ` class="denmark"`
		}
		body(`<circle%s cx="%.1f" cy="%.1f" r="%.0f" fill="%s" stroke="%s" stroke-width="2"/>`, cls, sx(*r.Value), y, radius, fill, colour)
		label := numDA(*r.Value) + c.Unit
		if r.Lo != nil && r.Hi != nil {
			label += " (" + numDA(*r.Lo) + "–" + numDA(*r.Hi) + ")"
		}
		if r.Note != "" {
			label += " " + r.Note
		}
		body(`<text x="%.1f" y="%.1f" text-anchor="end" font-size="12" font-weight="%s" fill="#333">%s</text>`, x1, ty, weight, esc(label))
	}
	height := bottom + 24
	var out strings.Builder
	out.WriteString(string(wrapSVG(c.Title, c.TitleEN, dotWidth, height, b.String())))

	var key []string
	item := func(class, da, en string) { key = append(key, keyItem(class, da, en)) }
	item("sw-dk", "Danmark", "Denmark")
	for _, k := range c.Key {
		item(k[2], k[0], k[1])
	}
	if len(c.Key) == 0 && len(c.Rows) > 1 {
		item("sw-other", "De andre lande", "the other countries")
	}
	if intervals {
		item("sw-ci", "95 %-interval", "95% interval")
	}
	if c.RefLo != nil && c.RefHi != nil {
		item("sw-ref", c.RefNote, c.RefEN)
	}
	out.WriteString(`<ul class="chart-key">` + strings.Join(key, "") + `</ul>`)
	axis := fmt.Sprintf("Aksen går fra %s til %s%s", numDA(lo), numDA(hi), c.Unit)
	axisEN := fmt.Sprintf("The axis runs from %s to %s%s", numEN(lo), numEN(hi), c.Unit)
	if lo != 0 {
		axis += ", ikke fra 0"
		axisEN += ", not from 0"
	}
	out.WriteString(`<p class="chart-axis">` + esc(axis+".") + ` <span class="en" lang="en">` + esc(axisEN+".") + `</span></p>`)
	return template.HTML(out.String())
}

// wrapWords breaks s into lines of at most n characters at spaces (a
// longer word keeps its own line).
func wrapWords(s string, n int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= n:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}

// keyItem is one entry of a chart's key: a swatch drawn by the style
// sheet (class sw-…; not an image, so a chart is the only SVG it holds)
// and its words, Danish with the English beside them.
func keyItem(class, da, en string) string {
	return `<li><span class="sw ` + class + `" aria-hidden="true"></span>` + esc(da) + ` <span class="en" lang="en">(` + esc(en) + `)</span></li>`
}
