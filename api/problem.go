package api

import (
	"encoding/json"
	"net/http"

	"github.com/kraeftplan/kpv/indicators"
)

// Problem is an RFC 9457 problem details object. Errors lists the fields or
// rows a request got wrong, so a client can show every mistake at once.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Errors   any    `json:"errors,omitempty"`
	// ErrorsTotal and ErrorKinds count every problem of a batch when
	// Errors lists only the first indicators.MaxListedErrors.
	ErrorsTotal int            `json:"errors_total,omitempty"`
	ErrorKinds  map[string]int `json:"error_kinds,omitempty"`
}

// rowProblems puts a bounded list of a batch's row problems into p.
func rowProblems(p Problem, rows []indicators.RowError) Problem {
	l := indicators.Bound(rows)
	p.Errors, p.ErrorsTotal, p.ErrorKinds = l.Rows, l.Total, l.Kinds
	return p
}

// Problem types kpv uses; other errors are "about:blank" with the HTTP
// status text as title.
const (
	problemInvalidParameter = "/problems/invalid-parameter"
	problemNotFound         = "/problems/not-found"
	problemUnavailable      = "/problems/unavailable"
	problemCorrupt          = "/problems/published-version-damaged"
)

func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	// A detail may quote the input; it is repeated only as an excerpt.
	p.Detail = indicators.ExcerptError(p.Detail)
	p.Instance = indicators.Excerpt(r.URL.RequestURI())
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func notFound(w http.ResponseWriter, r *http.Request, detail string) {
	writeProblem(w, r, Problem{Type: problemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: detail})
}

// ParamError is a bad query or path parameter.
type ParamError struct {
	Parameter string `json:"parameter"`
	Message   string `json:"message"`
}

func badParams(w http.ResponseWriter, r *http.Request, errs []ParamError) {
	detail := errs[0].Parameter + ": " + errs[0].Message
	if len(errs) > 1 {
		detail += " (and more, see errors)"
	}
	writeProblem(w, r, Problem{Type: problemInvalidParameter, Title: "Invalid parameter", Status: http.StatusBadRequest, Detail: detail, Errors: errs})
}
