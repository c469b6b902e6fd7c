package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kraeftplan/kpv/followup"
)

// handler is an endpoint that returns its failure instead of writing it:
// handle answers a *Problem (errNotFound, paramErrors, …) as RFC 9457
// problem+json, and any other error as an internal error.
type handler func(w http.ResponseWriter, r *http.Request) error

// handle adapts h to net/http: the one place a failure becomes an answer.
func (s *Server) handle(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		var p *Problem
		var pe paramErrors
		switch {
		case err == nil:
		case errors.As(err, &pe):
			badParams(w, r, pe)
		case errors.As(err, &p):
			writeProblem(w, r, *p)
		default:
			s.internalError(w, r, err)
		}
	}
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// errNotFound is a 404 answer saying what is missing.
func errNotFound(detail string) error {
	return &Problem{Type: problemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: detail}
}

// paramErrors are every bad parameter of a request: a 400 answer.
type paramErrors []ParamError

func (e paramErrors) Error() string { return e[0].Parameter + ": " + e[0].Message }

// params reads a request's query parameters, the common ones typed
// (year, as_of, format, limit and offset), collecting every mistake for
// one answer (err).
type params struct {
	q    url.Values
	errs paramErrors
	now  time.Time
}

// queryParams starts reading r's query, which may hold only the known
// parameters.
func queryParams(r *http.Request, known ...string) *params {
	q := r.URL.Query()
	p := &params{q: q, now: time.Now()}
	for k := range q {
		if !slices.Contains(known, k) {
			p.add(k, "unknown parameter; this endpoint takes: "+strings.Join(known, ", "))
		}
	}
	slices.SortFunc(p.errs, func(a, b ParamError) int { return strings.Compare(a.Parameter, b.Parameter) })
	return p
}

// add records a mistake in parameter name.
func (p *params) add(name, message string) { p.errs = append(p.errs, ParamError{name, message}) }

// err is the mistakes found, or nil.
func (p *params) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return p.errs
}

// get is a parameter's text ("" if absent).
func (p *params) get(name string) string { return p.q.Get(name) }

// int reads an optional whole number.
func (p *params) int(name string) (int, bool) {
	v := p.q.Get(name)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.add(name, "not a whole number: "+strconv.Quote(v))
		return 0, false
	}
	return n, true
}

// bool reads an optional true or false.
func (p *params) bool(name string) bool {
	v := p.q.Get(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.add(name, "use true or false, not "+strconv.Quote(v))
	}
	return b
}

// planYear reads ?year=, a year of the plan up to now (default the
// current round).
func (p *params) planYear() int {
	year := followup.CurrentRound(p.now)
	if n, ok := p.int("year"); ok {
		year = n
		if n < followup.FirstYear || n > p.now.Year() {
			p.add("year", fmt.Sprintf("%d is not a year of the plan (%d–%d)", n, followup.FirstYear, p.now.Year()))
		}
	}
	return year
}

// asOf reads ?as_of= (a date, taken as the end of that day UTC, or an RFC
// 3339 time); def when absent.
func (p *params) asOf(def time.Time) time.Time {
	v := p.q.Get("as_of")
	if v == "" {
		return def
	}
	t, err := parseTime(v)
	if err != nil {
		p.add("as_of", err.Error())
	}
	return t
}

// format reads ?format= among formats, the first the default (json, csv
// where not given).
func (p *params) format(formats ...string) string {
	if len(formats) == 0 {
		formats = []string{"json", "csv"}
	}
	f := p.q.Get("format")
	if f == "" {
		return formats[0]
	}
	if !slices.Contains(formats, f) {
		sep := ", "
		if len(formats) == 2 {
			sep = " or "
		}
		p.add("format", "unknown format "+strconv.Quote(f)+"; use "+strings.Join(formats, sep))
	}
	return f
}

// page reads ?limit= (default defaultLimit, at most maxLimit) and ?offset=.
func (p *params) page() (limit, offset int) {
	limit = defaultLimit
	if n, ok := p.int("limit"); ok {
		if n < 1 || n > maxLimit {
			p.add("limit", "must be between 1 and "+strconv.Itoa(maxLimit))
		}
		limit = n
	}
	if n, ok := p.int("offset"); ok {
		if n < 0 {
			p.add("offset", "must not be negative")
		}
		offset = n
	}
	return limit, offset
}

// parseTime reads a date (the end of that day UTC) or an RFC 3339 time.
func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, &time.ParseError{Layout: "2006-01-02 or RFC 3339", Value: v, Message: ": not a date or timestamp"}
	}
	return d.Add(24*time.Hour - time.Nanosecond), nil
}

// table is an answer's CSV form: its file name, header and rows.
type table struct {
	name   string
	header []string
	rows   func(add func(...string))
}

// respond answers v as JSON, or t as CSV for format csv: the one place an
// answer's format is chosen.
func respond(w http.ResponseWriter, r *http.Request, format string, v any, t table) error {
	if format == "csv" {
		writeCSV(w, r, t.name, t.header, t.rows)
		return nil
	}
	writeJSON(w, r, v)
	return nil
}
