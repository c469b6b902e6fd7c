package indicators

import (
	"fmt"
	"strings"
	"time"
)

// ParsePublished reads when a figure was published: a date (2022-03-17), a
// month (2023-06) or a year (2026) where only that is known, taken as the
// first day of it; or an RFC 3339 time (JSON-stat's "updated", also in
// Eurostat's 2026-06-08T23:00:00+0200 form).
func ParsePublished(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.DateOnly, "2006-01", "2006", time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			// Year 1 is Go's "no date": it would pass as unset and date the
			// figure when recorded. No publication of kpv's is that old.
			if t.Year() < 1000 {
				return time.Time{}, fmt.Errorf("%q is not a plausible publication date (before year 1000)", s)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a publication date (YYYY-MM-DD, YYYY-MM, YYYY or an RFC 3339 time)", s)
}

// Refusal refuses figures published before Date (YYYY-MM-DD), saying why.
type Refusal struct {
	Date   string `yaml:"date" json:"date"`
	Reason string `yaml:"reason" json:"reason"`
}

// validateSnapshots checks a source's shipped files: one way of naming
// them, each with a publication date that parses.
func validateSnapshots(p *problems, s Source) {
	where := "source " + s.ID
	if s.Snapshot != "" && len(s.Snapshots) > 0 {
		p.add(s.Line, "%s: give snapshot or snapshots, not both", where)
	}
	if m := s.Mapping; m != nil && m.RegionsPublishedFrom != nil {
		if _, err := ParsePublished(m.RegionsPublishedFrom.Date); err != nil || m.RegionsPublishedFrom.Reason == "" {
			p.add(s.Line, "%s: mapping.regions_published_from needs a date (YYYY-MM-DD) and a reason", where)
		}
	}
	for i, pub := range s.Publications {
		if _, err := ParsePublished(pub.Published); err != nil {
			p.add(s.Line, "%s: publications[%d]: published: %v", where, i, err)
		}
		if pub.Publisher == "" || pub.Title == "" {
			p.add(s.Line, "%s: publications[%d] (%s) needs a publisher and a title", where, i, pub.Published)
		}
	}
	for i, f := range s.Snapshots {
		if f.File == "" {
			p.add(s.Line, "%s: snapshots[%d] has no file", where, i)
		}
		if _, err := ParsePublished(f.Published); err != nil {
			p.add(s.Line, "%s: snapshots[%d] (%s): published: %v", where, i, f.File, err)
		}
	}
}
