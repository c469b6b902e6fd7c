package indicators

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"
)

// Unit describes the values an indicator's unit allows.
type Unit struct {
	ID       string
	NameDA   string
	NameEN   string
	Min, Max float64
}

// Units are the units an indicator may have. Values outside a unit's range
// are rejected on ingest and submission.
var Units = map[string]Unit{
	"percent":           {"percent", "procent", "per cent", 0, 100},
	"percentage_points": {"percentage_points", "procentpoint", "percentage points", -100, 100},
	"rank":              {"rank", "placering", "rank", 1, 10},
	"regions":           {"regions", "antal regioner", "number of regions", 0, 5},
	"count":             {"count", "antal", "count", 0, math.Inf(1)},
}

// Source formats kpv can read.
var sourceFormats = []string{"jsonstat", "nordcan-survival", "table", "submission"}

// Breakdowns an indicator may declare. "region" and "country" are geography
// levels (the observation's geography); the others are dimensions.
var geographyBreakdowns = map[string]string{"region": "region", "country": "country"}

// CronParser parses source schedules: standard five fields with an optional
// CRON_TZ= prefix, as robfig/cron's ParseStandard.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a cron schedule. robfig/cron panics on some malformed
// specs (e.g. "CRON_TZ=Europe/Copenhagen" alone), so the panic is turned into
// an error.
func ParseSchedule(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid schedule %q: %v", spec, r)
		}
	}()
	return CronParser.Parse(spec)
}

type problems struct {
	file string
	list []string
}

func (p *problems) add(line int, format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf("%s:%d: %s", p.file, line, fmt.Sprintf(format, args...)))
}

