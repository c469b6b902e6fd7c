package indicators

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"
)

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

// validator checks a catalogue section by section, collecting every problem
// with its line; later sections look up what earlier ones declared.
type validator struct {
	problems
	c           *Catalogue
	docs        map[string]bool
	goals       map[int]bool
	areas       map[int]bool
	orgs        map[string]bool
	initiatives map[int]bool
	geos        map[string]Geography
	dims        map[string]Dimension
	sources     map[string]bool
	inds        map[string]bool
}

func (v *validator) problemf(line int, format string, args ...any) { v.add(line, format, args...) }

func (c *Catalogue) validate() error {
	v := &validator{problems: problems{file: c.Name}, c: c}
	if c.Version == "" {
		v.problemf(1, "version is missing")
	}
	v.documents()
	v.goalsSection()
	v.focusAreas()
	v.organisations()
	v.initiativesSection()
	v.funding()
	v.geographies()
	v.cancerEntities()
	v.dimensions()
	v.sourcesSection()
	v.alerting()
	v.c.validateMilestones(&v.problems, v.cite)
	validateVerdict(&v.problems, v.c)
	v.indicators()
	if len(v.list) > 0 {
		return &ValidationError{Problems: v.list}
	}
	return nil
}

// cite checks a citation: a known document with a section, or a url.
func (v *validator) cite(line int, what string, ct *Citation) {
	if ct == nil || (ct.Document == "" && ct.URL == "") {
		v.problemf(line, "%s has no citation (document and section, or url)", what)
		return
	}
	if ct.Document != "" && !v.docs[ct.Document] {
		v.problemf(line, "%s cites unknown document %q", what, ct.Document)
	}
	if ct.Document != "" && ct.Section == "" {
		v.problemf(line, "%s cites document %q without a section", what, ct.Document)
	}
}

func (v *validator) documents() {
	v.docs = map[string]bool{}
	for _, d := range v.c.Documents {
		if d.ID == "" || v.docs[d.ID] {
			v.problemf(d.Line, "document id %q is empty or duplicated", d.ID)
		}
		v.docs[d.ID] = true
	}
}

func (v *validator) goalsSection() {
	v.goals = map[int]bool{}
	for _, g := range v.c.Goals {
		if v.goals[g.ID] {
			v.problemf(g.Line, "duplicate goal id %d", g.ID)
		}
		v.goals[g.ID] = true
		if g.NameDA == "" || g.NameEN == "" {
			v.problemf(g.Line, "goal %d needs name_da and name_en", g.ID)
		}
		v.cite(g.Line, fmt.Sprintf("goal %d", g.ID), &g.Source)
	}
}

func (v *validator) focusAreas() {
	v.areas = map[int]bool{}
	for _, a := range v.c.FocusAreas {
		if v.areas[a.ID] {
			v.problemf(a.Line, "duplicate focus area id %d", a.ID)
		}
		v.areas[a.ID] = true
		v.cite(a.Line, fmt.Sprintf("focus area %d", a.ID), &a.Source)
	}
}

func (v *validator) organisations() {
	v.orgs = map[string]bool{}
	for _, o := range v.c.Organisations {
		if o.ID == "" || v.orgs[o.ID] {
			v.problemf(o.Line, "organisation id %q is empty or duplicated", o.ID)
		}
		v.orgs[o.ID] = true
		if o.Contact.Receiver == "" || o.Contact.Email == "" {
			v.problemf(o.Line, "organisation %q needs a contact receiver and email for alerts", o.ID)
		}
	}
}

