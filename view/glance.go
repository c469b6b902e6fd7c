package view

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// Glance is an indicator at a glance, in the manner of Fingertips'
// overview: its latest value and period, the target, the gap to it, the
// direction over the recent years and a small trend line, for the index
// and the goal pages. The status and direction are words as well as
// colours.
type Glance struct {
	ID, NameDA, NameEN string
	Unit               indicators.Unit
	// HasFigures is false for an indicator without figures; the rest is
	// then empty but the status.
	HasFigures bool
	// BreakdownDA/EN name the series shown (the headline: the weakest of
	// Denmark's series), empty for an indicator without breakdowns.
	BreakdownDA, BreakdownEN string
	Latest                   *Value
	TargetDA, TargetEN       string
	// Gap is how far the latest figure is from the target (positive while
	// short of it), in the unit of a difference; nil where the target is
	// a direction only.
	Gap                      *float64
	Direction                string
	DirectionDA, DirectionEN string
	Status                   assess.Status
	StatusDA, StatusEN       string
	ReasonDA, ReasonEN       string
	// Spark is the trend line (inline SVG with its text alternative).
	Spark template.HTML
}

// GlanceOf is in at a glance.
func GlanceOf(in Indicator) Glance {
	g := Glance{ID: in.ID, NameDA: in.NameDA, NameEN: in.NameEN, Unit: in.Unit, Status: in.Status,
		StatusDA: in.StatusDA, StatusEN: in.StatusEN, ReasonDA: in.ReasonDA, ReasonEN: in.ReasonEN,
		TargetDA: in.Target.TextDA, TargetEN: in.Target.TextEN}
	row := headlineRow(in)
	if row == nil {
		return g
	}
	g.HasFigures = true
	g.BreakdownDA, g.BreakdownEN = row.BreakdownDA, row.BreakdownEN
	g.Latest = row.Latest
	g.Gap = row.GapToTarget
	if a := row.Answers; a != nil {
		if a.Standing.Gap != nil && g.Gap == nil {
			g.Gap = round(*a.Standing.Gap)
		}
		g.Direction, g.DirectionDA, g.DirectionEN = a.Direction.State, a.Direction.LabelDA, a.Direction.LabelEN
	}
	if g.Direction == "" {
		g.Direction = assess.DirectionUnknown
		g.DirectionDA, g.DirectionEN = assess.AnswerLabels[assess.DirectionUnknown][0], assess.AnswerLabels[assess.DirectionUnknown][1]
	}
	g.Spark = Sparkline(row.History, in.Unit, in.NameDA)
	return g
}

// headlineRow is the series an indicator is shown by at a glance: the one
// its standing against the target comes from (the weakest of Denmark's
// series, as the goal's verdict reads it), else the first of Denmark's
// series with a figure and the headline's status, else the first with a
// figure; nil without figures.
func headlineRow(in Indicator) *Row {
	var first *Row
	for i := range in.Rows {
		r := &in.Rows[i]
		if r.Latest == nil {
			continue
		}
		if in.Answers != nil && r.Breakdown.Key() == in.Answers.Standing.Series {
			return r
		}
	}
	for i := range in.Rows {
		r := &in.Rows[i]
		if r.Latest == nil {
			continue
		}
		if r.Status == in.Status {
			return r
		}
		if first == nil {
			first = r
		}
	}
	return first
}

// Sparkline draws a series' history as a small line (120 × 28 px), a
// gap where periods are missing between figures, the latest figure
// marked; its title is the text alternative: the first and the latest
// figure with their periods.
func Sparkline(h []Value, unit indicators.Unit, name string) template.HTML {
	if len(h) == 0 {
		return ""
	}
	const w, ht, pad = 120.0, 28.0, 3.0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range h {
		lo, hi = math.Min(lo, v.Value), math.Max(hi, v.Value)
	}
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	x := func(i int) float64 {
		if len(h) == 1 {
			return w / 2
		}
		return pad + float64(i)*(w-2*pad)/float64(len(h)-1)
	}
	y := func(v float64) float64 { return pad + (hi-v)*(ht-2*pad)/(hi-lo) }
	if unit == indicators.UnitRank { // rank 1 at the top, as in the charts
		y = func(v float64) float64 { return pad + (v-lo)*(ht-2*pad)/(hi-lo) }
	}
	var b strings.Builder
	var path, dots strings.Builder
	step := usualStep(h)
	for i, v := range h {
		cmd := "L"
		if i == 0 || (step > 0 && v.Start.Sub(h[i-1].Start) > step*3/2) {
			cmd = "M"
		}
		fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(i), y(v.Value))
		fmt.Fprintf(&dots, `<circle cx="%.1f" cy="%.1f" r="1.2" fill="#1f5f8b"/>`, x(i), y(v.Value))
	}
	first, last := h[0], h[len(h)-1]
	alt := fmt.Sprintf("Udvikling i %s: %s%s i %s, %s%s i %s (%d perioder)", name,
		numDA(first.Value), unit.Suffix(), first.Period, numDA(last.Value), unit.Suffix(), last.Period, len(h))
	if len(h) == 1 {
		alt = fmt.Sprintf("%s: %s%s i %s (én periode)", name, numDA(last.Value), unit.Suffix(), last.Period)
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="spark" role="img" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f"><title>%s</title>`,
		w, ht, w, ht, esc(alt))
	fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="#1f5f8b" stroke-width="1.5"/>%s`, strings.TrimSpace(path.String()), dots.String())
	fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#1f5f8b"/></svg>`, x(len(h)-1), y(last.Value))
	return template.HTML(b.String())
}

// usualStep is the shortest time between the starts of consecutive
// periods: a later figure further than one and a half steps away leaves a
// gap (a survey held every fourth year has no gap between its rounds).
// Zero where the periods have no dates.
func usualStep(h []Value) time.Duration {
	var step time.Duration
	for i := 1; i < len(h); i++ {
		if h[i].Start.IsZero() || h[i-1].Start.IsZero() {
			return 0
		}
		if d := h[i].Start.Sub(h[i-1].Start); d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	return step
}

// GoalGlance is a goal at a glance (the "glance" partial): its verdict and
// its indicators; Label names the table for screen readers, Href gives an
// indicator's address and Reasons shows each status's reason (folded).
type GoalGlance struct {
	Verdict *assess.Verdict
	Glances []Glance
	Label   string
	Href    func(id string) string
	Reasons bool
}

// Headline splits a reason into its first sentence, the one line shown,
// and the rest (folded on the page). A sentence ends at a full stop
// followed by a space and a capital letter ("nr. 4" and "pr. region" do
// not end one).
func Headline(reason string) (first, rest string) {
	r := []rune(reason)
	for i := 0; i+2 < len(r); i++ {
		if r[i] == '.' && r[i+1] == ' ' && unicode.IsUpper(r[i+2]) {
			return string(r[:i+1]), string(r[i+2:])
		}
	}
	return reason, ""
}
