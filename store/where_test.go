package store

import (
	"reflect"
	"testing"
)

func TestWhere(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(w *where) string
		sql   string
		args  []any
	}{
		{"no conditions match all", func(w *where) string { return w.sql() }, "true", nil},
		{"one", func(w *where) string { w.add("a = ?", 1); return w.sql() }, "a = $1", []any{1}},
		{"skipped zero fields take no placeholder", func(w *where) string {
			w.addIf(false, "a = ?", "")
			w.addIf(true, "b = ANY(?)", []string{"x"})
			w.addIf(false, "c = ?", 0)
			w.addIf(true, "d <= ?", 7)
			return w.sql()
		}, "b = ANY($1) AND d <= $2", []any{[]string{"x"}, 7}},
		{"page numbers after the conditions", func(w *where) string {
			w.add("a = ?", "x")
			return w.sql() + w.page(10, 20)
		}, "a = $1 LIMIT $2 OFFSET $3", []any{"x", 10, 20}},
		{"zero limit and offset add nothing", func(w *where) string { return w.sql() + w.page(0, 0) }, "true", nil},
		{"offset alone", func(w *where) string { return w.sql() + w.page(0, 5) }, "true OFFSET $1", []any{5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w where
			if got := tc.build(&w); got != tc.sql {
				t.Errorf("sql %q, want %q", got, tc.sql)
			}
			if !reflect.DeepEqual(w.args, tc.args) {
				t.Errorf("args %#v, want %#v", w.args, tc.args)
			}
		})
	}
}