func (v *validator) initiativesSection() {
	v.initiatives = map[int]bool{}
	for i, in := range v.c.Initiatives {
		if in.Number != i+1 {
			v.problemf(in.Line, "initiative number %d out of order: expected %d (numbered as in the plan)", in.Number, i+1)
		}
		v.initiatives[in.Number] = true
		if !v.areas[in.FocusArea] {
			v.problemf(in.Line, "initiative %d: unknown focus area %d", in.Number, in.FocusArea)
		}
		if len(in.Goals) == 0 {
			v.problemf(in.Line, "initiative %d serves no goal", in.Number)
		}
		for _, g := range in.Goals {
			if !v.goals[g] {
				v.problemf(in.Line, "initiative %d: unknown goal %d", in.Number, g)
			}
		}
		for _, l := range in.Lead {
			if !v.orgs[l] {
				v.problemf(in.Line, "initiative %d: unknown lead organisation %q", in.Number, l)
			}
		}
		if in.NameDA == "" || in.NameEN == "" {
			v.problemf(in.Line, "initiative %d needs name_da and name_en", in.Number)
		}
		v.cite(in.Line, fmt.Sprintf("initiative %d", in.Number), &in.Source)
	}
}

func (v *validator) funding() {
	for _, t := range v.c.FundingTables {
		v.cite(t.Line, "funding table "+t.ID, &t.Source)
		if len(t.StatedTotals) != len(t.Columns) {
			v.problemf(t.Line, "funding table %s: %d stated totals for %d columns", t.ID, len(t.StatedTotals), len(t.Columns))
		}
		seen := map[string]bool{}
		for _, l := range t.Lines {
			v.fundingLine(t, l, 0, seen)
		}
	}
}

// fundingLine checks one line of a funding table and the parts under it.
func (v *validator) fundingLine(t FundingTable, l FundingLine, depth int, seen map[string]bool) {
	if l.ID == "" || seen[l.ID] {
		v.problemf(t.Line, "funding table %s: line id %q is empty or duplicated", t.ID, l.ID)
	}
	seen[l.ID] = true
	if len(l.Amounts) != len(t.Columns) {
		v.problemf(t.Line, "funding table %s, line %s: %d amounts for %d columns", t.ID, l.ID, len(l.Amounts), len(t.Columns))
	}
	for _, a := range l.Amounts {
		if a < 0 {
			v.problemf(t.Line, "funding table %s, line %s: negative amount %v", t.ID, l.ID, a)
		}
	}
	for _, n := range l.Initiatives {
		if !v.initiatives[n] {
			v.problemf(t.Line, "funding table %s, line %s: unknown initiative %d", t.ID, l.ID, n)
		}
	}
	if depth > 0 && l.Recipient == "" {
		v.problemf(t.Line, "funding table %s, line %s: a part needs a recipient", t.ID, l.ID)
	}
	for _, part := range l.Parts {
		v.fundingLine(t, part, depth+1, seen)
	}
}

// geographies checks codes, kinds and aliases, and that an organisation's
// region is a region.
func (v *validator) geographies() {
	v.geos = map[string]Geography{}
	aliases := map[string]string{}
	kinds := make([]string, len(GeographyKinds))
	for i, k := range GeographyKinds {
		kinds[i] = string(k)
	}
	for _, g := range v.c.Geographies {
		if _, dup := v.geos[g.Code]; dup || g.Code == "" {
			v.problemf(g.Line, "geography code %q is empty or duplicated", g.Code)
		}
		v.geos[g.Code] = g
		if !g.Kind.Valid() {
			v.problemf(g.Line, "geography %s: kind must be %s, not %q", g.Code, strings.Join(kinds, " or "), g.Kind)
		}
		for _, a := range append([]string{g.Code}, g.Aliases...) {
			k := strings.ToLower(a)
			if other, dup := aliases[k]; dup && other != g.Code {
				v.problemf(g.Line, "geography %s: alias %q already names %s", g.Code, a, other)
			}
			aliases[k] = g.Code
		}
	}
	for _, o := range v.c.Organisations {
		if o.Region != "" && v.geos[o.Region].Kind != GeoRegion {
			v.problemf(o.Line, "organisation %s: region %q is not a region geography", o.ID, o.Region)
		}
	}
}

func (v *validator) cancerEntities() {
	entities := map[int]bool{}
	for _, e := range v.c.CancerEntities {
		if entities[e.Code] {
			v.problemf(e.Line, "duplicate cancer entity %d", e.Code)
		}
		entities[e.Code] = true
	}
}

