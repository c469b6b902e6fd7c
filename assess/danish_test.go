package assess

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestDanishNumbersAsFmtWritesThem: daFloat writes what fmt writes, with
// a decimal comma and a true minus sign, for every verb and flag the
// reasons use and for the odd ones that take the slow path.
func TestDanishNumbersAsFmtWritesThem(t *testing.T) {
	values := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.05, 0.049999, 12.345, -12.345, 1234567.891, 1e-7, -3e21,
		99.95, -0.004, math.Inf(1), math.Inf(-1), math.NaN(), 1.0 / 3}
	formats := []string{"%g", "%.1f", "%+.1f", "%.2f", "%+.2f", "%.0f", "%f", "%+g", "%8.2f", "%-8.1f", "%08.1f", "% .1f", "%e", "%.3g", "%v"}
	for _, format := range formats {
		for _, v := range values {
			t.Run(fmt.Sprintf("%s of %v", format, v), func(t *testing.T) {
				want := fmt.Sprintf(format, v)
				want = strings.Replace(want, ".", ",", 1)
				want = strings.Replace(want, "-", "−", 1)
				if got := sprintfDA(format, v); got != want {
					t.Errorf("sprintfDA(%q, %v) = %q, want %q", format, v, got, want)
				}
			})
		}
	}
}

// TestQuickSprintfAsFmt: the reasons' own printf writes what fmt.Sprintf
// writes (and, for Danish, what fmt writes with daFloat), and leaves to fmt
// what it does not know.
func TestQuickSprintfAsFmt(t *testing.T) {
	type scale string
	cases := []struct {
		name   string
		format string
		args   []any
		quick  bool // written without fmt
	}{
		{"text only", "no figures: 100 %% sure", nil, true},
		{"string and int", "%s → %s, %d periods", []any{"2020", "2024K3", 17}, true},
		{"negative int and plus", "%d and %+d and %+d", []any{-4, 3, -2}, true},
		{"floats", "%g → %g (%+.1f%s; 95 %% CI %.1f to %.1f)", []any{12.5, 0.00001234, -3.25, " points", -0.04, 1e21}, true},
		{"trend span", "%s → %s, %d periods: %+.2f %% a year (95 %% CI %+.2f to %+.2f)", []any{"2001M01", "2023M02", 278, 0.004, -0.0049, 12.0}, true},
		{"zero precision", "%.0f of %.0f", []any{2.5, -0.4}, true},
		{"negative zero", "%+.1f and %g", []any{math.Copysign(0, -1), math.Copysign(0, -1)}, true},
		{"default f", "%f", []any{1.0 / 3}, true},
		{"a named string type", "%s scale", []any{scale("logit")}, false},
		{"an int64", "%d", []any{int64(5)}, false},
		{"infinity", "%g", []any{math.Inf(1)}, false},
		{"width", "%5.1f", []any{2.25}, false},
		{"a verb it does not know", "%v and %q", []any{1.5, "x"}, false},
		{"missing argument", "%s and %s", []any{"one"}, false},
		{"extra argument", "%s", []any{"one", "two"}, false},
		{"a lone percent at the end", "100 %", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, danish := range []bool{false, true} {
				want := fmt.Sprintf(c.format, c.args...)
				if danish {
					args := slices.Clone(c.args)
					for i, a := range args {
						if v, ok := a.(float64); ok {
							args[i] = oldDAFloat(v)
						}
					}
					want = fmt.Sprintf(c.format, args...)
				}
				got, quick := quickSprintf(danish, c.format, slices.Clone(c.args))
				if quick != c.quick {
					t.Errorf("danish %v: written quickly %v, want %v", danish, quick, c.quick)
				}
				if quick && got != want {
					t.Errorf("danish %v: %q, want %q", danish, got, want)
				}
				via := sprintfEN(c.format, slices.Clone(c.args)...)
				if danish {
					via = sprintfDA(c.format, slices.Clone(c.args)...)
				}
				if via != want {
					t.Errorf("danish %v: through sprintf %q, want %q", danish, via, want)
				}
			}
		})
	}
}

// oldDAFloat is how Danish numbers were written before quickSprintf: fmt,
// then a decimal comma and a true minus sign.
type oldDAFloat float64

func (d oldDAFloat) Format(f fmt.State, verb rune) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), float64(d))
	s = strings.Replace(s, ".", ",", 1)
	s = strings.Replace(s, "-", "−", 1)
	_, _ = f.Write([]byte(s))
}
