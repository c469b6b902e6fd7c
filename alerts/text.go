package alerts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kraeftplan/kpv/indicators"
)

// The annotations of every alert: summary and description in Danish (the
// users' language) with summary_en and description_en alongside, and links
// to the dashboard, the indicator's page (package pages, under /sider)
// and the runbook. The
// descriptions are Prometheus templates: $value and $labels are the
// alert's, and `query` fetches the figures around it.

// base is kpv's public address in an annotation: the public_url label of
// kpv_info, which kpv serves (KPV_PUBLIC_URL, else the address it serves
// on), so that a link follows the port kpv runs on; where Prometheus has
// no kpv_info, the catalogue's alerting.api_url.
func (g *gen) base() string {
	return `{{ with query "kpv_info" }}{{ (index . 0).Labels.public_url }}{{ else }}` + strings.TrimSuffix(g.cat.Alerting.APIURL, "/") + `{{ end }}`
}

// grafana is a Grafana link in an annotation, only where kpv was told
// Grafana's address (KPV_GRAFANA_URL, kpv_info's grafana_url label);
// empty otherwise.
func (g *gen) grafana(path string) string {
	return "{{ with query `kpv_info{grafana_url!=\"\"}` }}{{ (index . 0).Labels.grafana_url }}" + path + "{{ end }}"
}

func (g *gen) links(alert, dashboard string, in *indicators.Indicator) map[string]string {
	a := g.cat.Alerting
	m := map[string]string{
		"dashboard_url": g.grafana("/d/" + dashboard),
		"runbook_url":   a.RunbookURL + "#" + strings.ToLower(alert),
	}
	if in != nil {
		m["indicator_url"] = g.base() + "/sider/indikatorer/" + in.ID
	}
	return m
}

func (g *gen) annotations(alert string, in *indicators.Indicator, summaryDA, summaryEN, descDA, descEN string) map[string]string {
	dashboard := "kpv-data"
	if in != nil {
		dashboard = fmt.Sprintf("kpv-goal-%d", in.Goal)
	}
	m := g.links(alert, dashboard, in)
	m["summary"], m["summary_en"] = summaryDA, summaryEN
	m["description"], m["description_en"] = descDA, descEN
	return m
}

// unitText is how a value in the unit is written, in Danish and English.
func unitText(unit indicators.Unit) (da, en, format string) {
	da, en = unit.Words()
	return da, en, unit.Verb()
}

// words is a template that writes the label value in dot as a word:
// the catalogue's name of a breakdown's code (a sex, a cancer site by
// name), in Danish or English; an unknown code as it is.
func (g *gen) words(dim string, da bool) string {
	type pair struct{ code, da, en string }
	var ps []pair
	if d, ok := g.cat.Dimension(dim); ok {
		for _, v := range d.Values {
			ps = append(ps, pair{v.Code, v.NameDA, v.NameEN})
		}
		if d.FromCancerEntities {
			for _, e := range g.cat.CancerEntities {
				ps = append(ps, pair{strconv.Itoa(e.Code), e.NameDA, e.NameEN})
			}
		}
	}
	if len(ps) == 0 {
		return "{{ . }}"
	}
	var b strings.Builder
	for i, p := range ps {
		name := p.en
		if da {
			name = p.da
		}
		if i > 0 {
			b.WriteString("{{ else ")
		} else {
			b.WriteString("{{ ")
		}
		fmt.Fprintf(&b, "if eq . %q }}%s", p.code, name)
	}
	b.WriteString("{{ else }}{{ . }}{{ end }}")
	return b.String()
}

// numberDA is a template pipeline's end that writes a formatted number the
// Danish way: a decimal comma, and a point between thousands (below a
// million).
const numberDA = ` | reReplaceAll "\\." "," | reReplaceAll "^(-?\\d+)(\\d{3})(,|$)" "${1}.${2}${3}"`

// seriesText names the series an alert is about: geography plus each of the
// indicator's breakdown labels that is set.
func (g *gen) seriesText(in *indicators.Indicator, da bool) string {
	s := "{{ $labels.geography }}"
	for _, b := range in.Breakdowns {
		if indicators.IsGeographyLevel(b) {
			continue
		}
		s += fmt.Sprintf("{{ with $labels.%s }} · %s{{ end }}", b, g.words(b, da))
	}
	return s
}

func (g *gen) owner(in *indicators.Indicator) (da, en string) {
	if o, ok := g.cat.Organisation(in.Owner); ok {
		return o.NameDA, o.NameEN
	}
	return in.Owner, in.Owner
}