func (c *Catalogue) validate() error {
	p := &problems{file: c.Name}
	if c.Version == "" {
		p.add(1, "version is missing")
	}

	docs := map[string]bool{}
	for _, d := range c.Documents {
		if d.ID == "" || docs[d.ID] {
			p.add(d.Line, "document id %q is empty or duplicated", d.ID)
		}
		docs[d.ID] = true
	}
	cite := func(line int, what string, ct *Citation) {
		if ct == nil || (ct.Document == "" && ct.URL == "") {
			p.add(line, "%s has no citation (document and section, or url)", what)
			return
		}
		if ct.Document != "" && !docs[ct.Document] {
			p.add(line, "%s cites unknown document %q", what, ct.Document)
		}
		if ct.Document != "" && ct.Section == "" {
			p.add(line, "%s cites document %q without a section", what, ct.Document)
		}
	}

	goals := map[int]bool{}
	for _, g := range c.Goals {
		if goals[g.ID] {
			p.add(g.Line, "duplicate goal id %d", g.ID)
		}
		goals[g.ID] = true
		if g.NameDA == "" || g.NameEN == "" {
			p.add(g.Line, "goal %d needs name_da and name_en", g.ID)
		}
		cite(g.Line, fmt.Sprintf("goal %d", g.ID), &g.Source)
	}

	areas := map[int]bool{}
	for _, a := range c.FocusAreas {
		if areas[a.ID] {
			p.add(a.Line, "duplicate focus area id %d", a.ID)
		}
		areas[a.ID] = true
		cite(a.Line, fmt.Sprintf("focus area %d", a.ID), &a.Source)
	}

	orgs := map[string]bool{}
	for _, o := range c.Organisations {
		if o.ID == "" || orgs[o.ID] {
			p.add(o.Line, "organisation id %q is empty or duplicated", o.ID)
		}
		orgs[o.ID] = true
		if o.Contact.Receiver == "" || o.Contact.Email == "" {
			p.add(o.Line, "organisation %q needs a contact receiver and email for alerts", o.ID)
		}
	}

	initiatives := map[int]bool{}
	for i, in := range c.Initiatives {
		if in.Number != i+1 {
			p.add(in.Line, "initiative number %d out of order: expected %d (numbered as in the plan)", in.Number, i+1)
		}
		initiatives[in.Number] = true
		if !areas[in.FocusArea] {
			p.add(in.Line, "initiative %d: unknown focus area %d", in.Number, in.FocusArea)
		}
		if len(in.Goals) == 0 {
			p.add(in.Line, "initiative %d serves no goal", in.Number)
		}
		for _, g := range in.Goals {
			if !goals[g] {
				p.add(in.Line, "initiative %d: unknown goal %d", in.Number, g)
			}
		}
		for _, l := range in.Lead {
			if !orgs[l] {
				p.add(in.Line, "initiative %d: unknown lead organisation %q", in.Number, l)
			}
		}
		if in.NameDA == "" || in.NameEN == "" {
			p.add(in.Line, "initiative %d needs name_da and name_en", in.Number)
		}
		cite(in.Line, fmt.Sprintf("initiative %d", in.Number), &in.Source)
	}

	for _, t := range c.FundingTables {
		cite(t.Line, "funding table "+t.ID, &t.Source)
		if len(t.StatedTotals) != len(t.Columns) {
			p.add(t.Line, "funding table %s: %d stated totals for %d columns", t.ID, len(t.StatedTotals), len(t.Columns))
		}
		var walk func(l FundingLine, depth int)
		seen := map[string]bool{}
		walk = func(l FundingLine, depth int) {
			if l.ID == "" || seen[l.ID] {
				p.add(t.Line, "funding table %s: line id %q is empty or duplicated", t.ID, l.ID)
			}
			seen[l.ID] = true
			if len(l.Amounts) != len(t.Columns) {
				p.add(t.Line, "funding table %s, line %s: %d amounts for %d columns", t.ID, l.ID, len(l.Amounts), len(t.Columns))
			}
			for _, a := range l.Amounts {
				if a < 0 {
					p.add(t.Line, "funding table %s, line %s: negative amount %v", t.ID, l.ID, a)
				}
			}
			for _, n := range l.Initiatives {
				if !initiatives[n] {
					p.add(t.Line, "funding table %s, line %s: unknown initiative %d", t.ID, l.ID, n)
				}
			}
			if depth > 0 && l.Recipient == "" {
				p.add(t.Line, "funding table %s, line %s: a part needs a recipient", t.ID, l.ID)
			}
			for _, part := range l.Parts {
				walk(part, depth+1)
			}
		}
		for _, l := range t.Lines {
			walk(l, 0)
		}
	}

	geos := map[string]Geography{}
	aliases := map[string]string{}
	for _, g := range c.Geographies {
		if _, dup := geos[g.Code]; dup || g.Code == "" {
			p.add(g.Line, "geography code %q is empty or duplicated", g.Code)
		}
		geos[g.Code] = g
		if g.Kind != "country" && g.Kind != "region" {
			p.add(g.Line, "geography %s: kind must be country or region, not %q", g.Code, g.Kind)
		}
		for _, a := range append([]string{g.Code}, g.Aliases...) {
			k := strings.ToLower(a)
			if other, dup := aliases[k]; dup && other != g.Code {
				p.add(g.Line, "geography %s: alias %q already names %s", g.Code, a, other)
			}
			aliases[k] = g.Code
		}
	}
	for _, o := range c.Organisations {
		if o.Region != "" && geos[o.Region].Kind != "region" {
			p.add(o.Line, "organisation %s: region %q is not a region geography", o.ID, o.Region)
		}
	}

	entities := map[int]bool{}
	for _, e := range c.CancerEntities {
		if entities[e.Code] {
			p.add(e.Line, "duplicate cancer entity %d", e.Code)
		}
		entities[e.Code] = true
	}
	dims := map[string]Dimension{}
	for _, d := range c.Dimensions {
		if _, dup := dims[d.ID]; dup {
			p.add(d.Line, "duplicate dimension %q", d.ID)
		}
		if _, clash := geographyBreakdowns[d.ID]; clash {
			p.add(d.Line, "dimension %q clashes with a geography level", d.ID)
		}
		if len(d.Values) == 0 && !d.FromCancerEntities {
			p.add(d.Line, "dimension %q has no values", d.ID)
		}
		dims[d.ID] = d
	}

	sources := map[string]bool{}
	for _, s := range c.Sources {
		if s.ID == "" || sources[s.ID] {
			p.add(s.Line, "source id %q is empty or duplicated", s.ID)
		}
		sources[s.ID] = true
		if !slices.Contains(sourceFormats, s.Format) {
			p.add(s.Line, "source %s: unknown format %q (want one of %s)", s.ID, s.Format, strings.Join(sourceFormats, ", "))
		}
		if s.Schedule != "" {
			if _, err := ParseSchedule(s.Schedule); err != nil {
				p.add(s.Line, "source %s: %v", s.ID, err)
			}
		} else if s.Format != "submission" {
			p.add(s.Line, "source %s: a fetched source needs a schedule", s.ID)
		}
		if s.FailingAfter != "" {
			if d, err := model.ParseDuration(s.FailingAfter); err != nil || d <= 0 {
				p.add(s.Line, "source %s: failing_after %q is not a positive duration such as 15d", s.ID, s.FailingAfter)
			}
		}
		if s.Release.EveryMonths <= 0 {
			p.add(s.Line, "source %s: release.every_months must be positive", s.ID)
		}
		if s.Release.Month < 0 || s.Release.Month > 12 {
			p.add(s.Line, "source %s: release.month %d is not a month", s.ID, s.Release.Month)
		}
		if s.Format != "submission" { // submitted figures are cited per batch in the audit log
			cite(s.Line, "source "+s.ID, &s.Citation)
		}
	}
	for _, s := range c.Sources {
		validateSourceIngest(p, c, s, dims)
	}
	validateAlerting(p, c)
	c.validateMilestones(p, cite)

	inds := map[string]bool{}
	perGoal := map[int]int{}
	for _, in := range c.Indicators {
		validateIndicator(p, in, inds, goals, orgs, sources, dims, initiatives, cite)
		inds[in.ID] = true
		perGoal[in.Goal]++
	}
	for _, in := range c.Indicators {
		if in.Derived != nil {
			validateDerivation(p, c, in)
		}
	}
	for _, g := range c.Goals {
		if perGoal[g.ID] < 3 {
			p.add(g.Line, "goal %d has %d indicator(s); every goal needs at least 3", g.ID, perGoal[g.ID])
		}
	}

	if len(p.list) > 0 {
		return &ValidationError{Problems: p.list}
	}
	return nil
}

