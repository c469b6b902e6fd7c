// Package testkit holds the helpers that tests in several packages share:
// the shipped catalogue, a pointer to a figure, a JSON GET. One copy here
// instead of one per package.
package testkit

import (
	"encoding/json"
	"net/http"
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