func (g *gen) goal(in *indicators.Indicator) (da, en string) {
	if goal, ok := g.cat.Goal(in.Goal); ok {
		return fmt.Sprintf("Mål %d (%s)", in.Goal, goal.ShortDA), fmt.Sprintf("Goal %d (%s)", in.Goal, goal.ShortEN)
	}
	return fmt.Sprintf("Mål %d", in.Goal), fmt.Sprintf("Goal %d", in.Goal)
}

// context is the closing sentence of every indicator alert: goal and owner.
func (g *gen) context(in *indicators.Indicator) (da, en string) {
	gda, gen := g.goal(in)
	oda, oen := g.owner(in)
	return fmt.Sprintf(" %s. Ansvarlig: %s.", gda, oda), fmt.Sprintf(" %s. Responsible: %s.", gen, oen)
}

// latest lists Denmark's latest figures for the indicator, by breakdown.
func (g *gen) latest(in *indicators.Indicator, format, unit string, da bool) string {
	q := fmt.Sprintf("max without (instance) (kpv_indicator_value{indicator=%q,geography=\"DK\"})", in.ID)
	item := fmt.Sprintf(`{{ .Value | printf %q }}%s`, format, unit)
	if da {
		item = fmt.Sprintf(`{{ .Value | printf %q%s }}%s`, format, numberDA, unit)
	}
	sort := ""
	for i := len(in.Breakdowns) - 1; i >= 0; i-- {
		if b := in.Breakdowns[i]; !indicators.IsGeographyLevel(b) {
			item = fmt.Sprintf("{{ with .Labels.%s }}%s {{ end }}", b, g.words(b, da)) + item
			sort = fmt.Sprintf(" | sortByLabel %q", b) // a stable order for the message
		}
	}
	return "{{ range $i, $s := query `" + q + "`" + sort + " }}{{ if $i }}; {{ end }}{{ with $s }}" + item + "{{ end }}{{ else }}–{{ end }}"
}

func (g *gen) thresholdText(in *indicators.Indicator, severity string, level float64) map[string]string {
	uda, uen, format := unitText(in.Unit)
	levelDA, levelEN := "advarselsgrænse", "warning threshold"
	theLevelDA := "advarselsgrænsen"
	sumDA, sumEN := "Advarsel", "Warning"
	alert := AlertWarning
	if severity == severityCritical {
		levelDA, levelEN = "kritiske grænse", "critical threshold"
		theLevelDA = "den kritiske grænse"
		sumDA, sumEN = "Kritisk", "Critical"
		alert = AlertCritical
	}
	dirDA, dirEN := in.Polarity.Words()
	value := fmt.Sprintf(`{{ $value | printf %q }}`, format)
	valueDA := fmt.Sprintf(`{{ $value | printf %q%s }}`, format, numberDA)
	cda, cen := g.context(in)
	defDA, defEN := "", ""
	if strings.HasPrefix(in.Thresholds.Basis, "kpv default") {
		defDA, defEN = " Grænsen er kpv's standard, endnu ikke bekræftet af den ansvarlige.", " The threshold is kpv's default, not yet confirmed by the owner."
	}
	return g.annotations(alert, in,
		fmt.Sprintf("%s: %s har nået sin %s", sumDA, in.NameDA, levelDA),
		fmt.Sprintf("%s: %s has reached its %s", sumEN, in.NameEN, levelEN),
		fmt.Sprintf("%s: %s%s; %s er %s%s (%s).%s%s", g.seriesText(in, true), valueDA, uda, theLevelDA, num(level), uda, dirDA, defDA, cda),
		fmt.Sprintf("%s: %s%s; the %s is %s%s (%s).%s%s", g.seriesText(in, false), value, uen, levelEN, num(level), uen, dirEN, defEN, cen),
	)
}

func (g *gen) offTrackText(in *indicators.Indicator) map[string]string {
	uda, uen, format := unitText(in.Unit)
	cda, cen := g.context(in)
	target := ""
	if in.Target != nil {
		target = fmt.Sprint(in.Target.Year)
	}
	return g.annotations(AlertOffTrack, in,
		fmt.Sprintf("%s er ikke på vej mod målet", in.NameDA),
		fmt.Sprintf("%s is not on track", in.NameEN),
		fmt.Sprintf(`Status: {{ if eq $labels.status "deterioration" }}forværring siden basislinjen{{ else }}for langsom fremgang til at nå målet i %s{{ end }}. Seneste tal for Danmark: %s. Begrundelsen med tallene står på indikatorens side.%s`, target, g.latest(in, format, uda, true), cda),
		fmt.Sprintf(`Status: {{ if eq $labels.status "deterioration" }}worse than at the baseline{{ else }}progress too slow to reach the target by %s{{ end }}. Denmark's latest figures: %s. The indicator's page gives the reason with the figures.%s`, target, g.latest(in, format, uen, false), cen),
	)
}

