package indicators

import (
	"strings"
	"testing"
)

// A batch of a hundred thousand bad rows is listed as its first hundred,
// with the total and the kinds, and no message repeats a long input value.
func TestBoundListsTheFirstProblemsAndCountsTheRest(t *testing.T) {
	var errs []RowError
	for i := range 100_000 {
		errs = append(errs, DuplicateRow(i+2, 1))
	}
	errs = append(errs, RowError{Row: 100_002, Field: "value", Message: `"` + strings.Repeat("=HYPERLINK(", 10_000) + `" is not a number`})
	l := Bound(errs)
	if len(l.Rows) != MaxListedErrors || l.Total != 100_001 || l.Kinds["period"] != 100_000 || l.Kinds["value"] != 1 {
		t.Errorf("listed %d, total %d, kinds %v; want %d listed of 100001, period 100000, value 1", len(l.Rows), l.Total, l.Kinds, MaxListedErrors)
	}
	long := Bound(errs[100_000:]).Rows[0].Message
	if len(long) > maxExcerpt+len("…") || !strings.HasSuffix(long, "…") {
		t.Errorf("a 110 kB message became %d bytes: %.80q", len(long), long)
	}
	if got := Excerpt("a\x00b"); got != "a\uFFFDb" {
		t.Errorf("Excerpt kept a NUL: %q", got)
	}
}
