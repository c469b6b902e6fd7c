package tabular

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrSuppressed is what Number returns for a cell that holds a publisher's
// mark for a suppressed, confidential or missing figure instead of a number.
// Such a cell must be stored as suppressed, never as 0.
var ErrSuppressed = errors.New("suppressed or missing")

// IsSuppressed reports whether s, trimmed of white space, is one of the
// marks publishers put where a figure is suppressed (too few respondents,
// discretion), confidential or missing:
//
//	""  "-"  "–"  "—"  "−"  "."  ".."  "..."  "…"  "x"  "X"  ":"  "*"  "n/a"  "NA"
//
// "n/a" and "NA" match in any case. "…" is what Excel's autocorrect makes of
// "...", and "−" (U+2212) is the typographic "-".
//
// Statistics Denmark uses "-" for "nothing" (a true zero) in some tables.
// It is still taken as suppressed here: losing a zero is visible and can be
// put right, while a suppressed figure stored as 0 would silently pull a
// regional or national average down.
func IsSuppressed(s string) bool {
	switch t := strings.TrimSpace(s); t {
	case "", "-", "–", "—", "−", ".", "..", "...", "…", "x", "X", ":", "*":
		return true
	default:
		return strings.EqualFold(t, "n/a") || strings.EqualFold(t, "na")
	}
}

