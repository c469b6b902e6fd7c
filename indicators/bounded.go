package indicators

import (
	"strings"
	"unicode/utf8"
)

// MaxListedErrors is how many row problems kpv lists in an answer, an
// audit entry or the run log; the rest are counted. One 4 MiB batch of
// duplicate rows once made a 40 MB answer and 42 MB stored twice.
const MaxListedErrors = 100

// maxExcerpt is the longest text of a problem kpv repeats, in bytes: a
// message quotes the input value it refuses, and that value may be long.
const maxExcerpt = 200

// ErrorList is a bounded account of a batch's problems: the first
// MaxListedErrors in row order, the total, and how many concern each field.
type ErrorList struct {
	Rows  []RowError     `json:"rows"`
	Total int            `json:"total"`
	Kinds map[string]int `json:"kinds"`
}

// Bound lists at most MaxListedErrors of errs, each message and position
// cut to a short excerpt, with the total and the count per field.
func Bound(errs []RowError) ErrorList {
	l := ErrorList{Total: len(errs), Kinds: map[string]int{}}
	for i, e := range errs {
		l.Kinds[Excerpt(e.Field)]++
		if i < MaxListedErrors {
			e.Field, e.Message, e.Where = Excerpt(e.Field), Excerpt(e.Message), Excerpt(e.Where)
			l.Rows = append(l.Rows, e)
		}
	}
	return l
}

// Excerpt cuts s to at most maxExcerpt bytes on a character boundary,
// marking the cut with "…", and replaces NUL (which Postgres refuses in
// text and jsonb) and invalid UTF-8 with U+FFFD.
func Excerpt(s string) string { return cut(s, maxExcerpt) }

// ExcerptError cuts a whole error text, which may list several problems,
// to at most 2,000 bytes, as Excerpt does.
func ExcerptError(s string) string { return cut(s, 2000) }

func cut(s string, n int) string {
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	b := make([]rune, 0, len(s))
	for _, r := range s {
		if r == 0 {
			r = utf8.RuneError
		}
		b = append(b, r)
	}
	return string(b)
}
