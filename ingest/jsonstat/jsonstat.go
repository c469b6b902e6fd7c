// Package jsonstat decodes JSON-stat datasets as statistics offices publish
// them: JSON-stat 1.x answers wrapped in a dataset ID (Statistics Denmark's
// StatBank) and JSON-stat 2.0 "dataset" answers (PxWeb at Statistics Norway,
// Sweden, Finland and Iceland). See https://json-stat.org/full/.
//
// Input is untrusted. Every error names the offending place as a JSON path,
// the cube is bounded before anything is allocated per cell, and Decode keeps
// memory proportional to the input rather than to the cube it describes (a
// sparse answer of a few bytes may describe millions of cells). Callers should
// still bound the reader, e.g. with http.MaxBytesReader.
package jsonstat

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const (
	// maxCells bounds the product of size. StatBank refuses answers over one
	// million cells and the PxWeb offices far fewer; twice StatBank's limit
	// leaves room while bounding what a tiny sparse answer can make a
	// caller iterate (and store).
	maxCells = 2_000_000
	// maxDims bounds len(id): size-1 dimensions do not grow the cell count,
	// but Cells stores one code per dimension per cell.
	maxDims = 100
)

// Dataset is a decoded JSON-stat dataset.
type Dataset struct {
	Label   string
	Source  string
	Updated string
	ID      []string // dimension ids in order
	Size    []int
	Dims    map[string]*Dimension
	Role    map[string][]string // "time", "geo", "metric" → dimension ids (may be empty)

	// Values and statuses are kept in the shape the publisher sent, so a
	// sparse answer stays sparse. An absent value is NaN, which cannot clash
	// with data because non-finite numbers are rejected.
	n         int
	codes     [][]string // category ids per dimension; a private copy so Cells survives callers editing Dims
	prefix    string     // JSON path of the dataset: "" for 2.0, "dataset" for StatBank
	dense     []float64
	sparse    map[int]float64 // non-nil when value was an object
	statusAll string
	status    map[int]string // per-position statuses, from an array or an object
}

// Dimension is one axis of the cube. Label falls back to ID when absent.
type Dimension struct {
	ID, Label  string
	Categories []Category // in index order
}

// Category is one value a dimension takes. Label falls back to ID when absent.
// Unit is category.unit[id].label, else .symbol, else .base (the open property
// PxWeb fills), else "".
type Category struct{ ID, Label, Unit string }

// Cell is one position of the cube.
type Cell struct {
	Index  int      // row-major position in `value`
	Codes  []string // category id per dimension, in ID order
	Value  *float64 // nil when absent/null
	Status string   // "" when none
	Path   string   // JSON path of the value: value[17], value["17"] (sparse) or dataset.value[17] (1.x)
}

// Error reports malformed input and where in the document it is.
type Error struct{ Path, Msg string }

func (e *Error) Error() string {
	if e.Path == "" {
		return "jsonstat: " + e.Msg
	}
	return "jsonstat: " + e.Path + ": " + e.Msg
}

func errorf(path, format string, args ...any) error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Decode reads one dataset: a JSON-stat 2.0 document of class "dataset", or a
// 1.x bundle holding exactly one dataset (StatBank names it "dataset").
func Decode(r io.Reader) (*Dataset, error) {
	dec := json.NewDecoder(r)
	var doc json.RawMessage
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonError("", err)
	}
	// Trailing bytes mean concatenated answers or an appended error page:
	// either way not the document we asked for.
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf("", "unexpected data after the JSON object")
	}
	var top map[string]json.RawMessage
	if err := unmarshal(doc, "", &top); err != nil {
		return nil, err
	}
	if top == nil {
		return nil, errorf("", "got null, want a JSON-stat object")
	}
	// 2.0 requires "class" and "version"; a 1.x bundle has neither at the root.
	if top["class"] != nil || top["version"] != nil {
		return decodeDataset(doc, "", true)
	}
	names := slices.Sorted(maps.Keys(top))
	if len(names) != 1 {
		return nil, errorf("", "1.x bundle holds %d datasets %.64q, want exactly one", len(names), names[:min(len(names), 5)])
	}
	path := key("", names[0])
	if ident.MatchString(names[0]) {
		path = names[0] // dataset.value[3] reads better than ["dataset"].value[3]
	}
	return decodeDataset(top[names[0]], path, false)
}

