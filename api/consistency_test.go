package api_test

import (
	"strings"
	"testing"
)

// Issue 26's submissions: a value that contradicts its counts, a published
// date outside the period's start and now, and a key given twice are
// refused, naming the field; nothing is written. (Figures invented.)
func TestSubmissionsConsistent(t *testing.T) {
	l := newLiveServer(t)
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"value contradicts its counts", `{"observations":[{"period":"2025","geography":"DK-81","value":90,"numerator":1,"denominator":200}]}`, 422,
			"90 % contradicts numerator 1 and denominator 200, which make 0.5 %"},
		{"value rounded from its counts", `{"observations":[{"period":"2025","geography":"DK-81","value":58,"numerator":115,"denominator":200}]}`, 200, ""},
		{"published in the far future", `{"observations":[{"period":"2025","geography":"DK-81","value":58,"published":"9999-12-31"}]}`, 422,
			"published 9999-12-31 is not between the start of the period 2025 (2025-01-01) and the submission"},
		{"published before the period", `{"observations":[{"period":"2025","geography":"DK-81","value":58,"published":"0001-01-01"}]}`, 422,
			`\"0001-01-01\" is not a plausible publication date`},
		{"published before its period began", `{"observations":[{"period":"2025","geography":"DK-81","value":58,"published":"2024-06-01"}]}`, 422,
			"published 2024-06-01 is not between the start of the period 2025 (2025-01-01) and the submission"},
		{"a key twice", `{"observations":[{"period":"2025","geography":"DK-81","value":58,"value":85}]}`, 400,
			`observations[0] names the key \"value\" twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := l.count(t, `SELECT count(*) FROM figures`)
			rp := l.do(t, "POST", gpPlan, "regioner", "application/json", tc.body)
			if rp.status != tc.status || !strings.Contains(string(rp.body), tc.want) {
				t.Fatalf("%d %s; want %d with %q", rp.status, rp.body, tc.status, tc.want)
			}
			if after := l.count(t, `SELECT count(*) FROM figures`); tc.status != 200 && after != before {
				t.Errorf("%d figures written by a refused submission", after-before)
			}
		})
	}
}
