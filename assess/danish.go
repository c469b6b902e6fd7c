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
	if !hasPrec {
		prec = -1
	}
	_, _ = f.Write(appendNumber(nil, v, byte(verb), prec, f.Flag('+'), true))
}

// daNumber is a number as fmt writes it, with a decimal comma and a true
// minus sign.
func daNumber(s string) string {
	s = strings.Replace(s, ".", ",", 1)
	return strings.Replace(s, "-", "−", 1)
}

// appendNumber appends v as fmt writes it with verb f or g, precision prec
// (-1: fmt's default) and the + flag, the Danish way if danish (daNumber).
// v is finite.
func appendNumber(b []byte, v float64, verb byte, prec int, plus, danish bool) []byte {
	if prec < 0 && verb == 'f' {
		prec = 6
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, verb, prec, 64)
	if plus && b[start] != '-' {
		b = append(b, 0)
		copy(b[start+1:], b[start:])
		b[start] = '+'
	}
	if !danish {
		return b
	}
	if i := bytes.IndexByte(b[start:], '.'); i >= 0 {
		b[start+i] = ','
	}
	if i := bytes.IndexByte(b[start:], '-'); i >= 0 {
		i += start
		b = append(b, 0, 0)
		copy(b[i+3:], b[i+1:])
		copy(b[i:], "−")
	}
	return b
}

// sprintfDA is fmt.Sprintf for Danish text: every float64 argument is
// written with a decimal comma and a true minus sign.
func sprintfDA(format string, args ...any) string {
	if s, ok := quickSprintf(true, format, args); ok {
		return s
	}
	for i, a := range args {
		if v, ok := a.(float64); ok {
			args[i] = daFloat(v)
		}
	}
	return fmt.Sprintf(format, args...)
}

// sprintfEN is fmt.Sprintf, quicker for the verbs reasons use.
func sprintfEN(format string, args ...any) string {
	if s, ok := quickSprintf(false, format, args); ok {
		return s
	}
	return fmt.Sprintf(format, args...)
}

// quickSprintf writes format with args as fmt.Sprintf does (the Danish way
// for floats if danish) for the verbs the reasons use: %s of a string, %d
// of an int, %f and %g of a finite float64 with + and a precision, and %%.
// Anything else gives false, and the caller asks fmt: a full read writes
// reasons for every series, tens of each, and in a CPU profile of a
// million-figure report fmt took a fifth of the assessment's time.
func quickSprintf(danish bool, format string, args []any) (string, bool) {
	b := make([]byte, 0, len(format)+40)
	next := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		i++
		plus := i < len(format) && format[i] == '+'
		if plus {
			i++
		}
		prec := -1
		if i < len(format) && format[i] == '.' {
			i++
			digits := 0
			for prec = 0; i < len(format) && format[i] >= '0' && format[i] <= '9' && digits < 3; i++ {
				prec, digits = prec*10+int(format[i]-'0'), digits+1
			}
			if digits == 0 {
				return "", false
			}
		}
		if i >= len(format) {
			return "", false
		}
		verb := format[i]
		if verb == '%' {
			if plus || prec >= 0 {
				return "", false
			}
			b = append(b, '%')
			continue
		}
		if next >= len(args) {
			return "", false
		}
		a := args[next]
		next++
		switch verb {
		case 's':
			s, ok := a.(string)
			if !ok || plus || prec >= 0 {
				return "", false
			}
			b = append(b, s...)
		case 'd':
			n, ok := a.(int)
			if !ok || prec >= 0 {
				return "", false
			}
			if plus && n >= 0 {
				b = append(b, '+')
			}
			b = strconv.AppendInt(b, int64(n), 10)
		case 'f', 'g':
			v, ok := a.(float64)
			if !ok || math.IsInf(v, 0) || math.IsNaN(v) {
				return "", false
			}
			b = appendNumber(b, v, verb, prec, plus, danish)
		default:
			return "", false
		}
	}
	if next != len(args) {
		return "", false
	}
	return string(b), true
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