func (v *validator) dimensions() {
	v.dims = map[string]Dimension{}
	for _, d := range v.c.Dimensions {
		if _, dup := v.dims[d.ID]; dup {
			v.problemf(d.Line, "duplicate dimension %q", d.ID)
		}
		if IsGeographyLevel(d.ID) {
			v.problemf(d.Line, "dimension %q clashes with a geography level", d.ID)
		}
		if len(d.Values) == 0 && !d.FromCancerEntities {
			v.problemf(d.Line, "dimension %q has no values", d.ID)
		}
		v.dims[d.ID] = d
	}
}

func (v *validator) sourcesSection() {
	v.sources = map[string]bool{}
	for _, s := range v.c.Sources {
		if s.ID == "" || v.sources[s.ID] {
			v.problemf(s.Line, "source id %q is empty or duplicated", s.ID)
		}
		v.sources[s.ID] = true
		v.wavesOf(s)
		if !s.Format.Known() {
			v.problemf(s.Line, "source %s: unknown format %q (want one of %s)", s.ID, s.Format, formatList())
		}
		if s.Schedule != "" {
			if _, err := ParseSchedule(s.Schedule); err != nil {
				v.problemf(s.Line, "source %s: %v", s.ID, err)
			}
		} else if !s.Format.Submitted() {
			v.problemf(s.Line, "source %s: a fetched source needs a schedule", s.ID)
		}
		if s.FailingAfter != "" {
			if d, err := model.ParseDuration(s.FailingAfter); err != nil || d <= 0 {
				v.problemf(s.Line, "source %s: failing_after %q is not a positive duration such as 15d", s.ID, s.FailingAfter)
			}
		}
		if s.Release.EveryMonths <= 0 {
			v.problemf(s.Line, "source %s: release.every_months must be positive", s.ID)
		}
		if s.Release.Month < 0 || s.Release.Month > 12 {
			v.problemf(s.Line, "source %s: release.month %d is not a month", s.ID, s.Release.Month)
		}
		if !s.Format.Submitted() { // submitted figures are cited per batch in the audit log
			v.cite(s.Line, "source "+s.ID, &s.Citation)
		}
	}
	for _, s := range v.c.Sources {
		validateSourceIngest(&v.problems, v.c, s, v.dims)
	}
}

// indicators checks every indicator, then the derived ones against what
// they derive from, then that every goal is measured.
func (v *validator) indicators() {
	v.inds = map[string]bool{}
	perGoal := map[int]int{}
	for _, in := range v.c.Indicators {
		v.indicator(in)
		v.breaksOf(in)
		v.inds[in.ID] = true
		perGoal[in.Goal]++
	}
	for _, in := range v.c.Indicators {
		if in.Derived != nil {
			v.derivation(in)
		}
	}
	for _, g := range v.c.Goals {
		if perGoal[g.ID] < 3 {
			v.problemf(g.Line, "goal %d has %d indicator(s); every goal needs at least 3", g.ID, perGoal[g.ID])
		}
	}
}

func (v *validator) indicator(in Indicator) {
	at := in.Line
	if in.ID == "" {
		v.problemf(at, "indicator without id")
	}
	if v.inds[in.ID] {
		v.problemf(at, "duplicate indicator id %q", in.ID)
	}
	if !v.goals[in.Goal] {
		v.problemf(at, "indicator %s: unknown goal %d", in.ID, in.Goal)
	}
	if in.NameDA == "" || in.NameEN == "" {
		v.problemf(at, "indicator %s needs name_da and name_en", in.ID)
	}
	if !in.Unit.Valid() {
		v.problemf(at, "indicator %s: unknown unit %q", in.ID, in.Unit)
	}
	if !in.Polarity.Valid() {
		v.problemf(at, "indicator %s: polarity must be %s or %s, not %q", in.ID, HigherIsBetter, LowerIsBetter, in.Polarity)
	}
	if !v.orgs[in.Owner] {
		v.problemf(at, "indicator %s: unknown owner %q", in.ID, in.Owner)
	}
	if !v.sources[in.Source] {
		v.problemf(at, "indicator %s: unknown source %q", in.ID, in.Source)
	}
	if in.Methodology == "" {
		v.problemf(at, "indicator %s: methodology note is missing", in.ID)
	}
	for _, n := range in.Initiatives {
		if !v.initiatives[n] {
			v.problemf(at, "indicator %s: unknown initiative %d", in.ID, n)
		}
	}
	for _, b := range in.Breakdowns {
		if IsGeographyLevel(b) {
			continue
		}
		if _, ok := v.dims[b]; !ok {
			v.problemf(at, "indicator %s: unknown breakdown %q", in.ID, b)
		}
	}
	v.baseline(in)
	v.target(in)
	v.thresholds(in)
}

