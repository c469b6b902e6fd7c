package view

import "testing"

func TestHeadline(t *testing.T) {
	for _, c := range []struct{ name, in, first, rest string }{
		{"one sentence", "Kan ikke afgøres endnu: 4 af 7 har tal.", "Kan ikke afgøres endnu: 4 af 7 har tal.", ""},
		{"two sentences", "Ikke på rette spor efter reglen. Danmark er nr. 4 i 2020.", "Ikke på rette spor efter reglen.", "Danmark er nr. 4 i 2020."},
		{"abbreviation", "Danmark er nr. 4 og pr. region lavest. Mere.", "Danmark er nr. 4 og pr. region lavest.", "Mere."},
	} {
		t.Run(c.name, func(t *testing.T) {
			if f, r := Headline(c.in); f != c.first || r != c.rest {
				t.Errorf("Headline(%q) = %q, %q; want %q, %q", c.in, f, r, c.first, c.rest)
			}
		})
	}
}
