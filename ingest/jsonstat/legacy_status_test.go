package jsonstat

import (
	"slices"
	"strings"
	"testing"
)

// Eurostat's legacy status block, {"value": {...}}, is read as the status
// it wraps; any other word as a key is refused in words a user can act on,
// not "not a cell position".
func TestLegacyStatus(t *testing.T) {
	const head = `{"version":"2.0","class":"dataset","id":["a","b"],"size":[2,2],
		"dimension":{"a":{"category":{"index":["x","y"]}},"b":{"category":{"index":["p","q"]}}},
		"value":[1,null,3,4]`
	for _, tc := range []struct {
		name, status string
		want         []string
		err          string
	}{
		{"wrapped sparse object", `,"status":{"value":{"1":"..","3":"p"}}`, []string{"", "..", "", "p"}, ""},
		{"wrapped string", `,"status":{"value":"e"}`, []string{"e", "e", "e", "e"}, ""},
		{"labels beside the flags", `,"status":{"label":{"p":"provisional"},"value":{"0":"p"}}`, nil,
			`status: the status block is keyed by "label", "value", not by cell positions: this is not a JSON-stat status`},
		{"wrapped twice", `,"status":{"value":{"value":{"0":"p"}}}`, nil, `wrapped in "value" more than once`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decodeString(head + tc.status + `}`)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range d.Cells() {
				got = append(got, c.Status)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("statuses %q, want %q", got, tc.want)
			}
		})
	}
}
