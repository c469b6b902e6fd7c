package assess

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// daFloat formats a number the Danish way: decimal comma and a true minus
// sign, with the verb and flags it is given (%.1f, %+.2f, %g).
type daFloat float64

func (d daFloat) Format(f fmt.State, verb rune) {
	v := float64(d)
	_, wide := f.Width()
	prec, hasPrec := f.Precision()
	if wide || f.Flag('-') || f.Flag(' ') || f.Flag('0') || f.Flag('#') || math.IsInf(v, 0) || math.IsNaN(v) ||
		verb != 'f' && verb != 'g' {
		_, _ = f.Write([]byte(daNumber(fmt.Sprintf(fmt.FormatString(f, verb), v))))
		return
	}
	// The common verbs written without a second Sprintf: a reason's
	// numbers are formatted for every series of a full read.
	if !hasPrec {
		prec = -1
		if verb == 'f' {
			prec = 6
		}
	}
	var buf [40]byte
	b := append(buf[:0], '+')
	b = strconv.AppendFloat(b, v, byte(verb), prec, 64)
	if b[1] == '-' || !f.Flag('+') {
		b = b[1:]
	}
	if i := bytes.IndexByte(b, '.'); i >= 0 {
		b[i] = ','
	}
	if i := bytes.IndexByte(b, '-'); i >= 0 {
		_, _ = f.Write(b[:i])
		_, _ = f.Write([]byte("−"))
		b = b[i+1:]
	}
	_, _ = f.Write(b)
}

// daNumber is a number as fmt writes it, with a decimal comma and a true
// minus sign.
func daNumber(s string) string {
	s = strings.Replace(s, ".", ",", 1)
	return strings.Replace(s, "-", "−", 1)
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
