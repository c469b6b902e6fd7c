package view

import (
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

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
}

// numDA writes a number the Danish way: decimal comma, at most two
// decimals, a true minus sign.
func numDA(v float64) string {
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	s = strings.Replace(s, ".", ",", 1)
	if strings.HasPrefix(s, "-") {
		s = "−" + s[1:]
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

func timestamp(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	case *time.Time:
		if t == nil {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return ""
}

//go:embed report.css
var reportStyle string

// ReportStyle is the HTML report's style sheet: the text of its <style>
// element, which a Content-Security-Policy allows by its hash.
func ReportStyle() string { return reportStyle }

// Partials are the template partials the pages and the report share
// ({{template "region-row" .}}, {{template "nordic-row" .}}).
//
//go:embed partials.html
var Partials string
