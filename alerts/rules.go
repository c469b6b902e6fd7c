package alerts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/kraeftplan/kpv/indicators"
)

// Alert names, one per kind of rule. Each has a section in RUNBOOK.md.
const (
	AlertCritical     = "KPVIndicatorCriticalThreshold"
	AlertWarning      = "KPVIndicatorWarningThreshold"
	AlertOffTrack     = "KPVIndicatorOffTrack"
	AlertRank         = "KPVNordicRankBelowTarget"
	AlertOverdue      = "KPVIndicatorDataOverdue"
	AlertSource       = "KPVSourceFailing"
	AlertHeld         = "KPVRevisionsHeldForReview"
	AlertDown         = "KPVDown"
	AlertAbsent       = "KPVNotScraped"
	AlertStale        = "KPVAssessmentStale"
	AlertPool         = "KPVDatabasePoolSaturated"
	AlertDatabase     = "KPVDatabaseUnreachable"
	serviceScope      = "all" // goal and indicator of alerts about kpv itself
	severityCritical  = "critical"
	severityWarning   = "warning"
	prometheusJobName = "kpv"
)

// AlertNames lists every kind of rule kpv generates.
var AlertNames = []string{AlertCritical, AlertWarning, AlertOffTrack, AlertRank, AlertOverdue, AlertSource, AlertHeld, AlertDown, AlertAbsent, AlertStale,
	AlertMilestoneOverdue, AlertFollowUpMissing, AlertPool, AlertDatabase}

// RuleFile is a Prometheus rule file.
type RuleFile struct {
	Groups []RuleGroup `yaml:"groups"`
}

// RuleGroup is a group of rules evaluated together.
type RuleGroup struct {
	Name  string `yaml:"name"`
	Rules []Rule `yaml:"rules"`
}

// Rule is an alerting rule.
type Rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// Rules builds the rule file: a group per indicator (thresholds, progress,
// rank, overdue data, failing source) and one for kpv itself.
func Rules(cat *indicators.Catalogue, o Options) (*RuleFile, error) {
	g := &gen{cat: cat, o: o}
	var f RuleFile
	for i := range cat.Indicators {
		in := &cat.Indicators[i]
		rules, err := g.indicatorRules(in)
		if err != nil {
			return nil, fmt.Errorf("indicator %s: %w", in.ID, err)
		}
		f.Groups = append(f.Groups, RuleGroup{Name: "kpv-indicator-" + in.ID, Rules: rules})
	}
	f.Groups = append(f.Groups, RuleGroup{Name: "kpv-plan-follow-up", Rules: g.planRules()}) // plan.go
	f.Groups = append(f.Groups, RuleGroup{Name: "kpv-service", Rules: g.serviceRules()})
	return &f, nil
}

type gen struct {
	cat *indicators.Catalogue
	o   Options
}

func (g *gen) indicatorRules(in *indicators.Indicator) ([]Rule, error) {
	var rules []Rule
	sel := fmt.Sprintf(`indicator=%q`, in.ID)
	// Replicas expose the same figures: one alert per series, not per instance.
	value := func(geo string) string {
		return fmt.Sprintf(`max without (instance) (kpv_indicator_value{%s,geography%s})`, sel, geo)
	}
	if t := in.Thresholds; !t.NotApplicable {
		op := in.Polarity.BreachOp()
		for _, lv := range []struct {
			alert, severity string
			level           *float64
		}{{AlertCritical, severityCritical, t.Critical}, {AlertWarning, severityWarning, t.Warning}} {
			if lv.level == nil {
				continue
			}
			rules = append(rules, Rule{
				Alert:       lv.alert,
				Expr:        fmt.Sprintf("%s %s %s", value("=~"+strconv.Quote(g.danishGeographies())), op, num(*lv.level)),
				For:         dur(g.o.ThresholdFor),
				Labels:      g.labels(in, lv.severity),
				Annotations: g.thresholdText(in, lv.severity, *lv.level),
			})
		}
	}

	rules = append(rules, Rule{
		Alert:       AlertOffTrack,
		Expr:        fmt.Sprintf(`max without (instance) (kpv_indicator_status{%s,status=~"off_track|deterioration"}) == 1`, sel),
		For:         dur(g.o.ProgressFor),
		Labels:      g.labels(in, severityWarning),
		Annotations: g.offTrackText(in),
	})

	if in.Target != nil && in.Target.Rank > 0 {
		if in.Derived == nil {
			return nil, fmt.Errorf("a rank target needs a derived rank indicator")
		}
		// A statistical tie with the leader counts as being at the top, as
		// in the assessment (assess/progress.go). The tie is published per
		// cancer site of the compared series; the rank indicator carries a
		// cancer_site label only when it has that breakdown.
		var on []string
		tie := fmt.Sprintf(`indicator=%q`, in.Derived.From)
		for _, d := range []string{"cancer_site", "sex"} {
			if slices.Contains(in.Breakdowns, d) {
				on = append(on, d)
			} else if d == "cancer_site" {
				tie += fmt.Sprintf(`,cancer_site=~%q`, strings.Join(in.Derived.CancerSites, "|"))
			}
		}
		expr := fmt.Sprintf(`%s > %d unless on (%s) (max without (instance) (kpv_nordic_tie_with_leader{%s}) == 1)`,
			value(`="DK"`), in.Target.Rank, strings.Join(on, ", "), tie)
		rules = append(rules, Rule{
			Alert:       AlertRank,
			Expr:        expr,
			For:         dur(g.o.RankFor),
			Labels:      g.labels(in, severityWarning),
			Annotations: g.rankText(in),
		})
	}

	rules = append(rules, Rule{
		Alert:       AlertOverdue,
		Expr:        fmt.Sprintf(`max without (instance) (kpv_indicator_freshness{%s,state="overdue"}) == 1`, sel),
		For:         dur(g.o.OverdueFor),
		Labels:      g.labels(in, severityWarning),
		Annotations: g.overdueText(in),
	})

	src, ok := g.cat.Source(in.Source)
	if !ok {
		return nil, fmt.Errorf("unknown source %s", in.Source)
	}
	if src.Schedule != "" { // submitted figures have no run to fail; overdue covers them
		window, err := FailingAfter(src)
		if err != nil {
			return nil, err
		}
		w := model.Duration(window)
		last := fmt.Sprintf(`kpv_source_last_success_timestamp_seconds{source=%q}`, src.ID)
		// Never succeeded: fire once kpv has run longer than the window.
		expr := fmt.Sprintf(`time() - max by (source) (%s) > %d or (absent(%s) and on () max(time() - process_start_time_seconds{job=%q}) > %d)`,
			last, int64(window.Seconds()), last, prometheusJobName, int64(window.Seconds()))
		l := g.labels(in, severityWarning)
		l["source"] = src.ID
		rules = append(rules, Rule{
			Alert:       AlertSource,
			Expr:        expr,
			For:         dur(g.o.SourceFor),
			Labels:      l,
			Annotations: g.sourceText(in, src, w.String()),
		})
		// Revisions held for review (issue 26) wait for the owner's
		// decision: the indicator's figures stand as they were meanwhile.
		rules = append(rules, Rule{
			Alert:       AlertHeld,
			Expr:        fmt.Sprintf(`max without (instance) (kpv_source_pending_revisions{source=%q}) > 0`, src.ID),
			For:         "5m",
			Labels:      l,
			Annotations: g.heldText(in, src),
		})
	}
	return rules, nil
}

