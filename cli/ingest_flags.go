package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kraeftplan/kpv/store"
)

// setFlag is `kpv ingest --set FIELD=VALUE`, repeatable: what a file given
// with --file holds that it does not say itself (sex=female for a women's
// export). A field set twice is refused.
type setFlag map[string]string

func (s setFlag) String() string {
	var parts []string
	for k, v := range s {
		parts = append(parts, k+"="+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

func (s setFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	k, val = strings.TrimSpace(k), strings.TrimSpace(val)
	if !ok || k == "" || val == "" {
		return fmt.Errorf("%q is not FIELD=VALUE (e.g. sex=female)", v)
	}
	if old, dup := s[k]; dup && old != val {
		return fmt.Errorf("%s is set twice (%s and %s)", k, old, val)
	}
	s[k] = val
	return nil
}

// printRunNotes prints what a run applied or doubted (its detail's
// defaults and warnings) and the revisions it held for review, so that
// nothing is applied silently.
func printRunNotes(w io.Writer, run store.Run) {
	var d struct {
		Defaults []string `json:"defaults"`
		Warnings []string `json:"warnings"`
		Held     int      `json:"held"`
		HeldWhy  string   `json:"held_reason"`
	}
	if len(run.Detail) == 0 || json.Unmarshal(run.Detail, &d) != nil {
		return
	}
	for _, x := range d.Defaults {
		fmt.Fprintf(w, "  default applied: %s\n", x)
	}
	for _, x := range d.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", x)
	}
	if d.Held > 0 {
		fmt.Fprintf(w, "  held for review: %d revision(s) of published figures (%s); see `kpv revisions list %s`\n", d.Held, d.HeldWhy, run.Source)
	}
}
