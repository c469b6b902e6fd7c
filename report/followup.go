package report

import (
	_ "embed"
	"html/template"
	"time"

	"github.com/kraeftplan/kpv/followup"
)

// Report statuses: a draft until an admin approves the year's report; an
// approved version is published and never changes.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// Publication is what a report says about itself as a publication: draft
// or published (with its version), the plan's own follow-up for the year,
// and what changed — since the last published version for a draft, since
// the previous version for a published one.
type Publication struct {
	Status  string `json:"status,omitempty"`
	Version int    `json:"version,omitempty"`
	// PublishedVersions are the year's approved versions so far.
	PublishedVersions []VersionRef `json:"published_versions,omitempty"`
	// ChangesSince is the version Changes are counted from (0: none yet).
	ChangesSince int               `json:"changes_since,omitempty"`
	Changes      []Change          `json:"changes,omitempty"`
	FollowUp     *followup.Section `json:"follow_up,omitempty"`
}

// VersionRef points at a published version.
type VersionRef struct {
	Version    int       `json:"version"`
	ApprovedAt time.Time `json:"approved_at"`
	URL        string    `json:"url"`
}

// Change is something recorded after a version's cut-off: a follow-up
// submission (kind status, spending, commentary) or new or revised
// figures of an indicator (kind figures, with how many).
type Change struct {
	Kind       string    `json:"kind"`
	Subject    string    `json:"subject"`
	Year       int       `json:"year,omitempty"`
	Org        string    `json:"org,omitempty"`
	Revision   int       `json:"revision,omitempty"`
	Figures    int       `json:"figures,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
}

//go:embed followup.html
var followupTemplate string

func init() {
	template.Must(page.Funcs(template.FuncMap{
		"statusDA": func(s string) string { da, _ := followup.StatusLabel(s); return da },
		"statusEN": func(s string) string { _, en := followup.StatusLabel(s); return en },
	}).Parse(followupTemplate))
}

// IndicatorCommentary is what the report shows beside an indicator: the
// owner's commentary for the year, or that one is owed.
type IndicatorCommentary struct {
	Entry   *followup.CommentaryEntry
	Missing bool
	Year    int
}

// CommentaryFor is the commentary shown beside indicator id.
func (p Publication) CommentaryFor(id string) IndicatorCommentary {
	if p.FollowUp == nil {
		return IndicatorCommentary{}
	}
	c := IndicatorCommentary{Year: p.FollowUp.Year}
	for i := range p.FollowUp.Commentary {
		if p.FollowUp.Commentary[i].Indicator == id {
			c.Entry = &p.FollowUp.Commentary[i]
		}
	}
	for _, m := range p.FollowUp.MissingCommentary {
		if m == id {
			c.Missing = true
		}
	}
	return c
}