// Number parses a figure as Danish and international publishers write it:
// "38", "38,5", "38.5", "1.234,5", "1 234,5", "1,234.5", "38 %", "-2,1",
// "−2,1" (U+2212), "+3". White space around the figure and before "%" is
// ignored; a space, a no-break space (U+00A0) or a narrow no-break space
// (U+202F) may separate thousands. percent reports a trailing "%"; v is the
// figure as written, so "38 %" is 38, not 0.38.
//
// Which of '.' and ',' is the decimal mark follows these rules, in order:
//
//   - Both present: the one that comes last is the decimal mark and must
//     occur once; the other separates thousands ("1.234,5", "1,234.5").
//   - Only ',': it is the decimal comma, so "1,234" is 1.234. A ',' that
//     occurs more than once ("1,234,567") is an error, not thousands: a
//     Danish file never groups with ',' and an English one that does would
//     be read wrong either way.
//   - Only '.', once, with exactly three digits after it and one to three
//     digits before it that do not start with 0 ("1.234", "38.500"): a
//     Danish thousands separator, so 1234 and 38500. Otherwise ("38.5",
//     "0.123", "1234.567") the decimal point.
//   - Only '.', more than once: thousands separators ("1.234.567").
//   - With spaces separating thousands, a single '.' or ',' is the decimal
//     mark ("1 234.5").
//
// Thousands separators must stand between groups of exactly three digits
// after a first group of one to three, so "12.34" or "1.23.4" is not
// silently misread. Letters (including "NaN", "Inf" and exponents), a sign
// not directly followed by a digit, a bare decimal mark (".5", "5,") and
// more than one kind of thousands separator are errors, each quoting s.
//
// For a suppression mark (see IsSuppressed) Number returns ErrSuppressed
// itself, so errors.Is(err, ErrSuppressed) holds exactly when
// IsSuppressed(s) does.
func Number(s string) (v float64, percent bool, err error) {
	t := strings.TrimSpace(s)
	if IsSuppressed(t) {
		return 0, false, ErrSuppressed
	}
	if rest, ok := strings.CutSuffix(t, "%"); ok {
		percent = true
		t = strings.TrimSpace(rest)
	}

	neg := false
	switch {
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	case strings.HasPrefix(t, "−"):
		neg, t = true, t[len("−"):]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	if t == "" {
		return 0, false, fmt.Errorf("%q: no digits", s)
	}

	// Split t into runs of digits and the separators between them.
	var (
		groups []string
		seps   []rune // '.', ',', or ' ' for every kind of space
		start  = 0
	)
	for i, c := range t {
		switch {
		case c >= '0' && c <= '9':
			continue
		case c == '.' || c == ',' || isGroupSpace(c):
			if i == start {
				return 0, false, fmt.Errorf("%q: %q must stand between digits", s, c)
			}
			groups = append(groups, t[start:i])
			start = i + utf8.RuneLen(c)
			if isGroupSpace(c) {
				c = ' '
			}
			seps = append(seps, c)
		case (c == 'e' || c == 'E') && i > start:
			return 0, false, fmt.Errorf("%q: exponent notation is not a published figure", s)
		default:
			return 0, false, fmt.Errorf("%q: unexpected character %q", s, c)
		}
	}
	if start == len(t) {
		return 0, false, fmt.Errorf("%q: %q must stand between digits", s, seps[len(seps)-1])
	}
	groups = append(groups, t[start:])

	dec, thousands, err := separators(s, groups, seps)
	if err != nil {
		return 0, false, err
	}

	// The decimal mark, if any, must be the last separator: no grouping
	// after it, and nothing but the one kind of thousands separator before.
	intGroups, frac := groups, ""
	if dec != 0 {
		if seps[len(seps)-1] != dec {
			return 0, false, fmt.Errorf("%q: thousands separator after the decimal mark", s)
		}
		intGroups, frac = groups[:len(groups)-1], groups[len(groups)-1]
	}
	for _, c := range seps[:len(intGroups)-1] {
		if c != thousands {
			return 0, false, fmt.Errorf("%q: mixes %q and %q as thousands separators", s, thousands, c)
		}
	}
	if len(intGroups) > 1 && !validGrouping(intGroups) {
		return 0, false, fmt.Errorf("%q: misplaced thousands separator %q", s, thousands)
	}

	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for _, g := range intGroups {
		b.WriteString(g)
	}
	if dec != 0 {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	v, err = strconv.ParseFloat(b.String(), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, false, fmt.Errorf("%q: out of range", s)
	}
	return v, percent, nil
}

// separators decides which separator is the decimal mark and which groups
// thousands, by the rules documented on Number. A zero rune means none.
func separators(s string, groups []string, seps []rune) (dec, thousands rune, err error) {
	var nDot, nComma, nSpace int
	last := map[rune]int{}
	for i, c := range seps {
		switch c {
		case '.':
			nDot++
		case ',':
			nComma++
		default:
			nSpace++
		}
		last[c] = i
	}
	moreThanOne := func() error { return fmt.Errorf("%q: more than one decimal mark", s) }
	switch {
	case nDot > 0 && nComma > 0:
		dec, thousands = ',', '.'
		if last['.'] > last[','] {
			dec, thousands = '.', ','
		}
		if (dec == '.' && nDot > 1) || (dec == ',' && nComma > 1) {
			return 0, 0, moreThanOne()
		}
		if nSpace > 0 {
			return 0, 0, fmt.Errorf("%q: mixes %q and %q as thousands separators", s, thousands, ' ')
		}
	case nComma > 0:
		if nComma > 1 {
			return 0, 0, moreThanOne()
		}
		dec = ','
		if nSpace > 0 {
			thousands = ' '
		}
	case nDot > 0 && nSpace > 0:
		if nDot > 1 {
			return 0, 0, moreThanOne()
		}
		dec, thousands = '.', ' '
	case nDot == 1:
		if validGrouping(groups) {
			thousands = '.'
		} else {
			dec = '.'
		}
	case nDot > 1:
		thousands = '.'
	case nSpace > 0:
		thousands = ' '
	}
	return dec, thousands, nil
}

// validGrouping reports whether digit groups split at thousands separators
// look like thousands: a first group of one to three digits not starting
// with 0, then groups of exactly three.
func validGrouping(groups []string) bool {
	if n := len(groups[0]); n < 1 || n > 3 || groups[0][0] == '0' {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// isGroupSpace reports whether c is a space publishers use between groups
// of thousands: ordinary, no-break (U+00A0), narrow no-break (U+202F, the
// SI style), thin (U+2009) and figure space (U+2007).
func isGroupSpace(c rune) bool {
	switch c {
	case ' ', '\u00A0', '\u202F', '\u2009', '\u2007':
		return true
	}
	return false
}
