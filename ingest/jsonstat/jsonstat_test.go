package jsonstat

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/internal/testkit"
)

func decodeFile(t *testing.T, name string) *Dataset {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := Decode(f)
	if err != nil {
		t.Fatalf("Decode(%s): %v", name, err)
	}
	return d
}

func decodeString(s string) (*Dataset, error) { return Decode(strings.NewReader(s)) }

// The publishers' metadata survives decoding: the shape of the cube, and in
// 1.x the id/size/role hidden inside "dimension" rather than mistaken for
// dimensions.
func TestDecodeFixtures(t *testing.T) {
	for _, tc := range []struct {
		file         string
		label        string
		id           []string
		size         []int
		time, geo    []string
		metric       []string
		len, numDims int
	}{
		{"statbank-1x.json", "Folketal efter område, køn og tid", []string{"OMRÅDE", "KØN", "Tid"}, []int{3, 2, 2},
			[]string{"Tid"}, []string{"OMRÅDE"}, nil, 12, 3},
		{"pxweb-v2-sparse.json", "07459: Befolkning, etter region, år og statistikkvariabel", []string{"Region", "Tid", "ContentsCode"}, []int{3, 2, 1},
			[]string{"Tid"}, []string{"Region"}, []string{"ContentsCode"}, 6, 3},
		{"pxweb-v1-dense.json", "Folkmängden efter region, kön, tabellinnehåll och år", []string{"Region", "Kon", "ContentsCode", "Tid"}, []int{2, 2, 1, 2},
			[]string{"Tid"}, nil, []string{"ContentsCode"}, 8, 4},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d := decodeFile(t, tc.file)
			if d.Label != tc.label || d.Source == "" || d.Updated == "" {
				t.Errorf("label/source/updated = %q/%q/%q, want label %q and the others set", d.Label, d.Source, d.Updated, tc.label)
			}
			if !slices.Equal(d.ID, tc.id) || !slices.Equal(d.Size, tc.size) {
				t.Errorf("id %q size %v, want %q %v", d.ID, d.Size, tc.id, tc.size)
			}
			if d.Len() != tc.len || len(d.Cells()) != tc.len {
				t.Errorf("Len() = %d, len(Cells()) = %d, want %d", d.Len(), len(d.Cells()), tc.len)
			}
			if len(d.Dims) != tc.numDims {
				t.Errorf("%d dimensions, want %d (id, size and role are not dimensions)", len(d.Dims), tc.numDims)
			}
			for role, want := range map[string][]string{"time": tc.time, "geo": tc.geo, "metric": tc.metric} {
				if !slices.Equal(d.Role[role], want) {
					t.Errorf("role %s = %q, want %q", role, d.Role[role], want)
				}
			}
		})
	}
}

