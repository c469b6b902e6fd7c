package assess

import (
	"fmt"
	"strings"
)

// daFloat formats a number the Danish way: decimal comma and a true minus
// sign, with the verb and flags it is given (%.1f, %+.2f, %g).
type daFloat float64

func (d daFloat) Format(f fmt.State, verb rune) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), float64(d))
	s = strings.Replace(s, ".", ",", 1)
	s = strings.Replace(s, "-", "−", 1)
	_, _ = f.Write([]byte(s))
}

// sprintfDA is fmt.Sprintf for Danish text: every float64 argument is
// written with a decimal comma and a true minus sign.
func sprintfDA(format string, args ...any) string {
	for i, a := range args {
		if v, ok := a.(float64); ok {
			args[i] = daFloat(v)
		}
	}
	return fmt.Sprintf(format, args...)
}

// intDA writes a whole number the Danish way, with a full stop between
// thousands (3.153).
func intDA(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// intEN writes a whole number with a comma between thousands (3,153).
func intEN(n int) string { return strings.ReplaceAll(intDA(n), ".", ",") }
