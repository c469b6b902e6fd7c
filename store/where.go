package store

import (
	"fmt"
	"strings"
)

// where builds a query's WHERE clause and its arguments: each condition
// names its argument with "?", replaced by the next $n placeholder.
// Every filter in store builds its clause this way.
type where struct {
	conds []string
	args  []any
}

// add adds cond with v as its argument ("?" in cond stands for it).
func (w *where) add(cond string, v any) {
	w.conds = append(w.conds, strings.Replace(cond, "?", w.arg(v), 1))
}

// addIf adds cond when ok, so a zero filter field matches everything.
func (w *where) addIf(ok bool, cond string, v any) {
	if ok {
		w.add(cond, v)
	}
}

// arg adds v as an argument and returns its placeholder, for arguments
// outside the WHERE clause (LIMIT, OFFSET).
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

// sql returns the conditions joined with AND, or "true" when there are none.
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " AND ")
}

// page returns LIMIT and OFFSET clauses for the positive ones.
func (w *where) page(limit, offset int) string {
	var q string
	if limit > 0 {
		q += " LIMIT " + w.arg(limit)
	}
	if offset > 0 {
		q += " OFFSET " + w.arg(offset)
	}
	return q
}
