package assess

import (
	"fmt"
	"math"
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