// inRange checks that a level of the indicator lies within its unit's
// bounds (an unknown unit is reported once, by indicator).
func (v *validator) inRange(in Indicator, what string, x float64) {
	if in.Unit.Valid() && !in.Unit.Contains(x) {
		lo, hi := in.Unit.Bounds()
		v.problemf(in.Line, "indicator %s: %s %v is outside the range of unit %s [%v, %v]", in.ID, what, x, in.Unit, lo, hi)
	}
}

// baseline: exactly one of value, values or to_be_set.
func (v *validator) baseline(in Indicator) {
	at, b := in.Line, in.Baseline
	forms := 0
	if b.Value != nil {
		forms++
		v.inRange(in, "baseline", *b.Value)
	}
	if len(b.Values) > 0 {
		forms++
		for _, bv := range b.Values {
			v.inRange(in, "baseline", bv.Value)
			for k := range bv.Breakdown {
				if !slices.Contains(in.Breakdowns, k) {
					v.problemf(at, "indicator %s: baseline breakdown %q is not one of its breakdowns", in.ID, k)
				}
			}
		}
	}
	if b.ToBeSet {
		forms++
		if b.Note == "" {
			v.problemf(at, "indicator %s: a baseline to be set needs a note saying why", in.ID)
		}
	}
	switch {
	case forms == 0:
		v.problemf(at, "indicator %s: baseline is missing (give value, values, or to_be_set with a note)", in.ID)
	case forms > 1:
		v.problemf(at, "indicator %s: baseline must have only one of value, values and to_be_set", in.ID)
	case !b.ToBeSet:
		if b.Period == "" {
			v.problemf(at, "indicator %s: baseline has no period", in.ID)
		} else if _, err := ParsePeriod(b.Period); err != nil {
			v.problemf(at, "indicator %s: baseline period: %v", in.ID, err)
		}
		v.cite(at, "indicator "+in.ID+" baseline", b.Citation)
	case b.Period != "":
		// To be set from the series' own figure for this period.
		if _, err := ParsePeriod(b.Period); err != nil {
			v.problemf(at, "indicator %s: baseline period: %v", in.ID, err)
		}
	}
}

// target: one of value, rank, direction, with a year.
func (v *validator) target(in Indicator) {
	at, t := in.Line, in.Target
	if t == nil {
		v.problemf(at, "indicator %s: target is missing", in.ID)
		return
	}
	kinds := 0
	if t.Value != nil {
		kinds++
		v.inRange(in, "target", *t.Value)
	}
	if t.Rank != 0 {
		kinds++
		if in.Unit != UnitRank {
			v.problemf(at, "indicator %s: a rank target needs unit rank", in.ID)
		}
	}
	if t.Direction != "" {
		kinds++
		if t.Direction != DirectionImprove {
			v.problemf(at, "indicator %s: target direction must be %q, not %q", in.ID, DirectionImprove, t.Direction)
		}
	}
	if kinds != 1 {
		v.problemf(at, "indicator %s: target needs exactly one of value, rank and direction", in.ID)
	}
	if t.Year < 2025 || t.Year > 2040 {
		v.problemf(at, "indicator %s: target year %d is not within the plan's horizon (2025–2040)", in.ID, t.Year)
	}
	if t.Basis == "" {
		v.problemf(at, "indicator %s: target needs a basis (where it comes from)", in.ID)
	}
}

