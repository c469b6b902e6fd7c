package indicators

import (
	"fmt"
	"strings"
)

// Reporting channels: how an indicator's figures reach kpv. A small fixed
// set, so it can be a metric label.
const (
	ChannelFetched    = "fetched"    // read from the publisher's API or download on a schedule
	ChannelFile       = "file"       // a publication's table, loaded from a file or transcribed by the owner
	ChannelSubmission = "submission" // only the owner has the figures: submitted through the API
	ChannelDerived    = "derived"    // computed by kpv from another indicator
)

// ReportingStatus says, for an indicator without a published figure, what
// is expected and from whom, instead of a bare "not assessable": the
// expected source and release, the owner, and how the owner submits.
// Danish first, English alongside.
type ReportingStatus struct {
	Indicator    string `json:"indicator"`
	Owner        string `json:"owner"`
	OwnerNameDA  string `json:"owner_name_da"`
	OwnerNameEN  string `json:"owner_name_en"`
	Source       string `json:"source"`
	SourceNameDA string `json:"source_name_da"`
	SourceNameEN string `json:"source_name_en"`
	Publisher    string `json:"publisher"`
	Channel      string `json:"channel"`
	// Expected is the source's release calendar in words.
	ExpectedDA string `json:"expected_da"`
	ExpectedEN string `json:"expected_en"`
	// How is what the owner does to get the figure in.
	HowDA string `json:"how_da"`
	HowEN string `json:"how_en"`
	// Why no figure is held: the catalogue's note on the baseline, if any.
	Note string `json:"note,omitempty"`
}

// ReportingStatus builds the indicator's reporting status from the
// catalogue. It is the same whether or not figures are held; callers show
// it where there are none.
func (c *Catalogue) ReportingStatus(ind *Indicator) ReportingStatus {
	rs := ReportingStatus{Indicator: ind.ID, Owner: ind.Owner, Source: ind.Source, Note: ind.Baseline.Note}
	if o, ok := c.Organisation(ind.Owner); ok {
		rs.OwnerNameDA, rs.OwnerNameEN = o.NameDA, o.NameEN
	}
	src, ok := c.Source(ind.Source)
	if !ok {
		return rs
	}
	rs.SourceNameDA, rs.SourceNameEN, rs.Publisher = src.NameDA, src.NameEN, src.Publisher
	rs.ExpectedDA, rs.ExpectedEN = releaseWords(src)
	submit := fmt.Sprintf("POST /api/v1/indicators/%s/observations (JSON eller CSV) med en indberetningsnøgle for %s (kpv token create --role submitter --org %s)", ind.ID, ind.Owner, ind.Owner)
	submitEN := fmt.Sprintf("POST /api/v1/indicators/%s/observations (JSON or CSV) with a submitter token for %s (kpv token create --role submitter --org %s)", ind.ID, ind.Owner, ind.Owner)
	switch {
	case ind.Derived != nil:
		rs.Channel = ChannelDerived
		fromDA, fromEN := ind.Derived.From, ind.Derived.From
		if f, ok := c.Indicator(ind.Derived.From); ok { // named, not by its id
			fromDA, fromEN = "«"+f.NameDA+"»", "“"+f.NameEN+"”"
		}
		rs.HowDA = fmt.Sprintf("Beregnes af kpv ud fra %s for %s; kommer, når de lande har tal for samme periode og udgivelse.", fromDA, strings.Join(ind.Derived.Countries, ", "))
		rs.HowEN = fmt.Sprintf("Computed by kpv from %s for %s; appears once those countries have figures for the same period and release.", fromEN, strings.Join(ind.Derived.Countries, ", "))
	case src.Format == "submission":
		rs.Channel = ChannelSubmission
		rs.HowDA = "Ejeren indberetter tallet: " + submit + "."
		rs.HowEN = "The owner submits the figure: " + submitEN + "."
	case src.Format == "table":
		rs.Channel = ChannelFile
		rs.HowDA = fmt.Sprintf("Udgiveren offentliggør en rapport eller tabel: indlæs den med kpv ingest %s --file FIL, eller ejeren indberetter tallene: %s.", src.ID, submit)
		rs.HowEN = fmt.Sprintf("The publisher issues a report or table: load it with kpv ingest %s --file FILE, or the owner submits the figures: %s.", src.ID, submitEN)
	default:
		rs.Channel = ChannelFetched
		rs.HowDA = fmt.Sprintf("Hentes fra udgiverens API (%s) efter planen %q; rettelser sker hos udgiveren. En fil i udgiverens format indlæses med kpv ingest %s --file FIL.", src.URL, src.Schedule, src.ID)
		rs.HowEN = fmt.Sprintf("Fetched from the publisher's API (%s) on the schedule %q; corrections are made at the publisher. A file in the publisher's format is loaded with kpv ingest %s --file FILE.", src.URL, src.Schedule, src.ID)
	}
	return rs
}

// releaseWords puts a source's release calendar into words.
func releaseWords(src *Source) (da, en string) {
	r := src.Release
	if r.EveryMonths == 0 {
		return "Ingen fast udgivelse.", "No regular release."
	}
	da = fmt.Sprintf("%s: hver %d. måned, ca. %d måneder efter periodens udløb", src.NameDA, r.EveryMonths, r.LagMonths)
	en = fmt.Sprintf("%s: every %d months, about %d months after the period ends", src.NameEN, r.EveryMonths, r.LagMonths)
	if r.Month > 0 {
		da += fmt.Sprintf(", normalt i måned %d", r.Month)
		en += fmt.Sprintf(", usually in month %d", r.Month)
	}
	da, en = da+".", en+"."
	if r.Note != "" {
		en += " " + r.Note
	}
	return da, en
}
