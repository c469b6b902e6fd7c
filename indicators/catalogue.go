// Package indicators holds the plan catalogue: Kræftplan V's goals, focus
// areas, initiatives and funding, the organisations that own the follow-up,
// the geographies, the sources and the indicators that measure the goals.
//
// The catalogue is one human-edited YAML file (catalogue.yaml), embedded in
// the binary and validated on load. Everything else in kpv — the database
// tables, the API, the alert rules and Alertmanager routes (alerts/), the
// dashboards (grafana/) and the report — is derived from it. The package
// also holds the domain's vocabulary (units, polarity, kinds, formats) and
// the figure itself (Observation) with the batch check every write passes.
package indicators

import (
	_ "embed"
	"time"
)

// Embedded is the catalogue shipped with this build.
//
//go:embed catalogue.yaml
var Embedded []byte

// EmbeddedName is the name errors use for the embedded catalogue.
const EmbeddedName = "indicators/catalogue.yaml"

// Catalogue is the whole plan catalogue.
type Catalogue struct {
	Version        string         `yaml:"version" json:"version"`
	Plan           Plan           `yaml:"plan" json:"plan"`
	Documents      []Document     `yaml:"documents" json:"documents"`
	Goals          []Goal         `yaml:"goals" json:"goals"`
	FocusAreas     []FocusArea    `yaml:"focus_areas" json:"focus_areas"`
	Initiatives    []Initiative   `yaml:"initiatives" json:"initiatives"`
	FundingTables  []FundingTable `yaml:"funding_tables" json:"funding_tables"`
	Organisations  []Organisation `yaml:"organisations" json:"organisations"`
	Geographies    []Geography    `yaml:"geographies" json:"geographies"`
	CancerEntities []CancerEntity `yaml:"cancer_entities" json:"cancer_entities"`
	Dimensions     []Dimension    `yaml:"dimensions" json:"dimensions"`
	Sources        []Source       `yaml:"sources" json:"sources"`
	Indicators     []Indicator    `yaml:"indicators" json:"indicators"`
	Milestones     []Milestone    `yaml:"milestones" json:"milestones"`
	Alerting       Alerting       `yaml:"alerting" json:"alerting"`
	Verdict        VerdictRule    `yaml:"verdict" json:"verdict"`

	// Name is the file the catalogue was read from, for messages.
	Name string `yaml:"-" json:"-"`
	// Hash is the SHA-256 of the file's bytes, recorded when it is synchronised.
	Hash string `yaml:"-" json:"-"`

	index index
}

// Plan describes the plan the catalogue follows up.
type Plan struct {
	TitleDA   string `yaml:"title_da" json:"title_da"`
	TitleEN   string `yaml:"title_en" json:"title_en"`
	Published string `yaml:"published" json:"published"`
}

// Document is a source document that citations point into.
type Document struct {
	ID        string `yaml:"id" json:"id"`
	TitleDA   string `yaml:"title_da" json:"title_da"`
	TitleEN   string `yaml:"title_en" json:"title_en"`
	Publisher string `yaml:"publisher" json:"publisher"`
	Published string `yaml:"published" json:"published"`
	File      string `yaml:"file,omitempty" json:"file,omitempty"`
	URL       string `yaml:"url,omitempty" json:"url,omitempty"`
	Line      int    `yaml:"-" json:"-"`
}