// thresholds: the critical level lies beyond the warning level in the bad
// direction.
func (v *validator) thresholds(in Indicator) {
	at, th := in.Line, in.Thresholds
	if in.Unit == UnitRank && in.Polarity != LowerIsBetter {
		v.problemf(at, "indicator %s: a rank is better when lower: polarity must be %s", in.ID, LowerIsBetter)
	}
	if th.Basis == "" {
		v.problemf(at, "indicator %s: thresholds need a basis", in.ID)
	}
	switch {
	case th.NotApplicable:
		if th.Warning != nil || th.Critical != nil {
			v.problemf(at, "indicator %s: thresholds are not_applicable but levels are given", in.ID)
		}
	case th.Warning == nil || th.Critical == nil:
		v.problemf(at, "indicator %s: warning and critical thresholds are required (or not_applicable with a basis)", in.ID)
	default:
		v.inRange(in, "warning threshold", *th.Warning)
		v.inRange(in, "critical threshold", *th.Critical)
		w, c := *th.Warning, *th.Critical
		if in.Polarity.Valid() && !in.Polarity.Better(w, c) {
			v.problemf(at, "indicator %s: critical threshold %v must lie beyond warning %v in the bad direction (%s)", in.ID, c, w, in.Polarity)
		}
	}
}

// MappingFields are the observation fields a source mapping may fill, besides
// breakdown dimensions.
var MappingFields = []string{"indicator", "period", "geography", "value", "numerator", "denominator", "ci_lower", "ci_upper", "published"}

// RequestAPIs are the statistics-office APIs a jsonstat source may query.
var RequestAPIs = []string{"statbank", "pxweb-v1", "pxweb-v2", "eurostat"}

