// Package testkit holds the helpers that tests in several packages share:
// the shipped catalogue, a pointer to a figure, a JSON GET. One copy here
// instead of one per package.
package testkit

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/indicators"
)

// Catalogue is the catalogue shipped with this build (indicators/catalogue.yaml).
func Catalogue(t testing.TB) *indicators.Catalogue {
	t.Helper()
	c, err := indicators.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Float points at v: optional figures (value, interval, counts) are pointers.
func Float(v float64) *float64 { return &v }

// GetJSON decodes the answer of GET url into into; anything but 200 fails t.
func GetJSON(t testing.TB, url string, into any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// CatalogueWith is the shipped catalogue with YAML text inserted at the
// start of top-level list sections (for example "indicators" or
// "geographies"), loaded and validated by the real loader, as a synthetic
// or edited catalogue for a test or benchmark.
func CatalogueWith(tb testing.TB, sections map[string]string) *indicators.Catalogue {
	tb.Helper()
	y := string(indicators.Embedded)
	for key, text := range sections {
		i := strings.Index(y, "\n"+key+":\n")
		if i < 0 {
			tb.Fatalf("the catalogue has no section %s", key)
		}
		i += len(key) + 3
		y = y[:i] + strings.TrimLeft(text, "\n") + y[i:]
	}
	c, err := indicators.Parse("catalogue+test.yaml", []byte(y))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