var ident = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func decodeDataset(raw json.RawMessage, prefix string, needClass bool) (*Dataset, error) {
	at := func(name string) string { return field(prefix, name) }
	var obj struct {
		Class, Label, Source, Updated string
		ID                            []string            `json:"id"`
		Size                          []count             `json:"size"`
		Role                          map[string][]string `json:"role"`
		Dimension, Value, Status      json.RawMessage
	}
	if err := unmarshal(raw, prefix, &obj); err != nil {
		return nil, err
	}
	switch {
	case firstByte(raw) != '{':
		return nil, errorf(prefix, "want a dataset object")
	case obj.Class == "" && needClass:
		return nil, errorf(at("class"), `missing, want "dataset"`)
	case obj.Class != "" && obj.Class != "dataset":
		return nil, errorf(at("class"), "%.64q is not supported (want a dataset)", obj.Class)
	}
	var dims map[string]json.RawMessage
	if err := unmarshal(obj.Dimension, at("dimension"), &dims); err != nil {
		return nil, err
	}
	if dims == nil {
		return nil, errorf(at("dimension"), "missing")
	}
	// id, size and role sit at the root of a 2.0 dataset, but inside
	// "dimension", next to the dimensions themselves, in 1.x.
	id, size, role, metaPath := obj.ID, counts(obj.Size), obj.Role, prefix
	if obj.ID == nil {
		// Looked up by exact key: a struct would also match a dimension
		// called "SIZE", as encoding/json ignores case.
		metaPath = at("dimension")
		var sz []count
		if err := cmp.Or(
			unmarshal(dims["id"], field(metaPath, "id"), &id),
			unmarshal(dims["size"], field(metaPath, "size"), &sz),
			unmarshal(dims["role"], field(metaPath, "role"), &role),
		); err != nil {
			return nil, err
		}
		size = counts(sz)
	}
	d := &Dataset{Label: obj.Label, Source: obj.Source, Updated: obj.Updated,
		ID: id, Size: size, Dims: map[string]*Dimension{}, Role: role, prefix: prefix}
	if d.Role == nil {
		d.Role = map[string][]string{}
	}
	idPath, sizePath := field(metaPath, "id"), field(metaPath, "size")
	switch {
	case len(d.ID) == 0:
		return nil, errorf(idPath, "missing or empty")
	case len(d.ID) > maxDims:
		return nil, errorf(idPath, "%d dimensions, at most %d supported", len(d.ID), maxDims)
	case len(d.Size) != len(d.ID):
		return nil, errorf(sizePath, "%d entries but id has %d", len(d.Size), len(d.ID))
	}
	// Bound the cube before anything is sized by it; dividing rather than
	// multiplying keeps the check itself from overflowing.
	d.n = 1
	for i, s := range d.Size {
		if s < 1 {
			return nil, errorf(elem(sizePath, i), "%d categories, want at least 1", s)
		}
		if d.n > maxCells/s {
			return nil, errorf(sizePath, "cube has more than %d cells", maxCells)
		}
		d.n *= s
	}

	for i, id := range d.ID {
		if d.Dims[id] != nil {
			return nil, errorf(elem(idPath, i), "duplicate dimension %.64q", id)
		}
		path := key(at("dimension"), id)
		dim, err := decodeDimension(dims[id], path, id)
		if err != nil {
			return nil, err
		}
		if len(dim.Categories) != d.Size[i] {
			return nil, errorf(path, "size %d but %d categories", d.Size[i], len(dim.Categories))
		}
		d.Dims[id] = dim
		codes := make([]string, len(dim.Categories))
		for j, c := range dim.Categories {
			codes[j] = c.ID
		}
		d.codes = append(d.codes, codes)
	}
	for _, role := range slices.Sorted(maps.Keys(d.Role)) {
		for i, id := range d.Role[role] {
			if d.Dims[id] == nil {
				return nil, errorf(elem(key(field(metaPath, "role"), role), i), "%.64q is not a dimension in id", id)
			}
		}
	}

	if err := d.decodeValues(obj.Value, at("value")); err != nil {
		return nil, err
	}
	if err := d.decodeStatus(obj.Status, at("status")); err != nil {
		return nil, err
	}
	return d, nil
}