func validateIndicator(p *problems, in Indicator, seen map[string]bool, goals map[int]bool, orgs, sources map[string]bool,
	dims map[string]Dimension, initiatives map[int]bool, cite func(int, string, *Citation)) {
	at := in.Line
	if in.ID == "" {
		p.add(at, "indicator without id")
	}
	if seen[in.ID] {
		p.add(at, "duplicate indicator id %q", in.ID)
	}
	if !goals[in.Goal] {
		p.add(at, "indicator %s: unknown goal %d", in.ID, in.Goal)
	}
	if in.NameDA == "" || in.NameEN == "" {
		p.add(at, "indicator %s needs name_da and name_en", in.ID)
	}
	unit, ok := Units[in.Unit]
	if !ok {
		p.add(at, "indicator %s: unknown unit %q", in.ID, in.Unit)
	}
	if in.Polarity != HigherIsBetter && in.Polarity != LowerIsBetter {
		p.add(at, "indicator %s: polarity must be %s or %s, not %q", in.ID, HigherIsBetter, LowerIsBetter, in.Polarity)
	}
	if !orgs[in.Owner] {
		p.add(at, "indicator %s: unknown owner %q", in.ID, in.Owner)
	}
	if !sources[in.Source] {
		p.add(at, "indicator %s: unknown source %q", in.ID, in.Source)
	}
	if in.Methodology == "" {
		p.add(at, "indicator %s: methodology note is missing", in.ID)
	}
	for _, n := range in.Initiatives {
		if !initiatives[n] {
			p.add(at, "indicator %s: unknown initiative %d", in.ID, n)
		}
	}
	for _, b := range in.Breakdowns {
		if _, geo := geographyBreakdowns[b]; geo {
			continue
		}
		if _, ok := dims[b]; !ok {
			p.add(at, "indicator %s: unknown breakdown %q", in.ID, b)
		}
	}
	inRange := func(what string, v float64) {
		if ok && (v < unit.Min || v > unit.Max) {
			p.add(at, "indicator %s: %s %v is outside the range of unit %s [%v, %v]", in.ID, what, v, unit.ID, unit.Min, unit.Max)
		}
	}

	// Baseline: exactly one of value, values or to_be_set.
	b := in.Baseline
	forms := 0
	if b.Value != nil {
		forms++
		inRange("baseline", *b.Value)
	}
	if len(b.Values) > 0 {
		forms++
		for _, v := range b.Values {
			inRange("baseline", v.Value)
			for k := range v.Breakdown {
				if !slices.Contains(in.Breakdowns, k) {
					p.add(at, "indicator %s: baseline breakdown %q is not one of its breakdowns", in.ID, k)
				}
			}
		}
	}
	if b.ToBeSet {
		forms++
		if b.Note == "" {
			p.add(at, "indicator %s: a baseline to be set needs a note saying why", in.ID)
		}
	}
	switch {
	case forms == 0:
		p.add(at, "indicator %s: baseline is missing (give value, values, or to_be_set with a note)", in.ID)
	case forms > 1:
		p.add(at, "indicator %s: baseline must have only one of value, values and to_be_set", in.ID)
	case !b.ToBeSet:
		if b.Period == "" {
			p.add(at, "indicator %s: baseline has no period", in.ID)
		} else if _, err := ParsePeriod(b.Period); err != nil {
			p.add(at, "indicator %s: baseline period: %v", in.ID, err)
		}
		cite(at, "indicator "+in.ID+" baseline", b.Citation)
	case b.Period != "":
		// To be set from the series' own figure for this period.
		if _, err := ParsePeriod(b.Period); err != nil {
			p.add(at, "indicator %s: baseline period: %v", in.ID, err)
		}
	}

	// Target: one of value, rank, direction, with a year.
	t := in.Target
	if t == nil {
		p.add(at, "indicator %s: target is missing", in.ID)
	} else {
		kinds := 0
		if t.Value != nil {
			kinds++
			inRange("target", *t.Value)
		}
		if t.Rank != 0 {
			kinds++
			if in.Unit != "rank" {
				p.add(at, "indicator %s: a rank target needs unit rank", in.ID)
			}
		}
		if t.Direction != "" {
			kinds++
			if t.Direction != "improve" {
				p.add(at, "indicator %s: target direction must be \"improve\", not %q", in.ID, t.Direction)
			}
		}
		if kinds != 1 {
			p.add(at, "indicator %s: target needs exactly one of value, rank and direction", in.ID)
		}
		if t.Year < 2025 || t.Year > 2040 {
			p.add(at, "indicator %s: target year %d is not within the plan's horizon (2025–2040)", in.ID, t.Year)
		}
		if t.Basis == "" {
			p.add(at, "indicator %s: target needs a basis (where it comes from)", in.ID)
		}
	}

	// Thresholds: the critical level lies beyond the warning level in the
	// bad direction.
	th := in.Thresholds
	if in.Unit == "rank" && in.Polarity != LowerIsBetter {
		p.add(at, "indicator %s: a rank is better when lower: polarity must be %s", in.ID, LowerIsBetter)
	}
	if th.Basis == "" {
		p.add(at, "indicator %s: thresholds need a basis", in.ID)
	}
	switch {
	case th.NotApplicable:
		if th.Warning != nil || th.Critical != nil {
			p.add(at, "indicator %s: thresholds are not_applicable but levels are given", in.ID)
		}
	case th.Warning == nil || th.Critical == nil:
		p.add(at, "indicator %s: warning and critical thresholds are required (or not_applicable with a basis)", in.ID)
	default:
		inRange("warning threshold", *th.Warning)
		inRange("critical threshold", *th.Critical)
		w, c := *th.Warning, *th.Critical
		if in.Polarity == LowerIsBetter && c <= w || in.Polarity == HigherIsBetter && c >= w {
			p.add(at, "indicator %s: critical threshold %v must lie beyond warning %v in the bad direction (%s)", in.ID, c, w, in.Polarity)
		}
	}
}

