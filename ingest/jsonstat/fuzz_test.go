package jsonstat

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"version":"2.0","class":"dataset","id":["a"],"size":[2],"dimension":{"a":{"category":{"index":{"x":0,"y":1}}}},"value":{"1":2},"status":"e"}`,
		`{"version":"2.0","class":"dataset","id":["a"],"size":[1],"dimension":{"a":{"category":{"label":{"x":"X"}}}},"value":[null],"status":["e"]}`,
		`{"dataset":{"dimension":{"a":{"category":{"index":["x"]}},"id":["a"],"size":[1],"role":{"time":["a"]}},"value":[1e999]}}`,
		`{"version":"2.0","class":"dataset","id":["a","b"],"size":[100000,100000],"dimension":{},"value":{}}`,
		`{"version":"2.0","class":"dataset","id":["a"],"size":[1],"dimension":{"a":{"category":{"index":{"x":-1}}}},"value":{"-0":1}}`,
		`{"class":"collection"}`,
		`[]`,
		`null`,
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := Decode(bytes.NewReader(in))
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			return
		}
		if d.Len() < 1 || d.Len() > maxCells {
			t.Fatalf("Len() = %d, outside 1..%d", d.Len(), maxCells)
		}
		// Materialising a cube of millions of cells would make each run
		// take seconds; the bound above is what matters for those.
		if d.Len() > 1<<16 {
			return
		}
		cells := d.Cells()
		if len(cells) != d.Len() {
			t.Fatalf("len(Cells()) = %d, Len() = %d", len(cells), d.Len())
		}
		for i, c := range cells {
			if c.Index != i || len(c.Codes) != len(d.ID) || c.Path == "" {
				t.Fatalf("cell %d = %+v, want index %d and %d codes", i, c, i, len(d.ID))
			}
			if c.Value != nil && (math.IsNaN(*c.Value) || math.IsInf(*c.Value, 0)) {
				t.Fatalf("cell %d has non-finite value %v", i, *c.Value)
			}
		}
	})
}
