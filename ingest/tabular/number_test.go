package tabular

import (
	"errors"
	"strings"
	"testing"
)

func TestNumberAccepts(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    float64
		percent bool
	}{
		// Plain and decimal figures, both decimal marks.
		{"38", 38, false},
		{"0", 0, false},
		{"38,5", 38.5, false},
		{"38.5", 38.5, false},
		{"0,5", 0.5, false},
		{"1,234", 1.234, false}, // a lone ',' is always the Danish decimal comma
		// Thousands.
		{"1.234,5", 1234.5, false},
		{"1.234.567,89", 1234567.89, false},
		{"1,234.5", 1234.5, false}, // English style: both marks present, so unambiguous
		{"1,234,567.5", 1234567.5, false},
		{"1.234", 1234, false},   // '.' + three digits: Danish thousands
		{"38.500", 38500, false}, // same rule, even where a decimal was meant
		{"1.234.567", 1234567, false},
		{"0.123", 0.123, false}, // a leading 0 cannot start a thousands group
		{"1234.567", 1234.567, false},
		{"1.2345", 1.2345, false},
		{"1 234,5", 1234.5, false},
		{"1\u00a0234,5", 1234.5, false}, // no-break space, as Excel writes it
		{"1\u202f234", 1234, false},     // narrow no-break space, SI style
		{"12 345 678", 12345678, false},
		{"1 234.5", 1234.5, false},
		// Percentages.
		{"38 %", 38, true},
		{"38%", 38, true},
		{"38,5 %", 38.5, true},
		{"38,5\u00a0%", 38.5, true},
		// Signs.
		{"-2,1", -2.1, false},
		{"−2,1", -2.1, false}, // U+2212 minus
		{"+3", 3, false},
		{"-0,4 %", -0.4, true},
		// Surrounding white space.
		{"  38,5  ", 38.5, false},
		{"\u00a038\u00a0", 38, false},
		{"\t12\r\n", 12, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			v, pct, err := Number(tc.in)
			if err != nil {
				t.Errorf("Number(%q): %v", tc.in, err)
				return
			}
			if v != tc.want || pct != tc.percent {
				t.Errorf("Number(%q) = %v, percent %v; want %v, percent %v", tc.in, v, pct, tc.want, tc.percent)
			}
		})
	}
}

func TestNumberRejects(t *testing.T) {
	for _, tc := range []struct {
		in, msg string // msg: the error must say this, quoting the input
	}{
		{"12,3,4", `"12,3,4": more than one decimal mark`},
		{"1,234,567", `"1,234,567": more than one decimal mark`},
		{"1.234,5,6", `"1.234,5,6": more than one decimal mark`},
		{"1,234.5.6", `"1,234.5.6": more than one decimal mark`},
		{"1.23.4", `"1.23.4": misplaced thousands separator '.'`},
		{"12 34", `"12 34": misplaced thousands separator ' '`},
		{"1.234 567,8", `mixes`},
		{"1,2 345", `thousands separator after the decimal mark`},
		{"abc", `"abc": unexpected character 'a'`},
		{"38 pct.", `unexpected character 'p'`},
		{"NaN", `"NaN": unexpected character 'N'`},
		{"Inf", `"Inf": unexpected character 'I'`},
		{"-Inf", `unexpected character 'I'`},
		{"1e5", `"1e5": exponent notation`},
		{"1,5E-3", `exponent notation`},
		{"%", `"%": no digits`},
		{"+", `"+": no digits`},
		{"- 5", `must stand between digits`},
		{",5", `must stand between digits`},
		{"5,", `must stand between digits`},
		{"1..2", `must stand between digits`},
		{"38%%", `unexpected character '%'`},
		{"0x1F", `unexpected character 'x'`},
		{"½", `unexpected character '½'`},
		{strings.Repeat("9", 400), `out of range`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			v, _, err := Number(tc.in)
			if err == nil {
				t.Errorf("Number(%q) = %v, want an error", tc.in, v)
				return
			}
			if errors.Is(err, ErrSuppressed) {
				t.Errorf("Number(%q): got ErrSuppressed, want a parse error", tc.in)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Number(%q): error %q does not say %q", tc.in, err, tc.msg)
			}
		})
	}
}

// Suppression marks must never come back as a number, least of all 0.
func TestNumberSuppressed(t *testing.T) {
	for _, in := range []string{
		"–", "—", "-", "−", "..", "...", "…", ".", "x", "X", ":", "*",
		"n/a", "N/A", "NA", "na", "", "   ", "\u00a0", " – ",
	} {
		t.Run(in, func(t *testing.T) {
			if !IsSuppressed(in) {
				t.Errorf("IsSuppressed(%q) = false, want true", in)
			}
			v, pct, err := Number(in)
			if err != ErrSuppressed {
				t.Errorf("Number(%q) = %v, %v, %v; want ErrSuppressed", in, v, pct, err)
			}
		})
	}
	for _, in := range []string{"0", "-0", "x1", "NAN", "..5", "– 5", "*)"} {
		t.Run(in, func(t *testing.T) {
			if IsSuppressed(in) {
				t.Errorf("IsSuppressed(%q) = true, want false", in)
			}
		})
	}
}