func (g *gen) serviceRules() []Rule {
	op := g.cat.Alerting.Operator
	labels := func(sev string) map[string]string {
		return map[string]string{"severity": sev, "goal": serviceScope, "indicator": serviceScope, "owner": op}
	}
	return []Rule{
		{
			Alert:       AlertDown,
			Expr:        fmt.Sprintf(`up{job=%q} == 0`, prometheusJobName),
			For:         dur(g.o.DownFor),
			Labels:      labels(severityCritical),
			Annotations: g.serviceText(AlertDown),
		},
		{
			Alert:       AlertAbsent,
			Expr:        fmt.Sprintf(`absent(up{job=%q})`, prometheusJobName),
			For:         dur(g.o.AbsentFor),
			Labels:      labels(severityCritical),
			Annotations: g.serviceText(AlertAbsent),
		},
		{
			Alert:       AlertStale,
			Expr:        fmt.Sprintf(`time() - kpv_assessment_last_refresh_timestamp_seconds > %d`, int64(g.o.StaleAfter.Seconds())),
			For:         dur(g.o.StaleFor),
			Labels:      labels(severityWarning),
			Annotations: g.serviceText(AlertStale),
		},
		{
			// A replica whose pings of Postgres go unanswered: submissions
			// fail, runs fail, the assessment stands still. min: one
			// replica cut off from the database is enough.
			Alert:       AlertDatabase,
			Expr:        `min without (instance) (kpv_database_up) == 0`,
			For:         dur(g.o.DatabaseFor),
			Labels:      labels(severityCritical),
			Annotations: g.serviceText(AlertDatabase),
		},
		{
			// Requests waited for a connection most of the time, or the pool
			// was all in use: what four overlapping runs once did for ten
			// minutes while /healthz stayed green.
			Alert: AlertPool,
			Expr: `max without (instance) (kpv_db_pool_acquired_connections / kpv_db_pool_max_connections) >= 1` +
				` or max without (instance) (rate(kpv_db_pool_empty_acquire_wait_seconds_total[5m])) > 0.5`,
			For:         "5m",
			Labels:      labels(severityWarning),
			Annotations: g.serviceText(AlertPool),
		},
	}
}

func (g *gen) labels(in *indicators.Indicator, severity string) map[string]string {
	return map[string]string{"severity": severity, "goal": strconv.Itoa(in.Goal), "indicator": in.ID, "owner": in.Owner}
}

// danishGeographies is a regex of Denmark and its regions: thresholds are
// the plan's levels for Danish figures, not for other countries'.
func (g *gen) danishGeographies() string {
	codes := []string{"DK"}
	for _, geo := range g.cat.Geographies {
		if geo.Kind == indicators.GeoRegion {
			codes = append(codes, geo.Code)
		}
	}
	slices.Sort(codes[1:])
	return strings.Join(codes, "|")
}

// FailingAfter is how long a source may go without a successful run: its
// failing_after, else two scheduled runs plus a day (a weekly source after
// 15 days, a monthly one after about two months).
func FailingAfter(src *indicators.Source) (time.Duration, error) {
	if src.FailingAfter != "" {
		d, err := model.ParseDuration(src.FailingAfter)
		return time.Duration(d), err
	}
	s, err := indicators.ParseSchedule(src.Schedule)
	if err != nil {
		return 0, err
	}
	// A fixed start keeps the generated file the same whenever it is made.
	t1 := s.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	t3 := s.Next(s.Next(t1))
	d := t3.Sub(t1) + 24*time.Hour
	return d.Round(time.Hour), nil
}

func dur(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return model.Duration(d).String()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
