package ingest

import (
	"fmt"
	"slices"
)

// Notes are what a read applied or doubted without refusing the file, for
// the run log's detail and the command's output: a default given to
// figures whose file and command did not state a value (sex=total), and a
// warning about a field that could not be read (a JSON-stat "updated" that
// is no date). Nothing is applied silently.
type Notes struct {
	Defaults []string `json:"defaults,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// defaulted records that field was given value because of why, and
// returns value. Each default is noted once, with how many figures took it
// (counted in finishNotes).
func (b *batch) defaulted(field, value, why string) string {
	if b.defaults == nil {
		b.defaults = map[[3]string]int{}
	}
	b.defaults[[3]string{field, value, why}]++
	return value
}

// warn records a warning about the publication, once.
func (b *batch) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if !slices.Contains(b.notes.Warnings, w) {
		b.notes.Warnings = append(b.notes.Warnings, w)
	}
}

// finishNotes returns the batch's notes, defaults sorted.
func (b *batch) finishNotes() Notes {
	n := b.notes
	n.Defaults = nil
	for k, c := range b.defaults {
		n.Defaults = append(n.Defaults, fmt.Sprintf("%s=%s for %d figure(s): %s", k[0], k[1], c, k[2]))
	}
	slices.Sort(n.Defaults)
	return n
}

// add puts the notes into a run's detail.
func (n Notes) addTo(detail map[string]any) {
	if len(n.Defaults) > 0 {
		detail["defaults"] = n.Defaults
	}
	if len(n.Warnings) > 0 {
		detail["warnings"] = n.Warnings
	}
}
