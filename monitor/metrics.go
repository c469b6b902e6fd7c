package monitor

import (
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// descs are the assessment's metric descriptors. Series metrics carry the
// indicator, its goal and owner (for alert routing), the geography and one
// label per breakdown dimension of the catalogue (empty where a series has
// no such breakdown). No label holds a year or another unbounded value:
// the period a value belongs to is in the API, and its end is exposed as a
// timestamp value.
type descs struct {
	dims []string
	all  []*prometheus.Desc

	indicatorInfo, goalInfo                            *prometheus.Desc
	value, ciLower, ciUpper, baseline, progress, ratio *prometheus.Desc
	comparison                                         *prometheus.Desc
	target, targetYear, threshold, status, freshness   *prometheus.Desc
	reporting                                          *prometheus.Desc
	latestPeriodEnd, nextDue                           *prometheus.Desc
	goalIndicators                                     *prometheus.Desc
	nordicRank, nordicCompared, nordicTie, nordicGap   *prometheus.Desc
	sourceLastSuccess, figures                         *prometheus.Desc
	// defend.go, projection.go, trend.go, verdict.go in assess.
	significance, change, trendAPC, trendLower, trendUpper *prometheus.Desc
	projected, pathway, reachedYear, shortTerm, verdict    *prometheus.Desc
	// answers.go in assess: two of a series' three answers (the third,
	// since the baseline, is progress).
	standing, direction *prometheus.Desc
}

var (
	indicatorLabels = []string{"indicator", "goal", "owner"}
	nordicLabels    = []string{"indicator", "cancer_site", "sex"}
)

func newDescs(cat *indicators.Catalogue) *descs {
	d := &descs{}
	for _, dim := range cat.Dimensions {
		d.dims = append(d.dims, dim.ID)
	}
	slices.Sort(d.dims)
	series := append(append(slices.Clone(indicatorLabels), "geography"), d.dims...)
	with := func(base []string, extra ...string) []string { return append(slices.Clone(base), extra...) }
	nd := func(name, help string, labels []string) *prometheus.Desc {
		desc := prometheus.NewDesc(name, help, labels, nil)
		d.all = append(d.all, desc)
		return desc
	}
	d.indicatorInfo = nd("kpv_indicator_info", "The catalogue's indicators: Danish and English names, unit, polarity, source and kind of target. Always 1.",
		with(indicatorLabels, "name_da", "name_en", "unit", "polarity", "source", "target_kind"))
	d.goalInfo = nd("kpv_goal_info", "The plan's goals with their Danish and English names. Always 1.", []string{"goal", "name_da", "name_en"})
	d.value = nd("kpv_indicator_value", "Latest published value of an indicator, per geography and breakdown, in the indicator's unit (see kpv_indicator_info).", series)
	d.ciLower = nd("kpv_indicator_ci_lower", "Lower bound of the latest value's 95% confidence interval: published, or Wilson from numerator and denominator.", series)
	d.ciUpper = nd("kpv_indicator_ci_upper", "Upper bound of the latest value's 95% confidence interval: published, or Wilson from numerator and denominator.", series)
	d.baseline = nd("kpv_indicator_baseline", "Baseline value of a series, from the catalogue or the series' baseline period.", series)
	d.progress = nd("kpv_indicator_progress_status", "Progress of a Danish or regional series from baseline towards target, as a state set: 1 for the current state.", with(series, "status"))
	d.ratio = nd("kpv_indicator_progress_ratio", "Annual growth achieved since the baseline as a share of the growth needed to reach the target value (1 = exactly on pace).", series)
	d.comparison = nd("kpv_indicator_regional_comparison", "A region's latest figure against Denmark's by overlap of 95% intervals, polarity-aware, as a state set.", with(series, "state"))
	d.target = nd("kpv_indicator_target", "Target value or rank of an indicator (absent where the plan sets only a direction).", indicatorLabels)
	d.targetYear = nd("kpv_indicator_target_year", "Year by which the target is to be met.", indicatorLabels)
	d.threshold = nd("kpv_indicator_threshold", "Alert threshold of an indicator: a value at or beyond it, in the bad direction, breaches it.", with(indicatorLabels, "level", "polarity"))
	d.status = nd("kpv_indicator_status", "Headline progress of an indicator (the weakest of Denmark's series), as a state set.", with(indicatorLabels, "status"))
	d.freshness = nd("kpv_indicator_freshness", "Whether an indicator's data are as recent as its source's release cadence promises, as a state set.", with(indicatorLabels, "state"))
	d.reporting = nd("kpv_indicator_reporting_status", "For an indicator without figures: 1, with the source expected to carry them and how they get in (channel: fetched, file, submission, derived); the API's reporting_status says who owes them and how to submit. Absent once the indicator has figures.", with(indicatorLabels, "source", "channel"))
	d.latestPeriodEnd = nd("kpv_indicator_latest_period_end_timestamp_seconds", "Last day of the latest period an indicator has figures for, as a Unix time.", indicatorLabels)
	d.nextDue = nd("kpv_indicator_next_release_due_timestamp_seconds", "When the next period's figures are due by the source's release cadence, as a Unix time.", indicatorLabels)
	d.goalIndicators = nd("kpv_goal_indicators", "Number of a goal's indicators in each headline progress state.", []string{"goal", "status"})
	d.nordicRank = nd("kpv_nordic_rank", "Denmark's rank among the Nordic countries (1 = best) in the latest period, per cancer entity and sex.", nordicLabels)
	d.nordicCompared = nd("kpv_nordic_countries_compared", "Number of Nordic countries with a figure in the ranking.", nordicLabels)
	d.nordicTie = nd("kpv_nordic_tie_with_leader", "1 when Denmark trails the leader but their 95% intervals overlap (a statistical tie), 0 when they do not; absent when Denmark leads or an interval is unknown.", nordicLabels)
	d.nordicGap = nd("kpv_nordic_gap_to_leader", "The leading Nordic country's value minus Denmark's, in points of the indicator's unit (0 when Denmark leads).", nordicLabels)
	d.sourceLastSuccess = nd("kpv_source_last_success_timestamp_seconds", "When a run of the source last ended in success or unchanged, as a Unix time (from the run log).", []string{"source"})
	d.figures = nd("kpv_assessment_figures", "Number of current figures (latest revisions) the assessment was built from.", nil)
	d.significance = nd("kpv_indicator_change_significance", "Whether the change since the baseline is significant at 95% (better, worse, no_significant_change), unknown for want of counts or intervals, or exact (complete counts), as a state set.", with(series, "significance"))
	d.change = nd("kpv_indicator_change_since_baseline", "Latest value minus the baseline, in the indicator's unit.", series)
	d.trendAPC = nd("kpv_indicator_trend_apc", "Annual percent change over three or more periods (slope of ln(value) on years), per cent a year.", series)
	d.trendLower = nd("kpv_indicator_trend_apc_ci_lower", "Lower bound of the annual percent change's 95% interval.", series)
	d.trendUpper = nd("kpv_indicator_trend_apc_ci_upper", "Upper bound of the annual percent change's 95% interval.", series)
	d.projected = nd("kpv_indicator_projected_value", "Value expected at the end of the target year at the current pace.", series)
	d.pathway = nd("kpv_indicator_pathway_value", "Where the series should be at its latest period on a straight line from its baseline to the target value.", series)
	d.reachedYear = nd("kpv_indicator_target_reached_year", "Year the target value would be reached at the current pace (absent when it would not be).", series)
	d.shortTerm = nd("kpv_indicator_short_term_status", "Status over the last five years (Eurostat's short-term window), as a state set; the long-term window is kpv_indicator_progress_status.", with(series, "status"))
	d.standing = nd("kpv_indicator_standing", "A Danish or regional series' standing against its target in the latest period alone (met, not_met, or no_level where the target is a direction only), as a state set; the API's answers give the gap and whether it is beyond the statistical uncertainty.", with(series, "state"))
	d.direction = nd("kpv_indicator_direction", "A Danish or regional series' direction over the last five years of periods (improving or worsening significantly, no_significant_change, or unknown for want of counts, intervals or periods), as a state set.", with(series, "state"))
	d.verdict = nd("kpv_goal_verdict", "A goal's verdict by the catalogue's rule, as a state set.", []string{"goal", "state"})
	return d
}

// globalMetrics are the metrics of no one indicator: goals, Nordic ranks,
// sources and the count of figures.
func (d *descs) globalMetrics(cat *indicators.Catalogue, s *assess.Snapshot) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, 64)
	add := func(desc *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...))
	}
	flag := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, g := range cat.Goals {
		add(d.goalInfo, 1, strconv.Itoa(g.ID), g.NameDA, g.NameEN)
	}
	for _, g := range s.Goals {
		for _, st := range assess.Statuses {
			add(d.goalIndicators, float64(g.Status[st]), strconv.Itoa(g.Goal), string(st))
		}
		if v := g.Verdict; v != nil {
			for _, st := range assess.VerdictStates {
				add(d.verdict, flag(v.State == st), strconv.Itoa(g.Goal), string(st))
			}
		}
	}
	for _, n := range s.Nordic {
		l := []string{n.Indicator, n.CancerSite, n.Sex}
		add(d.nordicRank, float64(n.Rank), l...)
		add(d.nordicCompared, float64(n.Compared), l...)
		add(d.nordicGap, n.GapToLeader, l...)
		if n.TieWithLeader != nil {
			add(d.nordicTie, flag(*n.TieWithLeader), l...)
		}
	}
	for _, src := range s.Sources {
		if src.LastSuccess != nil {
			add(d.sourceLastSuccess, float64(src.LastSuccess.Unix()), src.Source)
		}
	}
	add(d.figures, float64(s.Figures))
	return out
}

