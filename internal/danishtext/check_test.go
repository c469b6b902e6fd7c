package danishtext

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	cases := []struct {
		name, text string
		bad        bool
	}{
		// What a new user met (issue 25).
		{"decimal point in a share", "Andel 1.46 % i 2024", true},
		{"decimal point in a projection", "fremskrevet til 108.5 i 2030", true},
		{"English inside Danish", "Målet: the plan sets no level", true},
		{"a code after a Danish word", "indberetninger af typen spending", true},
		{"raw breakdown codes", "køn male, kræftform 240", true},
		{"a dangling value", "kræftform )", true},
		{"a time zone as code", "hentet 2026-12-06 10:00 +0000 UTC", true},
		{"plural after one", "De seneste 1 kørsler", true},
		{"plural after one of", "0 af 1 linjer", true},
		{"another term for a status", "På sporet", true},
		{"a snake_case status", "status not_assessable", true},
		// Good Danish.
		{"decimal comma", "Andel 1,46 % i 2024", false},
		{"thousands separator", "13.010 tal i alt", false},
		{"a release label", "NORDCAN 9.2 (data til 2020)", false},
		{"a period range", "2016–2020: 90,2 %", false},
		{"the status term", "På rette spor", false},
		{"singular after one", "Den seneste 1 kørsel, 2 kørsler i alt", false},
		{"ten kørsler", "De seneste 10 kørsler", false},
		{"a year", "i 2025", false},
		{"a date", "offentliggjort 6.12.2026", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CheckText(c.text)
			if (len(got) > 0) != c.bad {
				t.Errorf("CheckText(%q) = %v; want a problem: %v", c.text, got, c.bad)
			}
		})
	}
}

func TestCheckHTMLSkipsEnglishAndCode(t *testing.T) {
	page := `<!doctype html><html lang="da"><body>
<p>Andel 1,46 % <span lang="en">Share 1.46 % (the plan sets no level)</span></p>
<p>Se <code>not_assessable</code> i API'et.</p>
<svg><text>38.5</text></svg>
</body></html>`
	got, err := CheckHTML(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	// Only the chart's 38.5 is Danish text with a point.
	if len(got) != 1 || !strings.Contains(got[0].Text, "38.5") {
		t.Errorf("CheckHTML: %v; want exactly the chart's 38.5", got)
	}
}
