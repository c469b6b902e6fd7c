package indicators

import "fmt"

// SeriesBreak is a change in how a series is measured (a reworded
// question, a new method such as LUP's continuous measurement from 2022):
// figures before Period and from Period on are not compared, so no change
// or trend is computed across it. Breakdown, if given, limits the break to
// the series with those values.
type SeriesBreak struct {
	// Period is the first period measured the new way.
	Period    string    `yaml:"period" json:"period"`
	Breakdown Breakdown `yaml:"breakdown,omitempty" json:"breakdown,omitempty"`
	ReasonDA  string    `yaml:"reason_da" json:"reason_da"`
	ReasonEN  string    `yaml:"reason_en" json:"reason_en"`
	Citation  Citation  `yaml:"citation" json:"citation"`
}

// SurveyWave is a survey round's total number of respondents, as the
// publisher gives it, where the base of each item (how many answered it)
// is not published: it bounds what a change between rounds can show.
type SurveyWave struct {
	Period      string   `yaml:"period" json:"period"`
	Respondents int      `yaml:"respondents" json:"respondents"`
	Citation    Citation `yaml:"citation" json:"citation"`
}

// Wave is the survey round of a period, if the source lists it.
func (s *Source) Wave(period string) (SurveyWave, bool) {
	for _, w := range s.SurveyWaves {
		if w.Period == period {
			return w, true
		}
	}
	return SurveyWave{}, false
}

func (v *validator) breaksOf(in Indicator) {
	for _, b := range in.Breaks {
		if _, err := ParsePeriod(b.Period); err != nil {
			v.problemf(in.Line, "indicator %s: break: %v", in.ID, err)
		}
		if b.ReasonDA == "" || b.ReasonEN == "" {
			v.problemf(in.Line, "indicator %s: break %s needs reason_da and reason_en", in.ID, b.Period)
		}
		if b.Citation.Title == "" && b.Citation.URL == "" {
			v.problemf(in.Line, "indicator %s: break %s needs a citation", in.ID, b.Period)
		}
	}
}

func (v *validator) wavesOf(s Source) {
	for _, w := range s.SurveyWaves {
		if _, err := ParsePeriod(w.Period); err != nil {
			v.problemf(s.Line, "source %s: survey wave: %v", s.ID, err)
		}
		if w.Respondents <= 0 {
			v.problemf(s.Line, "source %s: survey wave %s: respondents must be positive", s.ID, w.Period)
		}
		if w.Citation.Title == "" && w.Citation.URL == "" {
			v.problemf(s.Line, "source %s: survey wave %s needs a citation", s.ID, w.Period)
		}
	}
}

// BreakBefore is the latest break of a series (by its breakdown) at or
// before the period ending at the given label, if any.
func (in *Indicator) BreakBefore(b Breakdown, period string) (*SeriesBreak, error) {
	p, err := ParsePeriod(period)
	if err != nil {
		return nil, fmt.Errorf("break: %w", err)
	}
	var out *SeriesBreak
	var outStart Period
	for i := range in.Breaks {
		br := &in.Breaks[i]
		if !br.Breakdown.Within(b) {
			continue
		}
		bp, err := ParsePeriod(br.Period)
		if err != nil || bp.Start.After(p.Start) {
			continue
		}
		if out == nil || bp.Start.After(outStart.Start) {
			out, outStart = br, bp
		}
	}
	return out, nil
}

// Within reports whether every pair of b is also in other (an empty b is
// within every breakdown).
func (b Breakdown) Within(other Breakdown) bool {
	for k, v := range b {
		if other[k] != v {
			return false
		}
	}
	return true
}