// Cells map a position to the right categories (last dimension fastest),
// report absent values as nil with their status, and carry the JSON path to
// point at in a log line.
func TestCells(t *testing.T) {
	for _, tc := range []struct {
		file   string
		index  int
		codes  []string
		value  *float64
		status string
		path   string
	}{
		{"statbank-1x.json", 0, []string{"000", "M", "2022"}, testkit.Float(100), "", "dataset.value[0]"},
		{"statbank-1x.json", 5, []string{"081", "M", "2023"}, testkit.Float(201), "", "dataset.value[5]"},
		{"statbank-1x.json", 7, []string{"081", "K", "2023"}, nil, "..", "dataset.value[7]"},
		{"statbank-1x.json", 11, []string{"082", "K", "2023"}, testkit.Float(311), "", "dataset.value[11]"},
		{"pxweb-v2-sparse.json", 1, []string{"0301", "2023", "Personer1"}, testkit.Float(2.5), "", `value["1"]`},
		{"pxweb-v2-sparse.json", 2, []string{"4601", "2022", "Personer1"}, nil, "..", `value["2"]`},
		{"pxweb-v2-sparse.json", 3, []string{"4601", "2023", "Personer1"}, testkit.Float(3.5), "", `value["3"]`},
		{"pxweb-v2-sparse.json", 5, []string{"5001", "2023", "Personer1"}, nil, ":", `value["5"]`},
		{"pxweb-v1-dense.json", 3, []string{"00", "2", "BE0101N1", "2023"}, testkit.Float(21), "B", "value[3]"},
		{"pxweb-v1-dense.json", 6, []string{"01", "2", "BE0101N1", "2022"}, nil, "..", "value[6]"},
		{"pxweb-v1-dense.json", 7, []string{"01", "2", "BE0101N1", "2023"}, testkit.Float(41), "", "value[7]"},
	} {
		t.Run(tc.file+" "+tc.path, func(t *testing.T) {
			d := decodeFile(t, tc.file)
			c := d.Cells()[tc.index]
			if c.Index != tc.index || !slices.Equal(c.Codes, tc.codes) || c.Status != tc.status || c.Path != tc.path {
				t.Errorf("%s cell %d = {%d %q %q %q}, want {%d %q %q %q}", tc.file, tc.index,
					c.Index, c.Codes, c.Status, c.Path, tc.index, tc.codes, tc.status, tc.path)
			}
			if (c.Value == nil) != (tc.value == nil) || c.Value != nil && *c.Value != *tc.value {
				t.Errorf("%s cell %d value = %v, want %v", tc.file, tc.index, deref(c.Value), deref(tc.value))
			}
		})
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// A 2x2 cube with the status written in each form the spec allows.
func TestStatusForms(t *testing.T) {
	const head = `{"version":"2.0","class":"dataset","id":["a","b"],"size":[2,2],
		"dimension":{"a":{"category":{"index":["x","y"]}},"b":{"category":{"index":["p","q"]}}},
		"value":[1,null,3,4]`
	for _, tc := range []struct {
		name, status string
		want         []string
	}{
		{"absent", ``, []string{"", "", "", ""}},
		{"null", `,"status":null`, []string{"", "", "", ""}},
		{"string applies to all", `,"status":"p"`, []string{"p", "p", "p", "p"}},
		{"array", `,"status":["a",null,"..","e"]`, []string{"a", "", "..", "e"}},
		{"array of one applies to all", `,"status":["e"]`, []string{"e", "e", "e", "e"}},
		{"sparse object", `,"status":{"1":"..","3":"e"}`, []string{"", "..", "", "e"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decodeString(head + tc.status + `}`)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var got []string
			for _, c := range d.Cells() {
				got = append(got, c.Status)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: statuses %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

// Labels are what a user sees; units come from label, symbol or PxWeb's base.
func TestLabelsAndUnits(t *testing.T) {
	for _, tc := range []struct {
		file, dim, dimLabel string
		cat                 Category
	}{
		{"statbank-1x.json", "OMRÅDE", "område", Category{"081", "Region Nordjylland", ""}},
		{"statbank-1x.json", "KØN", "køn", Category{"K", "Kvinder", ""}},
		{"pxweb-v2-sparse.json", "ContentsCode", "statistikkvariabel", Category{"Personer1", "Personer", "personer"}},
		{"pxweb-v2-sparse.json", "Region", "region", Category{"5001", "Trondheim", ""}},
		{"pxweb-v1-dense.json", "ContentsCode", "tabellinnehåll", Category{"BE0101N1", "Folkmängd", "antal"}},
	} {
		t.Run(tc.file+"/"+tc.dim, func(t *testing.T) {
			dim := decodeFile(t, tc.file).Dims[tc.dim]
			if dim == nil || dim.ID != tc.dim || dim.Label != tc.dimLabel || !slices.Contains(dim.Categories, tc.cat) {
				t.Errorf("%s: dimension %s = %+v, want label %q and category %+v", tc.file, tc.dim, dim, tc.dimLabel, tc.cat)
			}
		})
	}

	// Without labels, ids stand in, so callers always have something to show.
	d, err := decodeString(`{"version":"2.0","class":"dataset","id":["a"],"size":[1],
		"dimension":{"a":{"category":{"index":{"x":0},"unit":{"x":{"symbol":"%"}}}}},"value":[1]}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Dims["a"].Categories[0], (Category{"x", "x", "%"}); d.Dims["a"].Label != "a" || got != want {
		t.Errorf("dimension label %q, category %+v; want %q, %+v", d.Dims["a"].Label, got, "a", want)
	}
}

// A 1.x bundle is accepted under any single name; several datasets are
// refused rather than silently picking one.
func TestBundle(t *testing.T) {
	const ds = `{"dimension":{"a":{"category":{"index":{"x":0}}},"id":["a"],"size":[1]},"value":[7]}`
	d, err := decodeString(`{"pob*2012":` + ds + `}`)
	if err != nil {
		t.Fatal(err)
	}
	if c := d.Cells()[0]; *c.Value != 7 || c.Path != `["pob*2012"].value[0]` {
		t.Errorf("cell = %v at %s, want 7 at [\"pob*2012\"].value[0]", *c.Value, c.Path)
	}
	// 1.x keeps id, size and role among the dimensions; a dimension whose
	// name differs from those only in case is still a dimension.
	d, err = decodeString(`{"dataset":{"dimension":{"SIZE":{"category":{"index":{"x":0,"y":1}}},"id":["SIZE"],"size":[2]},"value":[1,2]}}`)
	if err != nil || d.Len() != 2 || d.Dims["SIZE"].Categories[1].ID != "y" {
		t.Errorf("dimension SIZE: err = %v, want a 2-cell cube", err)
	}
	_, err = decodeString(`{"one":` + ds + `,"two":` + ds + `}`)
	if err == nil || !strings.Contains(err.Error(), `2 datasets ["one" "two"]`) {
		t.Errorf("two datasets: err = %v, want it to name both", err)
	}
}

// A sparse answer of a few bytes may describe a large cube: positions far
// apart land on the right categories and explicit nulls count as absent.
func TestLargeSparseCube(t *testing.T) {
	d, err := decodeString(`{"version":"2.0","class":"dataset","id":["a","b"],"size":[1000,1000],
		"dimension":{"a":{"category":{"index":` + indexJSON(1000) + `}},"b":{"category":{"index":` + indexJSON(1000) + `}}},
		"value":{"0":null,"1001":2,"999999":5},"status":{"0":".."}}`)
	if err != nil {
		t.Fatal(err)
	}
	cells := d.Cells()
	if d.Len() != 1_000_000 || len(cells) != d.Len() {
		t.Fatalf("Len() = %d, len(Cells()) = %d, want 1000000", d.Len(), len(cells))
	}
	for _, tc := range []struct {
		index  int
		codes  []string
		value  *float64
		status string
	}{
		{0, []string{"c0", "c0"}, nil, ".."},
		{1001, []string{"c1", "c1"}, testkit.Float(2), ""},
		{999998, []string{"c999", "c998"}, nil, ""},
		{999999, []string{"c999", "c999"}, testkit.Float(5), ""},
	} {
		t.Run(strconv.Itoa(tc.index), func(t *testing.T) {
			c := cells[tc.index]
			if !slices.Equal(c.Codes, tc.codes) || c.Status != tc.status || (c.Value == nil) != (tc.value == nil) || c.Value != nil && *c.Value != *tc.value {
				t.Errorf("cell %d = %q %v %q, want %q %v %q", tc.index, c.Codes, deref(c.Value), c.Status, tc.codes, deref(tc.value), tc.status)
			}
		})
	}
}

func indexJSON(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = `"c` + strconv.Itoa(i) + `"`
	}
	return "[" + strings.Join(ids, ",") + "]"
}

// Malformed input is refused with an error that says where the problem is.
func TestDecodeErrors(t *testing.T) {
	// v2 builds a 2x3 cube; each case overrides one member.
	v2 := func(override string) string {
		m := map[string]string{
			"id":        `["a","b"]`,
			"size":      `[2,3]`,
			"dimension": `{"a":{"category":{"index":["x","y"]}},"b":{"category":{"index":{"p":0,"q":1,"r":2}}}}`,
			"value":     `[1,2,3,4,5,6]`,
		}
		name, val, _ := strings.Cut(override, "=")
		if name != "" {
			m[name] = val
		}
		s := `{"version":"2.0","class":"dataset"`
		for _, k := range []string{"id", "size", "dimension", "value", "status"} {
			if v, ok := m[k]; ok && v != "-" {
				s += `,"` + k + `":` + v
			}
		}
		return s + "}"
	}
	for _, tc := range []struct{ name, in, want string }{
		{"valid", v2(""), ""},
		{"size mismatch", v2(`size=[2,2]`), `jsonstat: dimension["b"]: size 2 but 3 categories`},
		{"id and size lengths", v2(`size=[6]`), `jsonstat: size: 1 entries but id has 2`},
		{"zero size", v2(`size=[2,0]`), `jsonstat: size[1]: 0 categories`},
		{"value too short", v2(`value=[1,2,3,4,5]`), `jsonstat: value: 5 values for 6 cells`},
		{"value too long", v2(`value=[1,2,3,4,5,6,7]`), `jsonstat: value: more than 6 entries for 6 cells`},
		{"value missing", v2(`value=-`), `jsonstat: value: missing`},
		{"sparse key not an integer", v2(`value={"1.5":1}`), `jsonstat: value["1.5"]: not a cell position`},
		{"sparse key with leading zero", v2(`value={"01":1}`), `jsonstat: value["01"]: not a cell position`},
		{"negative sparse key", v2(`value={"-1":1}`), `jsonstat: value["-1"]: negative position`},
		{"sparse key beyond range", v2(`value={"6":1}`), `jsonstat: value["6"]: position 6 beyond 6 cells`},
		{"huge sparse key", v2(`value={"99999999999999999999999":1}`), `jsonstat: value["99999999999999999999999"]: position`},
		{"duplicate sparse key", v2(`value={"1":1,"1":2}`), `jsonstat: value["1"]: duplicate position 1`},
		{"string value", v2(`value=[1,2,3,4,"5",6]`), `jsonstat: value[4]: not a number (got a string)`},
		{"nested value", v2(`value=[1,2,3,4,[5],6]`), `jsonstat: value[4]: not a number`},
		{"boolean sparse value", v2(`value={"2":true}`), `jsonstat: value["2"]: not a number (got a boolean)`},
		{"overflowing number", v2(`value=[1,2,3,1e999,5,6]`), `jsonstat: value[3]: 1e999 is not a finite number`},
		{"value not a container", v2(`value=7`), `jsonstat: value: want an array or an object`},
		{"status too long", v2(`status=["a","b"]`), `jsonstat: status: 2 entries for 6 cells (want 6 or 1)`},
		{"status beyond range", v2(`status={"12":"e"}`), `jsonstat: status["12"]: position 12 beyond 6 cells`},
		{"status not a string", v2(`status=[1,null,null,null,null,null]`), `jsonstat: status[0]: not a string (got a number)`},
		{"unknown class", strings.Replace(v2(""), `"dataset"`, `"collection"`, 1), `jsonstat: class: "collection" is not supported (want a dataset)`},
		{"missing class", strings.Replace(v2(""), `"class":"dataset",`, ``, 1), `jsonstat: class: missing`},
		{"missing dimension for an id", v2(`id=["a","c"]`), `jsonstat: dimension["c"]: missing, but listed in id`},
		{"duplicate id", v2(`id=["a","a"]`), `jsonstat: id[1]: duplicate dimension "a"`},
		{"missing category", v2(`dimension={"a":{"label":"A"},"b":{}}`), `jsonstat: dimension["a"].category: missing`},
		{"duplicate index positions", v2(`dimension={"a":{"category":{"index":["x","y"]}},"b":{"category":{"index":{"p":0,"q":0,"r":2}}}}`),
			`jsonstat: dimension["b"].category.index["q"]: position 0 already used by "p"`},
		{"index position out of range", v2(`dimension={"a":{"category":{"index":["x","y"]}},"b":{"category":{"index":{"p":0,"q":1,"r":3}}}}`),
			`jsonstat: dimension["b"].category.index["r"]: position out of range for 3 categories`},
		{"duplicate index id", v2(`dimension={"a":{"category":{"index":["x","x"]}},"b":{"category":{"index":["p","q","r"]}}}`),
			`jsonstat: dimension["a"].category.index[1]: null or duplicate category id`},
		{"no index and several labels", v2(`dimension={"a":{"category":{"label":{"x":"X","y":"Y"}}},"b":{"category":{"index":["p","q","r"]}}}`),
			`jsonstat: dimension["a"].category.index: missing, and category.label has 2 entries (want 1)`},
		{"role names unknown dimension", strings.Replace(v2(""), `"class":"dataset"`, `"class":"dataset","role":{"time":["t"]}`, 1),
			`jsonstat: role["time"][0]: "t" is not a dimension in id`},
		{"size of wrong type", v2(`size=[2,"three"]`), `jsonstat: size: got the value "three", want an integer`},
		{"size negative as a string", v2(`size=[2,"-3"]`), `jsonstat: size[1]: -3 categories, want at least 1`},
		{"index position not a number", v2(`dimension={"a":{"category":{"index":["x","y"]}},"b":{"category":{"index":{"p":"0","q":"one","r":"2"}}}}`), `got the value "one", want an integer`},
		{"cube too large", v2(`size=[100000,100000]`), `jsonstat: size: cube has more than 2000000 cells`},
		{"cube product overflows", `{"version":"2.0","class":"dataset","id":["a","b","c","d","e"],"size":[100000,100000,100000,100000,100000],"dimension":{},"value":[]}`,
			`jsonstat: size: cube has more than 2000000 cells`},
		{"1.x error paths name the wrapper", `{"dataset":{"dimension":{"a":{"category":{"index":{"x":0}}},"id":["a"],"size":[1]},"value":["1"]}}`,
			`jsonstat: dataset.value[0]: not a number`},
		{"1.x size inside dimension", `{"dataset":{"dimension":{"a":{"category":{"index":{"x":0}}},"id":["a"],"size":[2]},"value":[1,2]}}`,
			`jsonstat: dataset.dimension["a"]: size 2 but 1 categories`},
		{"not JSON", `{"version":`, `jsonstat: unexpected end of input`},
		{"syntax error", `{"version" "2.0"}`, `jsonstat: invalid JSON at byte`},
		{"not an object", `[1,2]`, `jsonstat: got array, want an object`},
		{"trailing data", v2("") + `{}`, `jsonstat: unexpected data after the JSON object`},
		{"empty input", ``, `jsonstat: empty input`},
		{"null", `null`, `jsonstat: got null, want a JSON-stat object`},
		{"null dataset", `{"dataset":null}`, `jsonstat: dataset: want a dataset object`},
		{"empty bundle", `{}`, `jsonstat: 1.x bundle holds 0 datasets`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decodeString(tc.in)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if d.Len() != 6 {
					t.Fatalf("Len() = %d, want 6", d.Len())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err is %T, want *Error", err)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{&Error{"value[4]", "not a number"}, "jsonstat: value[4]: not a number"},
		{&Error{"", "empty input"}, "jsonstat: empty input"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}