func decodeDimension(raw json.RawMessage, path, id string) (*Dimension, error) {
	if raw == nil {
		return nil, errorf(path, "missing, but listed in id")
	}
	var obj struct {
		Label    string `json:"label"`
		Category *struct {
			Index json.RawMessage                       `json:"index"`
			Label map[string]string                     `json:"label"`
			Unit  map[string]map[string]json.RawMessage `json:"unit"`
		} `json:"category"`
	}
	if err := unmarshal(raw, path, &obj); err != nil {
		return nil, err
	}
	cat := obj.Category
	if cat == nil {
		return nil, errorf(field(path, "category"), "missing")
	}
	ids, err := categoryIDs(cat.Index, cat.Label, field(path, "category.index"))
	if err != nil {
		return nil, err
	}
	dim := &Dimension{ID: id, Label: cmp.Or(obj.Label, id), Categories: make([]Category, len(ids))}
	for i, cid := range ids {
		c := Category{ID: cid, Label: cmp.Or(cat.Label[cid], cid)}
		// Units are decoration: a malformed one is skipped rather than
		// costing the whole dataset.
		for _, k := range []string{"label", "symbol", "base"} {
			if json.Unmarshal(cat.Unit[cid][k], &c.Unit) == nil && c.Unit != "" {
				break
			}
		}
		dim.Categories[i] = c
	}
	return dim, nil
}

// categoryIDs returns a dimension's category ids in index order.
func categoryIDs(index json.RawMessage, labels map[string]string, path string) ([]string, error) {
	switch firstByte(index) {
	case 0, 'n': // absent or null: allowed for a single category, named by its label
		if len(labels) != 1 {
			return nil, errorf(path, "missing, and category.label has %d entries (want 1)", len(labels))
		}
		return slices.Collect(maps.Keys(labels)), nil
	case '[':
		var arr []*string // pointers tell null apart from ""
		if err := unmarshal(index, path, &arr); err != nil {
			return nil, err
		}
		ids, seen := make([]string, len(arr)), make(map[string]bool, len(arr))
		for i, id := range arr {
			if id == nil || seen[*id] {
				return nil, errorf(elem(path, i), "null or duplicate category id")
			}
			ids[i], seen[*id] = *id, true
		}
		return ids, nil
	case '{':
		var obj map[string]*count
		if err := unmarshal(index, path, &obj); err != nil {
			return nil, err
		}
		// Positions must be exactly 0..n-1. Sorted ids make the error for a
		// given document deterministic.
		ids, filled := make([]string, len(obj)), make([]bool, len(obj))
		for _, id := range slices.Sorted(maps.Keys(obj)) {
			switch p := obj[id]; {
			case p == nil || *p < 0 || int(*p) >= len(obj):
				return nil, errorf(key(path, id), "position out of range for %d categories", len(obj))
			case filled[*p]:
				return nil, errorf(key(path, id), "position %d already used by %.64q", *p, ids[*p])
			default:
				ids[*p], filled[*p] = id, true
			}
		}
		return ids, nil
	}
	return nil, errorf(path, "want an array or an object")
}

// count is a non-negative integer as publishers write it: 3, or "3" (some
// PxWeb installations and hand-built answers quote size and index
// positions). Anything else is refused with what was found.
type count int

func (c *count) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || !positionRE.MatchString(s) {
		return &json.UnmarshalTypeError{Value: "the value " + strconv.Quote(s), Type: reflect.TypeFor[int]()}
	}
	*c = count(n)
	return nil
}

func counts(cs []count) []int {
	if cs == nil {
		return nil
	}
	out := make([]int, len(cs))
	for i, c := range cs {
		out[i] = int(c)
	}
	return out
}

// decodeValues reads value: a dense array with null for absent values, or a
// sparse object keyed by position.
func (d *Dataset) decodeValues(raw json.RawMessage, path string) error {
	if firstByte(raw) == 0 {
		return errorf(path, "missing")
	}
	if firstByte(raw) == '{' {
		d.sparse = map[int]float64{}
	}
	count, err := d.scan(raw, path, func(p int, tok json.Token, at string) error {
		v, err := number(tok, at)
		if d.sparse != nil {
			d.sparse[p] = v
		} else {
			d.dense = append(d.dense, v)
		}
		return err
	})
	if err == nil && d.sparse == nil && count != d.n {
		return errorf(path, "%d values for %d cells", count, d.n)
	}
	return err
}

