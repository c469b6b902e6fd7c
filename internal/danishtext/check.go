// Package danishtext finds what a Danish reader should not meet in kpv's
// pages, report and alerts: a decimal point where Danish writes a comma,
// English words and raw codes inside Danish lines, a plural after "1", a
// status called by another name than the one kpv uses everywhere. Tests run it
// over every page kind, the report and the alert texts; English stands beside
// Danish in elements marked lang="en", which are not checked.
package danishtext

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// Problem is one thing a Danish reader should not meet, with the text it
// was found in.
type Problem struct {
	Text string // the Danish text, shortened
	Why  string // what is wrong and what Danish writes instead
}

func (p Problem) String() string { return fmt.Sprintf("%s: %q", p.Why, p.Text) }

type rule struct {
	re  *regexp.Regexp
	why string
}

var (
	// A decimal point: digits, a point, and one, two, or four and more
	// digits. Three digits after a point is Danish's thousands separator
	// (13.010), so it passes.
	decimalPoint = regexp.MustCompile(`(?:^|[^\d.,])\d+\.(?:\d{1,2}|\d{4,})(?:[^\d.]|$)`)
	// What may carry a point: a publisher's release label (NORDCAN 9.2), a
	// date written day.month.year.
	pointAllowed = regexp.MustCompile(`(?i)(?:NORDCAN|version|udgave|release)\s+\d+\.\d+|\b\d{1,2}\.\d{1,2}\.\d{4}\b`)

	rules = []rule{
		{regexp.MustCompile(`\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b`), "a code where Danish needs a word"},
		{regexp.MustCompile(`(?i)\b(?:the|and|with|without|which|sets|level|male|female|spending|commentary|submission|overdue|upcoming|reached|on track|off track|not assessable|unknown)\b`), "an English word inside a Danish line"},
		{regexp.MustCompile(`[+-]\d{4} UTC\b|\bUTC\b`), "a time zone as a code: Danish times are Copenhagen time, written so"},
		{regexp.MustCompile(`\(\s*\)|\p{L} \)|\( \p{L}`), "an empty or dangling parenthesis: a value is missing"},
		{regexp.MustCompile(`(?i)(?:^|[^\d,.])1 (?:kørsler|linjer|indikatorer|milepæle|kilder|regioner|organisationer|rækker|sider|svarpersoner|tal(?:le)?ne|perioder|revisioner|indberetninger|mål)\b`), "a plural after 1"},
		{regexp.MustCompile(`(?i)\bpå sporet\b`), `another name for a status: kpv says "på rette spor"`},
	}
)

// CheckText returns the problems in one piece of Danish text.
func CheckText(s string) []Problem {
	var out []Problem
	short := shorten(s)
	if decimalPoint.MatchString(pointAllowed.ReplaceAllString(s, "")) {
		out = append(out, Problem{short, "a decimal point in Danish text: Danish writes a decimal comma (1,46 %)"})
	}
	for _, r := range rules {
		if r.re.MatchString(s) {
			out = append(out, Problem{short, r.why})
		}
	}
	return out
}

// CheckHTML returns the problems in the Danish text of an HTML document:
// every text node that is not inside an element marked lang="en" (or another
// language than Danish), nor inside code, pre, script or style.
func CheckHTML(r io.Reader) ([]Problem, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return nil, err
	}
	var out []Problem
	var walk func(n *html.Node, danish bool)
	walk = func(n *html.Node, danish bool) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "code", "pre", "script", "style", "kbd", "samp":
				return
			}
			for _, a := range n.Attr {
				if a.Key == "lang" {
					danish = strings.HasPrefix(strings.ToLower(a.Val), "da")
				}
			}
		}
		if n.Type == html.TextNode && danish && strings.TrimSpace(n.Data) != "" {
			out = append(out, CheckText(strings.Join(strings.Fields(n.Data), " "))...)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, danish)
		}
	}
	// A document without a lang attribute is taken as Danish: kpv's are.
	walk(doc, true)
	return out, nil
}

func shorten(s string) string {
	if r := []rune(s); len(r) > 120 {
		return string(r[:117]) + "…"
	}
	return s
}
