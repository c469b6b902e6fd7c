package report

import (
	"bytes"
	"testing"

	"github.com/kraeftplan/kpv/internal/danishtext"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// TestReportDanish runs the Danish-text checker over the HTML report of
// the fixture: the Danish text has no decimal point, English word, code,
// UTC stamp, plural after 1 or other name for a status.
func TestReportDanish(t *testing.T) {
	cat := testkit.Catalogue(t)
	r := fromSet(t, cat, 2025, fixture(t, cat))
	body, err := Render(r, "html")
	if err != nil {
		t.Fatal(err)
	}
	problems, err := danishtext.CheckHTML(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
