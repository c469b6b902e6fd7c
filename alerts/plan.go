package alerts

import (
	"fmt"
	"slices"
)

// Alerts of the plan's own follow-up (issue 16): a milestone past its date
// and not reported reached, and a round's items missing after its due
// date. One rule per organisation, so each carries its owner label and
// reaches that organisation's receiver like a threshold alert.
const (
	AlertMilestoneOverdue = "KPVMilestoneOverdue"
	AlertFollowUpMissing  = "KPVFollowUpMissing"
	planScope             = "plan" // goal and indicator of the follow-up's alerts
)

// planRules builds the follow-up's rules for every organisation that owns
// a milestone or can owe the round something.
func (g *gen) planRules() []Rule {
	var milestoneOwners []string
	for _, m := range g.cat.Milestones {
		if !slices.Contains(milestoneOwners, m.Owner) {
			milestoneOwners = append(milestoneOwners, m.Owner)
		}
	}
	var rules []Rule
	labels := func(owner string) map[string]string {
		return map[string]string{"severity": severityWarning, "goal": planScope, "indicator": planScope, "owner": owner}
	}
	api := g.base()
	for _, o := range g.cat.Organisations {
		if o.ID == "other" {
			continue
		}
		sel := fmt.Sprintf(`owner=%q`, o.ID)
		if slices.Contains(milestoneOwners, o.ID) {
			a := g.planAnnotations(AlertMilestoneOverdue,
				"Overskredet milepæl i Kræftplan V", "Overdue milestone of Cancer Plan V",
				fmt.Sprintf("{{ $value }} milepæl(e), som %s er ansvarlig for, er passeret deres dato, og en statusrapport indsendt efter datoen melder dem ikke nået. Forklar forsinkelsen, eller meld dem nået. (Milepæle uden statusrapport kaldes ikke overskredne: de står som ikke rapporteret.)", o.NameDA),
				fmt.Sprintf("{{ $value }} milestone(s) %s is responsible for are past their date, and a status report sent after the date does not report them reached. Explain the delay, or report them reached. (Milestones without a status report are not called overdue: they show as not reported.)", o.NameEN))
			a["milestones_url"] = api + "/sider/milepaele?ansvarlig=" + o.ID + "&tilstand=overdue" // the page for people (package pages)
			rules = append(rules, Rule{
				Alert:       AlertMilestoneOverdue,
				Expr:        fmt.Sprintf(`max without (instance) (kpv_milestones_overdue{%s}) > 0`, sel),
				For:         dur(g.o.FollowUpFor),
				Labels:      labels(o.ID),
				Annotations: a,
			})
		}
		a := g.planAnnotations(AlertFollowUpMissing,
			"Manglende indberetning til årets opfølgning", "Items missing from the year's follow-up round",
			fmt.Sprintf("%s mangler {{ $value }} indberetning(er) af typen {{ with $labels.kind }}{{ if eq . \"figures\" }}tal{{ else if eq . \"status\" }}statusrapport{{ else if eq . \"spending\" }}forbrug{{ else if eq . \"commentary\" }}kommentar{{ else }}{{ . }}{{ end }}{{ end }} til årets opfølgning, og fristen er passeret. Se hvad i round_url.", o.NameDA),
			fmt.Sprintf("%s still owes {{ $value }} item(s) of kind {{ $labels.kind }} to the year's follow-up round, past its due date. See which at round_url.", o.NameEN))
		a["round_url"] = api + "/sider/runde?org=" + o.ID
		rules = append(rules, Rule{
			Alert:       AlertFollowUpMissing,
			Expr:        fmt.Sprintf(`max without (instance) (kpv_round_missing_items{%s}) > 0`, sel), // counts only items past their due date
			For:         dur(g.o.FollowUpFor),
			Labels:      labels(o.ID),
			Annotations: a,
		})
	}
	return rules
}

func (g *gen) planAnnotations(alert, sda, sen, dda, den string) map[string]string {
	m := g.links(alert, "kpv-initiatives", nil)
	m["summary"], m["summary_en"] = sda, sen
	m["description"], m["description_en"] = dda, den
	return m
}