func (g *gen) rankText(in *indicators.Indicator) map[string]string {
	cda, cen := g.context(in)
	// "Beyond the statistical uncertainty" only where the compared figures
	// have intervals: kpv_nordic_tie_with_leader is 0 then; without
	// intervals it is absent and the text says the uncertainty is unknown.
	site, siteText, siteTextEN := `cancer_site=%q`, "{{ with $labels.cancer_site }}"+g.words("cancer_site", true)+"{{ end }}", "{{ with $labels.cancer_site }}"+g.words("cancer_site", false)+"{{ end }}"
	siteArg := " $labels.cancer_site"
	if !slices.Contains(in.Breakdowns, "cancer_site") {
		sites := strings.Join(in.Derived.CancerSites, "|")
		var da, en []string
		for _, c := range in.Derived.CancerSites {
			da, en = append(da, c), append(en, c)
			if e, ok := g.cat.CancerEntity(c); ok {
				da[len(da)-1], en[len(en)-1] = e.NameDA, e.NameEN
			}
		}
		site, siteText, siteTextEN, siteArg = fmt.Sprintf("cancer_site=~%q", sites), strings.Join(da, ", "), strings.Join(en, ", "), ""
	}
	tie := fmt.Sprintf(`{{ if printf "max(kpv_nordic_tie_with_leader{indicator=%%q,sex=%%q,%s}) == 0" %q $labels.sex%s | query }}`,
		strings.ReplaceAll(site, `"`, `\"`), in.Derived.From, siteArg)
	tieDA := tie + "Forskellen til det bedste land er ud over den statistiske usikkerhed (konfidensintervallerne overlapper ikke).{{ else }}Om forskellen til det bedste land er ud over den statistiske usikkerhed, er ukendt: tallene har ingen konfidensintervaller.{{ end }}"
	tieEN := tie + "The gap to the best country is beyond the statistical uncertainty (the confidence intervals do not overlap).{{ else }}Whether the gap to the best country is beyond the statistical uncertainty is unknown: the figures have no confidence intervals.{{ end }}"
	return g.annotations(AlertRank, in,
		fmt.Sprintf("Danmark er under målet: %s", in.NameDA),
		fmt.Sprintf("Denmark is below its target: %s", in.NameEN),
		fmt.Sprintf(`Danmark ligger nr. {{ $value | printf "%%.0f" }} blandt de nordiske lande ({{ with $labels.sex }}%s, {{ end }}kræftform %s); målet er nr. %d senest i %d. %s%s`, g.words("sex", true), siteText, in.Target.Rank, in.Target.Year, tieDA, cda),
		fmt.Sprintf(`Denmark ranks {{ $value | printf "%%.0f" }} among the Nordic countries ({{ with $labels.sex }}%s, {{ end }}cancer site %s); the target is rank %d by %d. %s%s`, g.words("sex", false), siteTextEN, in.Target.Rank, in.Target.Year, tieEN, cen),
	)
}

// overdueText says what kpv holds and when the publisher's calendar put
// the next release, without blaming the publisher: kpv may simply not
// have loaded it yet.
func (g *gen) overdueText(in *indicators.Indicator) map[string]string {
	ts := func(metric string) string {
		return fmt.Sprintf("{{ range query `max without (instance) (%s{indicator=%q})` }}{{ .Value | humanizeTimestamp }}{{ end }}", metric, in.ID)
	}
	latest, due := ts("kpv_indicator_latest_period_end_timestamp_seconds"), ts("kpv_indicator_next_release_due_timestamp_seconds")
	src, _ := g.cat.Source(in.Source)
	sda, sen := in.Source, in.Source
	if src != nil {
		sda, sen = src.NameDA, src.NameEN
	}
	cda, cen := g.context(in)
	return g.annotations(AlertOverdue, in,
		fmt.Sprintf("Intet nyere tal i kpv: %s", in.NameDA),
		fmt.Sprintf("No later figure in kpv: %s", in.NameEN),
		fmt.Sprintf("kpv har tal til perioden, der sluttede %s; efter udgiverens kalender (%s) var det næste ventet senest %s. Indlæs det, hvis det er udkommet, eller indberet det; indtil da vurderes indikatoren på de tal, kpv har.%s", latest, sda, due, cda),
		fmt.Sprintf("kpv holds figures up to the period that ended %s; by the publisher's calendar (%s) the next was due by %s. Load it if it is out, or submit it; until then the indicator is assessed on the figures kpv holds.%s", latest, sen, due, cen),
	)
}