// validateSourceIngest checks that a fetched source says how to read it: a
// request for JSON-stat APIs, a mapping whose fields exist, and indicators
// that name this source.
func validateSourceIngest(p *problems, c *Catalogue, s Source, dims map[string]Dimension) {
	where := "source " + s.ID
	validateSnapshots(p, s)
	if s.Format.Submitted() {
		if s.Request != nil || s.Mapping != nil || len(s.Files()) > 0 {
			p.add(s.Line, "%s: a submission source has no request, mapping or snapshot", where)
		}
		return
	}
	if s.URL == "" {
		p.add(s.Line, "%s: a fetched source needs a url", where)
	}
	if s.Format.TakesRequest() {
		switch {
		case s.Request == nil:
			p.add(s.Line, "%s: a jsonstat source needs a request (api, table, variables)", where)
		case !slices.Contains(RequestAPIs, s.Request.API):
			p.add(s.Line, "%s: request.api %q is not one of %s", where, s.Request.API, strings.Join(RequestAPIs, ", "))
		case s.Request.API == "statbank" && s.Request.Table == "":
			p.add(s.Line, "%s: a statbank request needs a table", where)
		}
	} else if s.Request != nil {
		p.add(s.Line, "%s: only jsonstat sources take a request", where)
	}
	if field, names := s.Format.RequiredColumn(); field != "" && (s.Mapping == nil || s.Mapping.Columns[field] == "") {
		p.add(s.Line, "%s: a %s mapping must name %s", where, s.Format, names)
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

// derivation checks a derived indicator: a comparison series to
// derive from, a known method, countries and cancer sites that exist, and
// breakdowns that can hold the result.
func (v *validator) derivation(in Indicator) {
	d, at := in.Derived, in.Line
	from, ok := v.c.index.indicators[d.From]
	switch {
	case !ok:
		v.problemf(at, "indicator %s: derived.from %q is not in the catalogue", in.ID, d.From)
		return
	case from.Derived != nil:
		v.problemf(at, "indicator %s: derived.from %s is itself derived", in.ID, d.From)
	case !slices.Contains(from.Breakdowns, string(GeoCountry)):
		v.problemf(at, "indicator %s: derived.from %s is not broken down by country, so there is nothing to rank", in.ID, d.From)
	}
	switch d.Method {
	case NordicRank:
		if in.Unit != UnitRank {
			v.problemf(at, "indicator %s: method %s gives a rank: unit must be rank", in.ID, d.Method)
		}
	case GapToBest:
		if in.Unit != UnitPercentagePoints || in.Polarity != LowerIsBetter {
			v.problemf(at, "indicator %s: method %s gives a gap in percentage points, lower is better", in.ID, d.Method)
		}
	default:
		v.problemf(at, "indicator %s: derived.method %q is not %s or %s", in.ID, d.Method, NordicRank, GapToBest)
	}
	if in.Source != from.Source {
		v.problemf(at, "indicator %s: a derived indicator has the source of %s (%s), not %s", in.ID, from.ID, from.Source, in.Source)
	}
	if len(d.Countries) < 2 || !slices.Contains(d.Countries, "DK") {
		v.problemf(at, "indicator %s: derived.countries must include DK and at least one other country", in.ID)
	}
	for _, code := range d.Countries {
		if g, ok := v.c.index.geographies[strings.ToLower(code)]; !ok || g.Code != code || g.Kind != GeoCountry {
			v.problemf(at, "indicator %s: derived.countries: %q is not a country code of the catalogue", in.ID, code)
		}
	}
	if len(d.CancerSites) == 0 {
		v.problemf(at, "indicator %s: derived.cancer_sites is empty", in.ID)
	}
	for _, site := range d.CancerSites {
		if e, ok := v.c.index.entities[site]; !ok || strconv.Itoa(e.Code) != site {
			v.problemf(at, "indicator %s: derived.cancer_sites: %q is not a cancer entity code", in.ID, site)
		}
	}
	if len(d.CancerSites) > 1 && !slices.Contains(in.Breakdowns, "cancer_site") {
		v.problemf(at, "indicator %s: several derived.cancer_sites need the breakdown cancer_site", in.ID)
	}
	for _, b := range in.Breakdowns {
		if !slices.Contains(from.Breakdowns, b) {
			v.problemf(at, "indicator %s: breakdown %q is not a breakdown of %s", in.ID, b, from.ID)
		}
		if IsGeographyLevel(b) {
			v.problemf(at, "indicator %s: a derived indicator is Denmark's: it has no %s breakdown", in.ID, b)
		}
	}
}

// alerting checks what the generated alert rules and routes rely on:
// an operator that is an organisation, absolute link addresses, a mail relay,
// and a receiver name for every organisation.
func (v *validator) alerting() {
	a := v.c.Alerting
	at := a.Line
	if _, ok := v.c.index.orgs[a.Operator]; !ok {
		v.problemf(at, "alerting.operator %q is not an organisation of the catalogue", a.Operator)
	}
	for name, u := range map[string]string{"api_url": a.APIURL, "grafana_url": a.GrafanaURL, "runbook_url": a.RunbookURL} {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			v.problemf(at, "alerting.%s %q is not an http(s) address", name, u)
		}
	}
	if a.SMTP.Smarthost == "" || !strings.Contains(a.SMTP.Smarthost, ":") || a.SMTP.From == "" {
		v.problemf(at, "alerting.smtp needs smarthost (host:port) and from")
	}
	receivers := map[string]Contact{}
	for _, o := range v.c.Organisations {
		if o.Contact.Receiver == "" {
			v.problemf(o.Line, "organisation %s: contact.receiver is empty", o.ID)
			continue
		}
		if o.Contact.Email == "" && o.Contact.Webhook == "" {
			v.problemf(o.Line, "organisation %s: contact needs an email or a webhook", o.ID)
		}
		if prev, ok := receivers[o.Contact.Receiver]; ok && prev != o.Contact {
			v.problemf(o.Line, "organisation %s: receiver %s is shared with another organisation but its addresses differ", o.ID, o.Contact.Receiver)
		}
		receivers[o.Contact.Receiver] = o.Contact
	}
}