// MappingFields are the observation fields a source mapping may fill, besides
// breakdown dimensions.
var MappingFields = []string{"indicator", "period", "geography", "value", "numerator", "denominator", "ci_lower", "ci_upper"}

// RequestAPIs are the statistics-office APIs a jsonstat source may query.
var RequestAPIs = []string{"statbank", "pxweb-v1", "pxweb-v2"}

// validateSourceIngest checks that a fetched source says how to read it: a
// request for JSON-stat APIs, a mapping whose fields exist, and indicators
// that name this source.
func validateSourceIngest(p *problems, c *Catalogue, s Source, dims map[string]Dimension) {
	where := "source " + s.ID
	if s.Format == "submission" {
		if s.Request != nil || s.Mapping != nil || s.Snapshot != "" {
			p.add(s.Line, "%s: a submission source has no request, mapping or snapshot", where)
		}
		return
	}
	if s.URL == "" {
		p.add(s.Line, "%s: a fetched source needs a url", where)
	}
	if s.Format == "jsonstat" {
		switch {
		case s.Request == nil:
			p.add(s.Line, "%s: a jsonstat source needs a request (api, table, variables)", where)
		case !slices.Contains(RequestAPIs, s.Request.API):
			p.add(s.Line, "%s: request.api %q is not one of %s", where, s.Request.API, strings.Join(RequestAPIs, ", "))
		case s.Request.API == "statbank" && s.Request.Table == "":
			p.add(s.Line, "%s: a statbank request needs a table", where)
		}
		if s.Mapping == nil || s.Mapping.Columns["period"] == "" {
			p.add(s.Line, "%s: a jsonstat mapping must name the dimension that holds the period", where)
		}
	} else if s.Request != nil {
		p.add(s.Line, "%s: only jsonstat sources take a request", where)
	}
	if s.Format == "table" && (s.Mapping == nil || s.Mapping.Columns["value"] == "") {
		p.add(s.Line, "%s: a table mapping must name the value column", where)
	}
	m := s.Mapping
	if m == nil {
		return
	}
	known := func(field string) bool { _, dim := dims[field]; return slices.Contains(MappingFields, field) || dim }
	for _, part := range []map[string]string{m.Columns, m.Fixed} {
		for field := range part {
			if !known(field) {
				p.add(s.Line, "%s: mapping field %q is neither an observation field (%s) nor a dimension", where, field, strings.Join(MappingFields, ", "))
			}
		}
	}
	for field := range m.Codes {
		if !known(field) {
			p.add(s.Line, "%s: mapping.codes field %q is neither an observation field nor a dimension", where, field)
		}
	}
	if m.Scale < 0 {
		p.add(s.Line, "%s: mapping.scale must not be negative", where)
	}
	if m.Columns["indicator"] == "" && m.Fixed["indicator"] == "" {
		p.add(s.Line, "%s: the mapping must give the indicator, as a column or a fixed value", where)
	}
	if id := m.Fixed["indicator"]; id != "" {
		in, ok := c.index.indicators[id]
		switch {
		case !ok:
			p.add(s.Line, "%s: mapping.fixed.indicator %q is not in the catalogue", where, id)
		case in.Source != s.ID:
			p.add(s.Line, "%s: indicator %s takes its figures from source %s, not this one", where, id, in.Source)
		}
	}
	for field, codes := range m.Codes {
		if field != "indicator" {
			continue
		}
		for from, id := range codes {
			if in, ok := c.index.indicators[id]; !ok || in.Source != s.ID {
				p.add(s.Line, "%s: mapping.codes.indicator %q → %q is not an indicator of this source", where, from, id)
			}
		}
	}
}