func (g *gen) sourceText(in *indicators.Indicator, src *indicators.Source, window string) map[string]string {
	last := fmt.Sprintf("{{ range query `max(kpv_source_last_success_timestamp_seconds{source=%q})` }}{{ .Value | humanizeTimestamp }}{{ else }}%%s{{ end }}", src.ID)
	runs := g.base() + "/sider/kilder/" + src.ID // the source's page, with its recent runs
	cda, cen := g.context(in)
	m := g.annotations(AlertSource, in,
		fmt.Sprintf("Kilden %s fejler: %s kan blive forældet", src.NameDA, in.NameDA),
		fmt.Sprintf("Source %s is failing: %s may go stale", src.NameEN, in.NameEN),
		fmt.Sprintf("Ingen vellykket indlæsning fra %s (%s) i %s; seneste: %s. Kørselsloggen: %s.%s", src.NameDA, src.ID, window, fmt.Sprintf(last, "aldrig"), runs, cda),
		fmt.Sprintf("No successful ingest from %s (%s) in %s; last: %s. Run log: %s.%s", src.NameEN, src.ID, window, fmt.Sprintf(last, "never"), runs, cen),
	)
	m["dashboard_url"] = g.grafana("/d/kpv-data")
	return m
}

func (g *gen) heldText(in *indicators.Indicator, src *indicators.Source) map[string]string {
	page := g.base() + "/sider/kilder/" + src.ID // lists the held revisions
	cda, cen := g.context(in)
	m := g.annotations(AlertHeld, in,
		fmt.Sprintf("Revisioner fra %s venter på godkendelse: %s", src.NameDA, in.NameDA),
		fmt.Sprintf("Revisions from %s are held for review: %s", src.NameEN, in.NameEN),
		fmt.Sprintf("{{ $value }} revision(er) af offentliggjorte tal fra %s (%s) ligger uden for det, tallenes egne revisioner forklarer, og er holdt tilbage; de gældende tal står uændret. Godkend eller afvis: %s eller `kpv revisions list %s`.%s", src.NameDA, src.ID, page, src.ID, cda),
		fmt.Sprintf("{{ $value }} revision(s) of published figures from %s (%s) go further than the figures' own revisions explain and are held; the current figures stand. Accept or reject: %s or `kpv revisions list %s`.%s", src.NameEN, src.ID, page, src.ID, cen),
	)
	m["dashboard_url"] = g.grafana("/d/kpv-data")
	return m
}

func (g *gen) serviceText(alert string) map[string]string {
	var sda, sen, dda, den string
	switch alert {
	case AlertDown:
		sda, sen = "kpv svarer ikke", "kpv is down"
		dda = "Prometheus kan ikke hente kpv's målinger fra {{ $labels.instance }}. Indikatoradvarsler holdes tilbage, så længe kpv er nede; tallene i dashboards står stille."
		den = "Prometheus cannot scrape kpv at {{ $labels.instance }}. Indicator warnings are held back while kpv is down; dashboards show no new figures."
	case AlertAbsent:
		sda, sen = "kpv overvåges ikke", "kpv is not scraped"
		dda = "Prometheus har intet kpv-mål (job \"kpv\"): ingen indikator kan give advarsel. Tjek Prometheus' konfiguration."
		den = "Prometheus has no kpv target (job \"kpv\"): no indicator can alert. Check Prometheus's configuration."
	case AlertStale:
		sda, sen = "kpv's vurdering er forældet", "kpv's assessment is stale"
		dda = "Vurderingen på {{ $labels.instance }} er ikke genberegnet i {{ $value | humanizeDuration }}; typisk kan kpv ikke læse databasen. Se kpv's log og /readyz."
		den = "The assessment on {{ $labels.instance }} has not been rebuilt for {{ $value | humanizeDuration }}; usually kpv cannot read its database. See kpv's log and /readyz."
	case AlertDatabase:
		sda, sen = "kpv kan ikke nå sin database", "kpv cannot reach its database"
		dda = "kpv får ikke svar fra Postgres; indberetninger og indlæsninger mislykkes, og vurderingen står stille. Se kpv's log, /readyz og Postgres' tilstand."
		den = "kpv gets no answer from Postgres; submissions and ingest runs fail, and the assessment stands still. See kpv's log, /readyz and the state of Postgres."
	case AlertPool:
		sda, sen = "kpv's databaseforbindelser er opbrugt", "kpv's database pool is saturated"
		dda = "Alle kpv's forbindelser til Postgres er i brug, eller forespørgsler venter på en; API'et svarer langsomt eller slet ikke. Se kpv_db_pool_*, igangværende kørsler (/api/v1/ingest/runs?outcome=running) og pg_stat_activity."
		den = "All of kpv's Postgres connections are in use, or requests wait for one; the API answers slowly or not at all. See kpv_db_pool_*, running ingests (/api/v1/ingest/runs?outcome=running) and pg_stat_activity."
	}
	return g.annotations(alert, nil, sda, sen, dda, den)
}
