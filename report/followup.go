package report

import (
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"time"

	"github.com/kraeftplan/kpv/followup"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
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
	// ChangesSince is the version VersionChanges are counted from (0: none
	// yet). (Changes, without "version", are the indicators' status changes
	// since last year's report.)
	ChangesSince   int               `json:"changes_since,omitempty"`
	VersionChanges []VersionChange   `json:"version_changes,omitempty"`
	FollowUp       *followup.Section `json:"follow_up,omitempty"`
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
type VersionChange struct {
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

// VersionURL is the stable address of a published version.
func VersionURL(year, version int) string {
	return fmt.Sprintf("/api/v1/reports/%d/versions/%d", year, version)
}

// offTrackIn lists the report's indicators whose headline status needs
// the owner's commentary: the report's own assessment, as of its cut-off.
func offTrackIn(rep *Report) map[string]bool {
	out := map[string]bool{}
	for _, g := range rep.Goals {
		for _, in := range g.Indicators {
			if followup.NeedsCommentary(in.Status) {
				out[in.ID] = true
			}
		}
	}
	return out
}

// Publications is what Decorate reads from the store (*store.Store is one).
type Publications interface {
	followup.Reader
	PublishedReports(ctx context.Context, year int) ([]store.PublishedReport, error)
	RecordedBetween(ctx context.Context, from, to time.Time) ([]store.Recorded, error)
}

// Decorate adds the publication part to a report built from the
// figures: the follow-up for its year as of at, the approved versions,
// and what was recorded since the latest of them. A draft unless status
// says otherwise.
func Decorate(ctx context.Context, st Publications, cat *indicators.Catalogue, rep *Report, at time.Time) error {
	sec, err := followup.Load(ctx, st, cat, offTrackIn(rep), rep.Year, at)
	if err != nil {
		return err
	}
	rep.FollowUp = sec
	rep.Status = StatusDraft
	pubs, err := st.PublishedReports(ctx, rep.Year)
	if err != nil {
		return err
	}
	var last *store.PublishedReport
	for i, p := range pubs {
		if p.Format != "json" {
			continue
		}
		rep.PublishedVersions = append(rep.PublishedVersions, VersionRef{Version: p.Version, ApprovedAt: p.ApprovedAt.UTC(), URL: VersionURL(p.Year, p.Version)})
		last = &pubs[i]
	}
	if last != nil {
		rep.ChangesSince = last.Version
		rep.VersionChanges, err = VersionChanges(ctx, st, rep.Year, last.CutOff, at)
	}
	return err
}

// VersionChanges lists what was recorded for year after from and by to: the
// year's follow-up submissions and every indicator's new or revised figures.
func VersionChanges(ctx context.Context, st Publications, year int, from, to time.Time) ([]VersionChange, error) {
	rec, err := st.RecordedBetween(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := []VersionChange{}
	for _, x := range rec {
		if x.Kind != "figures" && x.Year != year {
			continue
		}
		out = append(out, VersionChange{Kind: x.Kind, Subject: x.Subject, Year: x.Year, Org: x.Org, Revision: x.Revision, Figures: x.Figures, RecordedAt: x.RecordedAt.UTC()})
	}
	return out, nil
}