// validateDerivation checks a derived indicator: a comparison series to
// derive from, a known method, countries and cancer sites that exist, and
// breakdowns that can hold the result.
func validateDerivation(p *problems, c *Catalogue, in Indicator) {
	d, at := in.Derived, in.Line
	from, ok := c.index.indicators[d.From]
	switch {
	case !ok:
		p.add(at, "indicator %s: derived.from %q is not in the catalogue", in.ID, d.From)
		return
	case from.Derived != nil:
		p.add(at, "indicator %s: derived.from %s is itself derived", in.ID, d.From)
	case !slices.Contains(from.Breakdowns, "country"):
		p.add(at, "indicator %s: derived.from %s is not broken down by country, so there is nothing to rank", in.ID, d.From)
	}
	switch d.Method {
	case NordicRank:
		if in.Unit != "rank" {
			p.add(at, "indicator %s: method %s gives a rank: unit must be rank", in.ID, d.Method)
		}
	case GapToBest:
		if in.Unit != "percentage_points" || in.Polarity != LowerIsBetter {
			p.add(at, "indicator %s: method %s gives a gap in percentage points, lower is better", in.ID, d.Method)
		}
	default:
		p.add(at, "indicator %s: derived.method %q is not %s or %s", in.ID, d.Method, NordicRank, GapToBest)
	}
	if in.Source != from.Source {
		p.add(at, "indicator %s: a derived indicator has the source of %s (%s), not %s", in.ID, from.ID, from.Source, in.Source)
	}
	if len(d.Countries) < 2 || !slices.Contains(d.Countries, "DK") {
		p.add(at, "indicator %s: derived.countries must include DK and at least one other country", in.ID)
	}
	for _, code := range d.Countries {
		if g, ok := c.index.geographies[strings.ToLower(code)]; !ok || g.Code != code || g.Kind != "country" {
			p.add(at, "indicator %s: derived.countries: %q is not a country code of the catalogue", in.ID, code)
		}
	}
	if len(d.CancerSites) == 0 {
		p.add(at, "indicator %s: derived.cancer_sites is empty", in.ID)
	}
	for _, site := range d.CancerSites {
		if e, ok := c.index.entities[site]; !ok || strconv.Itoa(e.Code) != site {
			p.add(at, "indicator %s: derived.cancer_sites: %q is not a cancer entity code", in.ID, site)
		}
	}
	if len(d.CancerSites) > 1 && !slices.Contains(in.Breakdowns, "cancer_site") {
		p.add(at, "indicator %s: several derived.cancer_sites need the breakdown cancer_site", in.ID)
	}
	for _, b := range in.Breakdowns {
		if !slices.Contains(from.Breakdowns, b) {
			p.add(at, "indicator %s: breakdown %q is not a breakdown of %s", in.ID, b, from.ID)
		}
		if b == "country" || b == "region" {
			p.add(at, "indicator %s: a derived indicator is Denmark's: it has no %s breakdown", in.ID, b)
		}
	}
}

