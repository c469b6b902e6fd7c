package view

import (
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Danish time without the system's zone database
	"unicode"
	"unicode/utf8"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
)

// Funcs are the template functions of the pages and the report: numbers
// the Danish way (decimal comma, true minus sign), units, intervals,
// times and the status and comparison classes.
var Funcs = template.FuncMap{
	"num":    numAny,
	"unit":   indicators.Unit.Suffix,
	"dunit":  diffUnitSuffix,
	"ci":     ciText,
	"signed": signed,
	"ts":     timestamp,
	"status": func(s assess.Status) string { return "s-" + string(s) },
	"cmp":    func(c assess.Comparison) string { return "c-" + string(c) },
	"deref":  func(b *bool) bool { return b != nil && *b },
	"codes":  Codes,
	"first":  func(s string) string { f, _ := Headline(s); return f },
	"rest":   func(s string) string { _, r := Headline(s); return r },
	"after":  AfterLabel,
}

// AfterLabel is a reason without the label it opens with, for a place
// that shows the label just before it: a verdict's "Kan ikke afgøres
// endnu efter reglen: …" after "Kan ikke afgøres endnu" reads "Efter
// reglen: …". A reason that does not open with the label is unchanged.
func AfterLabel(label, reason string) string {
	rest, ok := strings.CutPrefix(reason, label+" ")
	if !ok || rest == "" {
		return reason
	}
	r, n := utf8.DecodeRuneInString(rest)
	return string(unicode.ToUpper(r)) + rest[n:]
}

// numDA writes a number the Danish way: decimal comma, a point between
// thousands (1.234,57), at most two decimals, a true minus sign.
func numDA(v float64) string {
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	sign := ""
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		sign, s = "−", rest
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	// Danish thousands separator: a point between groups of three digits.
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "." + whole[i:]
	}
	s = sign + whole
	if hasFrac {
		s += "," + frac
	}
	if s == "−0" {
		s = "0"
	}
	return s
}

func numAny(v any) string {
	switch x := v.(type) {
	case float64:
		return numDA(x)
	case *float64:
		if x == nil {
			return "–"
		}
		return numDA(*x)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

func signed(p *float64) string {
	if p == nil {
		return "–"
	}
	if *p > 0 {
		return "+" + numDA(*p)
	}
	return numDA(*p)
}

// diffUnitSuffix is the unit of a difference of two values: the difference
// of two percentages is in percentage points, not per cent.
func diffUnitSuffix(unit indicators.Unit) string { return unit.Change().Suffix() }

func ciText(ci *assess.Interval) string {
	if ci == nil {
		return ""
	}
	return "(" + numDA(ci.Lower) + "–" + numDA(ci.Upper) + ")"
}

// copenhagen is Danish time; the zone database is built in (time/tzdata),
// so a server without one still writes Danish times.
var copenhagen = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		panic(err)
	}
	return loc
}()

var monthsDA = [...]string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"}

// TimeDA writes a moment in Danish time the Danish way: "1. juni 2026
// kl. 14:00".
func TimeDA(t time.Time) string {
	t = t.In(copenhagen)
	return fmt.Sprintf("%d. %s %d kl. %02d:%02d", t.Day(), monthsDA[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

// DateDA writes a day in Danish time the Danish way: "1. juni 2026".
func DateDA(t time.Time) string {
	t = t.In(copenhagen)
	return fmt.Sprintf("%d. %s %d", t.Day(), monthsDA[t.Month()-1], t.Year())
}

// PublishedDA writes a publication date as precisely as the catalogue
// knows it: "2024-05-02" is "2. maj 2024", "2017-06" "juni 2017", "2024"
// "2024".
func PublishedDA(s string) string {
	s = strings.TrimSpace(s)
	for _, l := range []struct{ layout, out string }{{time.DateOnly, ""}, {"2006-01", "month"}, {"2006", "year"}} {
		t, err := time.Parse(l.layout, s)
		if err != nil {
			continue
		}
		switch l.out {
		case "month":
			return fmt.Sprintf("%s %d", monthsDA[t.Month()-1], t.Year())
		case "year":
			return strconv.Itoa(t.Year())
		}
		return fmt.Sprintf("%d. %s %d", t.Day(), monthsDA[t.Month()-1], t.Year())
	}
	if t, err := indicators.ParsePublished(s); err == nil {
		return DateDA(t)
	}
	return s
}

func timestamp(v any) string {
	switch t := v.(type) {
	case time.Time:
		return TimeDA(t)
	case *time.Time:
		if t == nil {
			return "–"
		}
		return TimeDA(*t)
	}
	return ""
}

//go:embed report.css
var reportStyle string

//go:embed charts.css
var chartStyle string

// ChartStyle is the charts' style sheet (panels, keys, the axes line),
// written once for the pages and the report.
func ChartStyle() string { return chartStyle }

// ReportStyle is the HTML report's style sheet, the charts' first: the
// text of its <style> element, which a Content-Security-Policy allows by
// its hash.
func ReportStyle() string { return chartStyle + reportStyle }

// Partials are the template partials the pages and the report share
// ({{template "region-row" .}}, {{template "nordic-row" .}}).
//
//go:embed partials.html
var Partials string

// command finds what a reader types in a Danish sentence: an API call
// with its path, a kpv command with its arguments.
var command = regexp.MustCompile(`(?:(?:POST|GET) )?/api/[^\s,;()]+|\bkpv [a-z][a-z-]*(?: [a-z0-9_-]+)*(?: --[a-z-]+(?: [A-ZÆØÅ]+)?)*`)

// Codes writes the commands and API paths in s as code, the rest as text.
func Codes(s string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range command.FindAllStringIndex(s, -1) {
		b.WriteString(template.HTMLEscapeString(s[last:m[0]]))
		b.WriteString("<code>" + template.HTMLEscapeString(s[m[0]:m[1]]) + "</code>")
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(s[last:]))
	return template.HTML(b.String())
}
