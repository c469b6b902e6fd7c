package followup

import (
	"errors"
	"testing"

	"github.com/kraeftplan/kpv/internal/testkit"
)

// FuzzParseSubmissions: whatever an organisation sends, the checks answer
// with the parsed submission or field errors, never a panic or another
// kind of error.
func FuzzParseSubmissions(f *testing.F) {
	cat := testkit.Catalogue(f)
	for _, s := range []string{
		`{"year": 2025, "status": "on_schedule", "narrative_da": "a", "next_steps_da": "b", "milestones_reached": [{"milestone": "i26-rygestopmedicin", "date": "2025-03-01"}]}`,
		`{"year": 2025, "spent": 70.5, "committed": 2}`,
		`{"year": 2025, "why_da": "a", "actions_da": "b", "by": "SST", "by_when": "2026-12-31"}`,
		`{"year": "2025"}`, `[]`, `null`, ``, `{"spent": 1e400}`,
	} {
		f.Add(uint8(26), []byte(s))
	}
	f.Fuzz(func(t *testing.T, n uint8, body []byte) {
		for _, err := range []error{
			func() error { _, err := ParseStatusReport(cat, int(n)%37, body, now); return err }(),
			func() error { _, err := ParseSpending(body, now); return err }(),
			func() error { _, err := ParseCommentary(body, now); return err }(),
		} {
			var fe *Error
			if err != nil && (!errors.As(err, &fe) || len(fe.Fields) == 0) {
				t.Fatalf("%q: %v is not a list of field errors", body, err)
			}
		}
	})
}