// Citation says where a figure or a wording comes from: a section of one of
// the catalogue's documents, or a published page.
type Citation struct {
	Document string `yaml:"document,omitempty" json:"document,omitempty"`
	Section  string `yaml:"section,omitempty" json:"section,omitempty"`
	Title    string `yaml:"title,omitempty" json:"title,omitempty"`
	URL      string `yaml:"url,omitempty" json:"url,omitempty"`
	Note     string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Goal is one of the plan's three målsætninger.
type Goal struct {
	ID      int      `yaml:"id" json:"id"`
	Key     string   `yaml:"key" json:"key"`
	NameDA  string   `yaml:"name_da" json:"name_da"`
	NameEN  string   `yaml:"name_en" json:"name_en"`
	ShortDA string   `yaml:"short_da" json:"short_da"`
	ShortEN string   `yaml:"short_en" json:"short_en"`
	Source  Citation `yaml:"source" json:"source"`
	// FindingDA and FindingEN are kpv's finding on what the goal's figures
	// lack, shown with the verdict while none of its indicators has
	// figures: who must act, and what exists to compare with.
	FindingDA string `yaml:"finding_da,omitempty" json:"finding_da,omitempty"`
	FindingEN string `yaml:"finding_en,omitempty" json:"finding_en,omitempty"`
	Line      int    `yaml:"-" json:"-"`
}

// FocusArea is one of the plan's four indsatsområder.
type FocusArea struct {
	ID     int      `yaml:"id" json:"id"`
	NameDA string   `yaml:"name_da" json:"name_da"`
	NameEN string   `yaml:"name_en" json:"name_en"`
	Source Citation `yaml:"source" json:"source"`
	Line   int      `yaml:"-" json:"-"`
}

// Initiative is one of the plan's 36 initiatives, numbered as in the plan.
type Initiative struct {
	Number    int      `yaml:"number" json:"number"`
	NameDA    string   `yaml:"name_da" json:"name_da"`
	NameEN    string   `yaml:"name_en" json:"name_en"`
	FocusArea int      `yaml:"focus_area" json:"focus_area"`
	Goals     []int    `yaml:"goals" json:"goals"`
	SummaryDA string   `yaml:"summary_da" json:"summary_da"`
	SummaryEN string   `yaml:"summary_en" json:"summary_en"`
	Lead      []string `yaml:"lead" json:"lead"`
	Source    Citation `yaml:"source" json:"source"`
	Line      int      `yaml:"-" json:"-"`
}

// FundingTable is a table of appropriations as printed in a document: the
// plan's "Økonomi" table or Tabel 1 of the 2025 implementation agreement.
type FundingTable struct {
	ID      string   `yaml:"id" json:"id"`
	TitleDA string   `yaml:"title_da" json:"title_da"`
	TitleEN string   `yaml:"title_en" json:"title_en"`
	Source  Citation `yaml:"source" json:"source"`
	Unit    string   `yaml:"unit" json:"unit"`
	// Columns are the table's column headings: years, and "varigt"
	// (permanent) where the table has it.
	Columns []string `yaml:"columns" json:"columns"`
	// StatedTotals are the "I alt" figures the document prints, per column.
	StatedTotals []float64 `yaml:"stated_totals" json:"stated_totals"`
	// Tolerance is how far the sum of the lines may differ from a stated
	// total, because the document rounds its lines (see RoundingNote).
	Tolerance    float64       `yaml:"tolerance" json:"tolerance"`
	RoundingNote string        `yaml:"rounding_note,omitempty" json:"rounding_note,omitempty"`
	Lines        []FundingLine `yaml:"lines" json:"lines"`
	Line         int           `yaml:"-" json:"-"`
}

// FundingLine is one row of a funding table. Parts are the rows printed
// under it ("Heraf regioner", …); they are not added to the total again.
type FundingLine struct {
	ID          string        `yaml:"id" json:"id"`
	NameDA      string        `yaml:"name_da" json:"name_da"`
	NameEN      string        `yaml:"name_en" json:"name_en"`
	Recipient   string        `yaml:"recipient,omitempty" json:"recipient,omitempty"`
	Initiatives []int         `yaml:"initiatives,omitempty" json:"initiatives,omitempty"`
	Amounts     []float64     `yaml:"amounts" json:"amounts"`
	Note        string        `yaml:"note,omitempty" json:"note,omitempty"`
	Parts       []FundingLine `yaml:"parts,omitempty" json:"parts,omitempty"`
}

// Organisation is a body responsible for initiatives or indicators, with the
// route alerts take to reach it.
type Organisation struct {
	ID     string `yaml:"id" json:"id"`
	NameDA string `yaml:"name_da" json:"name_da"`
	NameEN string `yaml:"name_en" json:"name_en"`
	Kind   string `yaml:"kind" json:"kind"`
	// Region is the geography code of a region's own figures.
	Region  string  `yaml:"region,omitempty" json:"region,omitempty"`
	Contact Contact `yaml:"contact" json:"contact"`
	Line    int     `yaml:"-" json:"-"`
}

// Contact is where an organisation's alerts go. The addresses in the shipped
// catalogue are placeholders on the reserved .invalid domain: the real
// functional mailboxes are set at deployment (see docs/metrics-and-alerts.md, "Routing").
type Contact struct {
	Receiver string `yaml:"receiver" json:"receiver"`
	Email    string `yaml:"email" json:"email"`
	Webhook  string `yaml:"webhook,omitempty" json:"webhook,omitempty"`
}

// Alerting says where alerts point and who runs kpv. The alert rules and the
// Alertmanager configuration are generated from it and from the
// organisations' contacts (alerts/).
type Alerting struct {
	// Operator is the organisation that runs kpv: it is told when kpv is
	// down or not scraped, and when a source keeps failing.
	Operator string `yaml:"operator" json:"operator"`
	// APIURL, GrafanaURL and RunbookURL are the public addresses alerts
	// link to: kpv's API, the Grafana holding grafana/'s dashboards, and
	// the runbook (alerts/RUNBOOK.md) with an anchor per alert.
	APIURL     string `yaml:"api_url" json:"api_url"`
	GrafanaURL string `yaml:"grafana_url" json:"grafana_url"`
	RunbookURL string `yaml:"runbook_url" json:"runbook_url"`
	// SMTP is the relay e-mail alerts are sent through.
	SMTP SMTP `yaml:"smtp" json:"smtp"`
	Line int  `yaml:"-" json:"-"`
}

// SMTP is an outgoing mail relay.
type SMTP struct {
	Smarthost  string `yaml:"smarthost" json:"smarthost"`
	From       string `yaml:"from" json:"from"`
	RequireTLS bool   `yaml:"require_tls" json:"require_tls"`
}

// Geography is Denmark, a Danish region or a Nordic country.
type Geography struct {
	Code       string        `yaml:"code" json:"code"`
	Kind       GeographyKind `yaml:"kind" json:"kind"`
	NameDA     string        `yaml:"name_da" json:"name_da"`
	NameEN     string        `yaml:"name_en" json:"name_en"`
	ISONumeric int           `yaml:"iso_numeric,omitempty" json:"iso_numeric,omitempty"`
	Aliases    []string      `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	Note       string        `yaml:"note,omitempty" json:"note,omitempty"`
	Line       int           `yaml:"-" json:"-"`
}

// CancerEntity is a NORDCAN cancer entity.
type CancerEntity struct {
	Code   int    `yaml:"code" json:"code"`
	NameDA string `yaml:"name_da" json:"name_da"`
	NameEN string `yaml:"name_en" json:"name_en"`
	Line   int    `yaml:"-" json:"-"`
}

// Dimension is a breakdown other than geography, with the values it takes.
type Dimension struct {
	ID     string           `yaml:"id" json:"id"`
	NameDA string           `yaml:"name_da" json:"name_da"`
	NameEN string           `yaml:"name_en" json:"name_en"`
	Values []DimensionValue `yaml:"values,omitempty" json:"values,omitempty"`
	// FromCancerEntities makes the cancer entities the dimension's values.
	FromCancerEntities bool `yaml:"from_cancer_entities,omitempty" json:"from_cancer_entities,omitempty"`
	Line               int  `yaml:"-" json:"-"`
}

// DimensionValue is one value of a breakdown dimension.
type DimensionValue struct {
	Code   string `yaml:"code" json:"code"`
	NameDA string `yaml:"name_da" json:"name_da"`
	NameEN string `yaml:"name_en" json:"name_en"`
}

// Source is a publication that indicator data come from.
type Source struct {
	ID        string `yaml:"id" json:"id"`
	NameDA    string `yaml:"name_da" json:"name_da"`
	NameEN    string `yaml:"name_en" json:"name_en"`
	Publisher string `yaml:"publisher" json:"publisher"`
	// Format is how the source is read: jsonstat, nordcan-survival, table,
	// or submission (figures only published in reports, sent through the API).
	Format   Format `yaml:"format" json:"format"`
	URL      string `yaml:"url,omitempty" json:"url,omitempty"`
	Schedule string `yaml:"schedule,omitempty" json:"schedule,omitempty"`
	// FailingAfter is how long without a successful run before the
	// source-failing alert fires (a Prometheus duration such as 15d);
	// by default two scheduled runs plus a day.
	FailingAfter string   `yaml:"failing_after,omitempty" json:"failing_after,omitempty"`
	Release      Release  `yaml:"release" json:"release"`
	Citation     Citation `yaml:"citation" json:"citation"`
	Note         string   `yaml:"note,omitempty" json:"note,omitempty"`
	// Snapshot is the file of real published figures shipped with kpv
	// (ingest/snapshots), read instead of URL when kpv runs offline.
	Snapshot string `yaml:"snapshot,omitempty" json:"snapshot,omitempty"`
	// Publications name the publications the source's figures were read
	// from (a newspaper article, a news item, a report), each by the date
	// its figures carry as published: a figure whose publication date is
	// one of these is cited by it; any other by the source itself.
	Publications []Publication `yaml:"publications,omitempty" json:"publications,omitempty"`
	// Snapshots, instead of Snapshot, lists several shipped files, each
	// with when its figures were published, the publisher's release and
	// fixed values for what the file itself does not say.
	Snapshots []SnapshotFile `yaml:"snapshots,omitempty" json:"snapshots,omitempty"`
	// Request says how to ask a statistics office's API (jsonstat sources).
	Request *Request `yaml:"request,omitempty" json:"request,omitempty"`
	// Mapping says how the publisher's rows or cells become observations.
	Mapping *Mapping `yaml:"mapping,omitempty" json:"mapping,omitempty"`
	// SurveyWaves are a survey's rounds with their total respondents,
	// where the items' own bases are not published (breaks.go).
	SurveyWaves []SurveyWave `yaml:"survey_waves,omitempty" json:"survey_waves,omitempty"`
	// Review says how far a run may revise published figures of one
	// release before the revisions are held for an admin (issue 26); a
	// value outside the replaced figure's interval is always held.
	Review *RevisionReview `yaml:"review,omitempty" json:"review,omitempty"`
	Line   int             `yaml:"-" json:"-"`
}

// RevisionReview is a source's tolerance for revisions within a release.
type RevisionReview struct {
	// Tolerance is the largest change (in the indicator's unit) of a
	// figure that goes through; 0 holds none on this ground.
	Tolerance float64 `yaml:"tolerance,omitempty" json:"tolerance,omitempty"`
	// MaxSeries is how many series one run may revise before all its
	// revisions are held; 0 means no limit.
	MaxSeries int `yaml:"max_series,omitempty" json:"max_series,omitempty"`
}

// Publication is where a source's figures were published: who published
// them, under which title, when (YYYY-MM-DD, or YYYY-MM / YYYY where only
// that is known) and at which address.
type Publication struct {
	Published string `yaml:"published" json:"published"`
	Publisher string `yaml:"publisher" json:"publisher"`
	Title     string `yaml:"title" json:"title"`
	URL       string `yaml:"url,omitempty" json:"url,omitempty"`
}

// PublicationOf is the publication of a figure of the source published at
// t: the one of Publications with that date (false if none).
func (s *Source) PublicationOf(t time.Time) (Publication, bool) {
	if t.IsZero() {
		return Publication{}, false
	}
	for _, p := range s.Publications {
		if d, err := ParsePublished(p.Published); err == nil && d.Equal(t) {
			return p, true
		}
	}
	return Publication{}, false
}

// FilePublished is the publication date, as the catalogue gives it, of the
// shipped snapshot file whose figures were published at t (false if none).
func (s *Source) FilePublished(t time.Time) (string, bool) {
	for _, f := range s.Files() {
		if d, err := ParsePublished(f.Published); err == nil && f.Published != "" && d.Equal(t) {
			return f.Published, true
		}
	}
	return "", false
}

// SnapshotFile is one shipped file of a source's real published figures.
type SnapshotFile struct {
	File string `yaml:"file" json:"file"`
	// Published is when its figures were published (YYYY-MM-DD, or
	// YYYY-MM / YYYY where only that is known).
	Published string `yaml:"published" json:"published"`
	// Release is the publisher's release label, e.g. NORDCAN "9.2".
	Release string `yaml:"release,omitempty" json:"release,omitempty"`
	// Fixed values for fields the file does not carry (the sex of a
	// single-sex export).
	Fixed map[string]string `yaml:"fixed,omitempty" json:"fixed,omitempty"`
	// FollowUp is the survival follow-up in years of a file that does not
	// state it itself ("5"): a figure's meaning is stated, never guessed.
	FollowUp string `yaml:"follow_up,omitempty" json:"follow_up,omitempty"`
}

// Files lists the source's shipped snapshot files.
func (s *Source) Files() []SnapshotFile {
	if len(s.Snapshots) > 0 {
		return s.Snapshots
	}
	if s.Snapshot != "" {
		return []SnapshotFile{{File: s.Snapshot}}
	}
	return nil
}

// Request is a query to a statistics office's API. URL is the source's URL:
// the StatBank data endpoint, or the PxWeb table (v1) or data (v2) address.
type Request struct {
	// API is statbank (Statistics Denmark, POST /v1/data, JSON-stat 1.x),
	// pxweb-v1 (POST query, json-stat2) or pxweb-v2 (GET with valuecodes).
	API   string `yaml:"api" json:"api"`
	Table string `yaml:"table,omitempty" json:"table,omitempty"`
	Lang  string `yaml:"lang,omitempty" json:"lang,omitempty"`
	// Variables selects the values of each variable; "*" means all.
	Variables []RequestVariable `yaml:"variables" json:"variables"`
}

// RequestVariable selects values of one variable of a statistics table.
type RequestVariable struct {
	Code   string   `yaml:"code" json:"code"`
	Values []string `yaml:"values" json:"values"`
}

// Mapping turns a publisher's table or cube into observations. Fields are
// kpv's: indicator, period, geography, value, numerator, denominator,
// ci_lower, ci_upper, or a breakdown dimension (sex, cancer_site, …).
type Mapping struct {
	// Columns maps a field to the publisher's column heading (tables) or
	// dimension id (JSON-stat; the value comes from the cube's cells).
	Columns map[string]string `yaml:"columns,omitempty" json:"columns,omitempty"`
	// Fixed gives a field one value for every row, e.g. the indicator of a
	// table that carries only one.
	Fixed map[string]string `yaml:"fixed,omitempty" json:"fixed,omitempty"`
	// Codes translates the publisher's codes or labels into kpv's, per field.
	// Geographies and cancer entities are also found by their aliases and
	// names in the catalogue.
	Codes map[string]map[string]string `yaml:"codes,omitempty" json:"codes,omitempty"`
	// Filter keeps only rows whose column (or JSON-stat dimension) has the
	// given value, e.g. {end: "5"} for 5-year survival in NORDCAN's output.
	Filter map[string]string `yaml:"filter,omitempty" json:"filter,omitempty"`
	// Sheet is the XLSX sheet to read ("" for the first).
	Sheet string `yaml:"sheet,omitempty" json:"sheet,omitempty"`
	// RegionsPublishedFrom refuses regional figures published before a
	// date, with the reason (eSundhed's regional survival extracts before
	// 3 November 2023 had the regions' names swapped).
	RegionsPublishedFrom *Refusal `yaml:"regions_published_from,omitempty" json:"regions_published_from,omitempty"`
	// Scale multiplies every figure, e.g. 100 when the publisher gives
	// proportions and the indicator is in percent. 0 means 1.
	Scale float64 `yaml:"scale,omitempty" json:"scale,omitempty"`
	// FollowUp is the survival follow-up (years) of every figure of a file
	// that does not state its own; set per file (a snapshot's follow_up,
	// `kpv ingest --follow-up`), not for a whole source.
	FollowUp string `yaml:"-" json:"follow_up,omitempty"`
}

// Release says when a source publishes, so kpv can tell when data are overdue.
type Release struct {
	// EveryMonths is the interval between publications.
	EveryMonths int `yaml:"every_months" json:"every_months"`
	// Month is the month of the year a publication usually appears (1–12).
	Month int `yaml:"month,omitempty" json:"month,omitempty"`
	// LagMonths is how long after a period ends its figures appear.
	LagMonths int `yaml:"lag_months" json:"lag_months"`
	// Label is the publisher's current release (NORDCAN "9.6"), recorded
	// on every figure fetched from the source.
	Label string `yaml:"label,omitempty" json:"label,omitempty"`
	Note  string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Indicator measures one of the goals.
type Indicator struct {
	ID          string     `yaml:"id" json:"id"`
	Goal        int        `yaml:"goal" json:"goal"`
	NameDA      string     `yaml:"name_da" json:"name_da"`
	NameEN      string     `yaml:"name_en" json:"name_en"`
	Unit        Unit       `yaml:"unit" json:"unit"`
	Polarity    Polarity   `yaml:"polarity" json:"polarity"`
	Baseline    Baseline   `yaml:"baseline" json:"baseline"`
	Target      *Target    `yaml:"target" json:"target"`
	Thresholds  Thresholds `yaml:"thresholds" json:"thresholds"`
	Owner       string     `yaml:"owner" json:"owner"`
	Source      string     `yaml:"source" json:"source"`
	Breakdowns  []string   `yaml:"breakdowns" json:"breakdowns"`
	Initiatives []int      `yaml:"initiatives,omitempty" json:"initiatives,omitempty"`
	// Derived indicators are computed by kpv from another indicator's
	// figures (Denmark's Nordic rank and gap from the survival series);
	// nothing is ingested or submitted for them.
	Derived *Derivation `yaml:"derived,omitempty" json:"derived,omitempty"`
	// Breaks are the series breaks (breaks.go): no change or trend is
	// computed across one.
	Breaks        []SeriesBreak `yaml:"breaks,omitempty" json:"breaks,omitempty"`
	Methodology   string        `yaml:"methodology" json:"methodology"`
	MethodologyEN string        `yaml:"methodology_en,omitempty" json:"methodology_en,omitempty"`
	Line          int           `yaml:"-" json:"-"`
}

// Derivation says how a derived indicator is computed.
type Derivation struct {
	From   string           `yaml:"from" json:"from"`
	Method DerivationMethod `yaml:"method" json:"method"`
	// Countries are the geographies compared; those missing for a period
	// are listed with the result.
	Countries []string `yaml:"countries" json:"countries"`
	// CancerSites are the cancer entities (codes) the result is given for.
	CancerSites []string `yaml:"cancer_sites" json:"cancer_sites"`
}

// Baseline is the starting point: a published value (nationally, or one per
// breakdown), or "to be set" where no public figure exists yet.
type Baseline struct {
	Period   string          `yaml:"period,omitempty" json:"period,omitempty"`
	Value    *float64        `yaml:"value,omitempty" json:"value,omitempty"`
	Values   []BaselineValue `yaml:"values,omitempty" json:"values,omitempty"`
	ToBeSet  bool            `yaml:"to_be_set,omitempty" json:"to_be_set,omitempty"`
	Note     string          `yaml:"note,omitempty" json:"note,omitempty"`
	Citation *Citation       `yaml:"citation,omitempty" json:"citation,omitempty"`
}

// BaselineValue is a baseline for one breakdown, e.g. one sex.
type BaselineValue struct {
	Breakdown map[string]string `yaml:"breakdown" json:"breakdown"`
	Value     float64           `yaml:"value" json:"value"`
}

// Target is what the plan aims for by Year: a value, a rank among the Nordic
// countries, or (where the plan sets only a direction) "improve".
type Target struct {
	Value     *float64 `yaml:"value,omitempty" json:"value,omitempty"`
	Rank      int      `yaml:"rank,omitempty" json:"rank,omitempty"`
	Direction string   `yaml:"direction,omitempty" json:"direction,omitempty"`
	Year      int      `yaml:"year" json:"year"`
	Basis     string   `yaml:"basis" json:"basis"`
}

// Thresholds are the alert levels: a value at or beyond a threshold, in the
// indicator's bad direction, breaches it.
//
// A raw comparison series (e.g. every country's survival for every cancer
// site) has no meaningful fixed level: it is marked not_applicable, and the
// alerts sit on the indicators derived from it (rank, gap).
type Thresholds struct {
	Warning       *float64 `yaml:"warning,omitempty" json:"warning,omitempty"`
	Critical      *float64 `yaml:"critical,omitempty" json:"critical,omitempty"`
	NotApplicable bool     `yaml:"not_applicable,omitempty" json:"not_applicable,omitempty"`
	Basis         string   `yaml:"basis" json:"basis"`
}