// indicatorMetrics are one indicator's metrics: what it is, its target and
// thresholds, and every series' state.
func (d *descs) indicatorMetrics(cat *indicators.Catalogue, a *assess.Indicator) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, 16+len(a.Series)*32)
	add := func(desc *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...))
	}
	flag := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	def, _ := cat.Indicator(a.ID)
	ind := []string{a.ID, strconv.Itoa(a.Goal), a.Owner}
	add(d.indicatorInfo, 1, append(ind, def.NameDA, def.NameEN, string(def.Unit), string(def.Polarity), def.Source, string(def.Target.Kind()))...)
	if t := def.Target; t != nil {
		switch {
		case t.Value != nil:
			add(d.target, *t.Value, ind...)
		case t.Rank != 0:
			add(d.target, float64(t.Rank), ind...)
		}
		add(d.targetYear, float64(t.Year), ind...)
	}
	if th := def.Thresholds; !th.NotApplicable && th.Warning != nil && th.Critical != nil {
		add(d.threshold, *th.Warning, append(ind, "warning", string(def.Polarity))...)
		add(d.threshold, *th.Critical, append(ind, "critical", string(def.Polarity))...)
	}
	for _, st := range assess.Statuses {
		add(d.status, flag(a.Status == st), append(ind, string(st))...)
	}
	for _, st := range assess.FreshStates {
		add(d.freshness, flag(a.Freshness.State == st), append(ind, string(st))...)
	}
	if len(a.Series) == 0 {
		rs := cat.ReportingStatus(def)
		add(d.reporting, 1, append(ind, rs.Source, rs.Channel)...)
	}
	if f := a.Freshness; f.LatestPeriodEnd != nil {
		add(d.latestPeriodEnd, float64(f.LatestPeriodEnd.Unix()), ind...)
		add(d.nextDue, float64(f.NextDue.Unix()), ind...)
	}
	for _, sr := range a.Series {
		labels := make([]string, 0, len(ind)+1+len(d.dims)+1)
		labels = append(append(labels, ind...), sr.Geography)
		for _, dim := range d.dims {
			labels = append(labels, sr.Breakdown[dim])
		}
		if l := sr.Latest; l != nil {
			add(d.value, l.Value, labels...)
			if l.CI != nil {
				add(d.ciLower, l.CI.Lower, labels...)
				add(d.ciUpper, l.CI.Upper, labels...)
			}
		}
		if sr.Baseline != nil {
			add(d.baseline, sr.Baseline.Value, labels...)
		}
		if p := sr.Progress; p != nil {
			for _, st := range assess.Statuses {
				add(d.progress, flag(p.Status == st), append(labels, string(st))...)
			}
			if p.Ratio != nil {
				add(d.ratio, *p.Ratio, labels...)
			}
		}
		d.defence(add, flag, sr, labels)
		if x := sr.Answers; x != nil {
			for _, st := range assess.StandingStates {
				add(d.standing, flag(x.Standing.State == st), append(labels, st)...)
			}
			for _, st := range assess.DirectionStates {
				add(d.direction, flag(x.Direction.State == st), append(labels, st)...)
			}
		}
		if c := sr.Comparison; c != nil {
			for _, st := range assess.Comparisons {
				add(d.comparison, flag(c.State == st), append(labels, string(st))...)
			}
		}
	}
	return out
}