// decodeStatus reads status: one string for all values, an array with one
// entry per value (or a single entry for all), or a sparse object.
func (d *Dataset) decodeStatus(raw json.RawMessage, path string) error {
	switch firstByte(raw) {
	case 0, 'n':
		return nil
	case '"':
		return unmarshal(raw, path, &d.statusAll)
	case '[', '{':
	default:
		return errorf(path, "want a string, an array or an object")
	}
	if firstByte(raw) == '{' {
		inner, err := legacyStatus(raw, path)
		if err != nil {
			return err
		}
		if inner != nil {
			if again, _ := legacyStatus(inner, path); again != nil && firstByte(inner) == '{' {
				return errorf(path, "the status block is wrapped in \"value\" more than once")
			}
			return d.decodeStatus(inner, path+`["value"]`)
		}
	}
	d.status = map[int]string{}
	count, err := d.scan(raw, path, func(p int, tok json.Token, at string) error {
		s, ok := tok.(string)
		if !ok && tok != nil {
			return errorf(at, "not a string (got %s)", kind(tok))
		}
		if s != "" {
			d.status[p] = s
		}
		return nil
	})
	if err != nil || firstByte(raw) != '[' {
		return err
	}
	switch count {
	case d.n:
	case 1:
		d.statusAll, d.status = d.status[0], nil
	default:
		return errorf(path, "%d entries for %d cells (want %d or 1)", count, d.n, d.n)
	}
	return nil
}

// legacyStatus reads a status object whose keys are not cell positions.
// Eurostat's legacy answers wrap the statuses in one more object,
// {"value": {"0": "p"}}: its inner value is returned, to be read as the
// status. Any other word as a key is refused in words a user can act on
// (not "not a cell position"); nil, nil for an ordinary status object.
func legacyStatus(raw json.RawMessage, path string) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, nil // the scan names what is wrong
	}
	var words []string
	for k := range m {
		if _, err := strconv.Atoi(k); err != nil {
			words = append(words, strconv.Quote(k))
		}
	}
	if len(words) == 0 {
		return nil, nil
	}
	if len(m) == 1 && m["value"] != nil {
		return m["value"], nil
	}
	slices.Sort(words)
	return nil, errorf(path, "the status block is keyed by %s, not by cell positions: this is not a JSON-stat status (a flag such as \"p\" per cell, as a string, an array or an object {\"0\": \"p\"}); ask the publisher's JSON-stat 2.0 API (for Eurostat, the dissemination API's statistics/1.0/data)", strings.Join(words, ", "))
}

// scan streams a dense array or a sparse object of scalars, calling set with
// each cell position, its token and its path, and returns how many it saw.
// Streaming rather than unmarshalling lets an array far longer than the cube
// be rejected after n+1 elements; nested values arrive as a json.Delim, which
// set rejects, so scan never has to skip over them.
func (d *Dataset) scan(raw json.RawMessage, path string, set func(p int, tok json.Token, at string) error) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	open, err := dec.Token()
	if err != nil {
		return 0, jsonError(path, err)
	}
	if open != json.Delim('[') && open != json.Delim('{') {
		return 0, errorf(path, "want an array or an object")
	}
	seen := map[int]bool{}
	i := 0
	for ; dec.More(); i++ {
		p, at := i, elem(path, i)
		if open == json.Delim('{') {
			k, err := dec.Token()
			if err != nil {
				return i, jsonError(path, err)
			}
			at = key(path, k.(string))
			if p, err = d.position(k.(string), at); err != nil {
				return i, err
			}
			if seen[p] {
				return i, errorf(at, "duplicate position %d", p)
			}
			seen[p] = true
		} else if i >= d.n {
			return i, errorf(path, "more than %d entries for %d cells", d.n, d.n)
		}
		tok, err := dec.Token()
		if err != nil {
			return i, jsonError(at, err)
		}
		if err := set(p, tok, at); err != nil {
			return i, err
		}
	}
	return i, nil
}

// position parses a sparse key. Only canonical decimals are accepted: a
// JavaScript client would never find "07" or "+7" when looking up cell 7.
var positionRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

