package indicators

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Period is a reporting period as publishers write it: a year ("2024"), a
// quarter ("2024K1" or "2024Q1"), a month ("2024M01"), or a span of years
// ("2016-2020", as NORDCAN and the cancer register publish survival).
type Period struct {
	Label string
	Start time.Time // first day
	End   time.Time // last day
}

var (
	reYear    = regexp.MustCompile(`^(\d{4})$`)
	reQuarter = regexp.MustCompile(`^(\d{4})[KQ]([1-4])$`)
	reMonth   = regexp.MustCompile(`^(\d{4})M(0[1-9]|1[0-2])$`)
	reSpan    = regexp.MustCompile(`^(\d{4})\s*[-–]\s*(\d{4})$`)
)

// ParsePeriod parses a period label; the canonical label uses K for
// quarters (Statistics Denmark's form) and a hyphen for spans.
func ParsePeriod(s string) (Period, error) {
	year := func(y string) (int, error) {
		n, _ := strconv.Atoi(y)
		if n < 1900 || n > 2100 {
			return 0, fmt.Errorf("period %q: year %d out of range", s, n)
		}
		return n, nil
	}
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	switch {
	case reYear.MatchString(s):
		y, err := year(s)
		if err != nil {
			return Period{}, err
		}
		return Period{s, day(y, 1, 1), day(y, 12, 31)}, nil
	case reQuarter.MatchString(s):
		m := reQuarter.FindStringSubmatch(s)
		y, err := year(m[1])
		if err != nil {
			return Period{}, err
		}
		q, _ := strconv.Atoi(m[2])
		start := day(y, 3*q-2, 1)
		return Period{fmt.Sprintf("%dK%d", y, q), start, start.AddDate(0, 3, -1)}, nil
	case reMonth.MatchString(s):
		m := reMonth.FindStringSubmatch(s)
		y, err := year(m[1])
		if err != nil {
			return Period{}, err
		}
		mo, _ := strconv.Atoi(m[2])
		start := day(y, mo, 1)
		return Period{s, start, start.AddDate(0, 1, -1)}, nil
	case reSpan.MatchString(s):
		m := reSpan.FindStringSubmatch(s)
		a, err := year(m[1])
		if err != nil {
			return Period{}, err
		}
		b, err := year(m[2])
		if err != nil {
			return Period{}, err
		}
		if b < a {
			return Period{}, fmt.Errorf("period %q ends before it starts", s)
		}
		return Period{fmt.Sprintf("%d-%d", a, b), day(a, 1, 1), day(b, 12, 31)}, nil
	}
	return Period{}, fmt.Errorf("period %q is not a year (2024), quarter (2024K1), month (2024M01) or span of years (2016-2020)", s)
}