// defence adds a series' significance, trend, projection and short-term
// status: one sample each (or one per state), no period in a label.
func (d *descs) defence(add func(*prometheus.Desc, float64, ...string), flag func(bool) float64, sr *assess.Series, labels []string) {
	if c := sr.Changes; c != nil && c.SinceBaseline != nil {
		for _, st := range assess.Significances {
			add(d.significance, flag(c.SinceBaseline.Significance == st), append(labels, string(st))...)
		}
		add(d.change, c.SinceBaseline.Difference, labels...)
	}
	if t := sr.Trend; t != nil && t.CI != nil {
		add(d.trendAPC, t.APC, labels...)
		add(d.trendLower, t.CI.Lower, labels...)
		add(d.trendUpper, t.CI.Upper, labels...)
	}
	if p := sr.Projection; p != nil {
		add(d.projected, p.ProjectedValue, labels...)
		if p.PathwayValue != nil {
			add(d.pathway, *p.PathwayValue, labels...)
		}
		if p.ReachedYear != nil {
			add(d.reachedYear, float64(*p.ReachedYear), labels...)
		}
	}
	for _, w := range sr.Windows {
		if w.Window == assess.WindowLastFive {
			for _, st := range assess.Statuses {
				add(d.shortTerm, flag(w.Status == st), append(labels, string(st))...)
			}
		}
	}
}
