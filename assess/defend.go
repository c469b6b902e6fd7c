package assess

import "github.com/kraeftplan/kpv/indicators"

// The statuses that keep a status from claiming a direction the data do
// not support.
const (
	// NoSignificantChange: the point estimates moved, but the 95 % interval
	// of the change includes zero.
	NoSignificantChange Status = "no_significant_change"
	// SignificanceUnknown: the point estimates moved, but without counts or
	// intervals nobody can say whether the move is more than noise.
	SignificanceUnknown Status = "significance_unknown"
)

// The windows a series is judged over, as Eurostat's SDG monitoring: the
// long term since the baseline and the short term of the last five years.
const (
	WindowSinceBaseline = "since_baseline"
	WindowLastFive      = "last_5_years"
)

// Window is a series' status over one window.
type Window struct {
	Window   string  `json:"window"`
	From     string  `json:"from,omitempty"`
	To       string  `json:"to,omitempty"`
	Status   Status  `json:"status"`
	StatusDA string  `json:"status_da"`
	StatusEN string  `json:"status_en"`
	Change   *Change `json:"change,omitempty"`
	ReasonEN string  `json:"reason_en"`
	ReasonDA string  `json:"reason_da"`
}

// Changes are a series' changes since its baseline and since the previous
// period, each with its interval and significance.
type Changes struct {
	SinceBaseline *Change `json:"since_baseline,omitempty"`
	SincePrevious *Change `json:"since_previous,omitempty"`
}

// claimsDirection are the progress states that say the series moved.
var claimsDirection = map[Status]bool{Deterioration: true, OnTrack: true, NeedsAcceleration: true}

// Defend keeps a progress status from claiming a direction the change does
// not support: with the interval of the change including zero it becomes
// no significant change, without counts or intervals significance unknown;
// the reason leads with why, in numbers. Complete counts (exact) and a
// significant change keep the status. It returns the status the point
// estimates alone gave.
func Defend(p *Progress, c *Change) (pointStatus Status) {
	pointStatus = p.Status
	if c == nil || !claimsDirection[p.Status] {
		return pointStatus
	}
	switch c.Significance {
	case SigNone:
		p.Status = NoSignificantChange
	case SigUnknown:
		p.Status = SignificanceUnknown
	default:
		return pointStatus
	}
	p.ReasonEN = c.ReasonEN + " (by the point estimates alone: " + StatusLabels[pointStatus][1] + "; " + p.ReasonEN + ")"
	p.ReasonDA = c.ReasonDA + " (alene efter punktestimaterne: " + StatusLabels[pointStatus][0] + "; " + p.ReasonDA + ")"
	return pointStatus
}

// baselineFigure is the series' figure for its baseline, with its interval
// where the series has a figure for the baseline period, else the
// catalogue's value without one.
func baselineFigure(sr *Series) *Figure {
	if sr.Baseline == nil {
		return nil
	}
	for i := range sr.history {
		if sr.history[i].Period == sr.Baseline.Period && sr.history[i].Value == sr.Baseline.Value {
			return &sr.history[i]
		}
	}
	return &Figure{Point: sr.Baseline.Point}
}

// defendSeries adds the changes, trend, projection and both windows to a
// Danish or regional series whose progress has been assessed, and keeps its
// status from claiming a direction the data do not support. Derived series
// (ranks, gaps) are left as they are: their ranking already weighs
// intervals.
func defendSeries(def *indicators.Indicator, sr *Series) {
	if def.Derived != nil || sr.Progress == nil || sr.Latest == nil {
		return
	}
	seg, br := segment(def, sr)
	if br != nil && len(seg) < len(sr.history) {
		sr.Break = br
	}
	// A figure is comparable with the latest unless it comes before the
	// series' latest break (a catalogue baseline before the first figure
	// is comparable when there is no break).
	inSeg := func(f *Figure) bool { return br == nil || len(seg) > 0 && !f.End.Before(seg[0].End) }
	base := baselineFigure(sr)
	ch := &Changes{}
	if base != nil && sr.Latest.End.After(base.End) && inSeg(base) {
		ch.SinceBaseline = AssessChange(*base, *sr.Latest, def.Unit, def.Polarity)
	}
	if sr.Previous != nil && inSeg(sr.Previous) {
		ch.SincePrevious = AssessChange(*sr.Previous, *sr.Latest, def.Unit, def.Polarity)
	}
	if ch.SinceBaseline != nil || ch.SincePrevious != nil {
		sr.Changes = ch
	}
	if ps := Defend(sr.Progress, ch.SinceBaseline); ps != sr.Progress.Status {
		sr.PointStatus = ps
	}
	sr.Trend = FitTrend(seg, def.Polarity)
	sr.Projection, sr.ProjectionNone = ProjectSeries(seg, sr.Baseline, def.Unit, def.Target, def.Polarity)
	long := Window{Window: WindowSinceBaseline, Status: sr.Progress.Status, Change: ch.SinceBaseline,
		ReasonEN: sr.Progress.ReasonEN, ReasonDA: sr.Progress.ReasonDA}
	if base != nil {
		long.From, long.To = base.Period, sr.Latest.Period
	}
	sr.Windows = []Window{labelled(long), labelled(lastFive(def, sr, seg))}
}

// lastFive is the short-term window: from the earliest figure within five
// years before the latest to the latest.
func lastFive(def *indicators.Indicator, sr *Series, seg []Figure) Window {
	w := Window{Window: WindowLastFive, To: sr.Latest.Period}
	since := sr.Latest.End.AddDate(-5, 0, 0)
	var start *Figure
	for i := range seg {
		f := &seg[i]
		if !f.End.Before(since) && f.End.Before(sr.Latest.End) {
			start = f
			break
		}
	}
	if start == nil {
		w.Status = NotAssessable
		w.ReasonEN = "no earlier figure within the five years before " + sr.Latest.Period
		w.ReasonDA = "intet tidligere tal inden for de fem år før " + sr.Latest.Period
		return w
	}
	w.From = start.Period
	p := AssessProgress(ProgressInput{Polarity: def.Polarity, Target: def.Target, Baseline: &start.Point, Latest: &sr.Latest.Point})
	w.Change = AssessChange(*start, *sr.Latest, def.Unit, def.Polarity)
	Defend(&p, w.Change)
	w.Status, w.ReasonEN, w.ReasonDA = p.Status, p.ReasonEN, p.ReasonDA
	return w
}

func labelled(w Window) Window {
	w.StatusDA, w.StatusEN = StatusLabels[w.Status][0], StatusLabels[w.Status][1]
	return w
}

// pointStatus is the status by the point estimates alone: among equal
// statuses, the headline goes to the series whose figures look worst.
func (sr *Series) pointStatus() Status {
	if sr.PointStatus != "" {
		return sr.PointStatus
	}
	return sr.Progress.Status
}