// validateAlerting checks what the generated alert rules and routes rely on:
// an operator that is an organisation, absolute link addresses, a mail relay,
// and a receiver name for every organisation.
func validateAlerting(p *problems, c *Catalogue) {
	a := c.Alerting
	at := a.Line
	if _, ok := c.index.orgs[a.Operator]; !ok {
		p.add(at, "alerting.operator %q is not an organisation of the catalogue", a.Operator)
	}
	for name, u := range map[string]string{"api_url": a.APIURL, "grafana_url": a.GrafanaURL, "runbook_url": a.RunbookURL} {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			p.add(at, "alerting.%s %q is not an http(s) address", name, u)
		}
	}
	if a.SMTP.Smarthost == "" || !strings.Contains(a.SMTP.Smarthost, ":") || a.SMTP.From == "" {
		p.add(at, "alerting.smtp needs smarthost (host:port) and from")
	}
	receivers := map[string]Contact{}
	for _, o := range c.Organisations {
		if o.Contact.Receiver == "" {
			p.add(o.Line, "organisation %s: contact.receiver is empty", o.ID)
			continue
		}
		if o.Contact.Email == "" && o.Contact.Webhook == "" {
			p.add(o.Line, "organisation %s: contact needs an email or a webhook", o.ID)
		}
		if prev, ok := receivers[o.Contact.Receiver]; ok && prev != o.Contact {
			p.add(o.Line, "organisation %s: receiver %s is shared with another organisation but its addresses differ", o.ID, o.Contact.Receiver)
		}
		receivers[o.Contact.Receiver] = o.Contact
	}
}