func (d *Dataset) position(k, path string) (int, error) {
	switch p, err := strconv.Atoi(k); {
	case !positionRE.MatchString(k):
		return 0, errorf(path, "not a cell position (want a non-negative integer)")
	case k[0] == '-':
		return 0, errorf(path, "negative position")
	case err != nil || p >= d.n:
		return 0, errorf(path, "position %.20s beyond %d cells", k, d.n)
	default:
		return p, nil
	}
}

// number converts a value token; null becomes NaN, the absent marker.
func number(tok json.Token, path string) (float64, error) {
	if tok == nil {
		return math.NaN(), nil
	}
	n, ok := tok.(json.Number)
	if !ok {
		return 0, errorf(path, "not a number (got %s)", kind(tok))
	}
	// ParseFloat also reports underflow as an error; only the infinities
	// from overflow (1e999) are unusable.
	f, _ := strconv.ParseFloat(string(n), 64)
	if math.IsInf(f, 0) {
		return 0, errorf(path, "%.32s is not a finite number", n)
	}
	return f, nil
}

func kind(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return "an array or object"
}

// Len returns the number of positions (product of Size).
func (d *Dataset) Len() int { return d.n }

// Cells returns every position of the cube in row-major order (the last
// dimension in ID varies fastest), including those with no value, so callers
// can see suppressed cells with their status. It allocates for every cell, so
// check Len first when the cube may be large.
func (d *Dataset) Cells() []Cell { return slices.Collect(d.All()) }

// All yields every position of the cube in row-major order, as Cells does,
// without holding them all in memory.
func (d *Dataset) All() iter.Seq[Cell] {
	return func(yield func(Cell) bool) {
		if d.n == 0 {
			return
		}
		k := len(d.codes)
		pos := make([]int, k) // odometer over category positions
		valuePath := field(d.prefix, "value")
		for i := 0; i < d.n; i++ {
			c := Cell{Index: i, Codes: make([]string, k), Status: d.statusAll}
			for j := range k {
				c.Codes[j] = d.codes[j][pos[j]]
			}
			v, ok := math.NaN(), false
			if d.sparse != nil {
				c.Path = valuePath + `["` + strconv.Itoa(i) + `"]`
				v, ok = d.sparse[i]
			} else {
				c.Path, v, ok = elem(valuePath, i), d.dense[i], true
			}
			if ok && !math.IsNaN(v) {
				c.Value = &v
			}
			if s, ok := d.status[i]; ok {
				c.Status = s
			}
			if !yield(c) {
				return
			}
			for j := k - 1; j >= 0; j-- {
				if pos[j]++; pos[j] < len(d.codes[j]) {
					break
				}
				pos[j] = 0
			}
		}
	}
}

// unmarshal decodes raw into v, leaving v untouched when raw is absent, and
// turns decoding errors into an *Error at path.
func unmarshal(raw json.RawMessage, path string, v any) error {
	if raw == nil {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return jsonError(path, err)
	}
	return nil
}

func jsonError(path string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return errorf(path, "invalid JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		// Field names struct fields only (not map keys), so it is appended
		// only to say which member of an object was wrong.
		if typ.Field != "" {
			path = field(path, typ.Field)
		}
		t := typ.Type
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		return errorf(path, "got %.64s, want %s", typ.Value, map[reflect.Kind]string{
			reflect.String: "a string", reflect.Int: "an integer", reflect.Slice: "an array",
			reflect.Map: "an object", reflect.Struct: "an object",
		}[t.Kind()])
	case err == io.EOF:
		return errorf(path, "empty input")
	case err == io.ErrUnexpectedEOF:
		return errorf(path, "unexpected end of input")
	}
	return errorf(path, "%v", err)
}

// Paths: keys come from the input, so they are quoted, which escapes control
// characters, and clipped before they reach logs.

func field(base, name string) string {
	if base == "" {
		return name
	}
	return base + "." + name
}

func key(base, k string) string { return fmt.Sprintf("%s[%.64q]", base, k) }

func elem(base string, i int) string { return base + "[" + strconv.Itoa(i) + "]" }

func firstByte(raw json.RawMessage) byte {
	if raw = bytes.TrimLeft(raw, " \t\r\n"); len(raw) == 0 {
		return 0
	}
	return raw[0]
}
