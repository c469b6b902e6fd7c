package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/store"
)

// maxSubmissionBytes bounds a submitted batch: a year's figures for one
// indicator by region and breakdown are a few kilobytes.
const maxSubmissionBytes = 4 << 20

// regionsOrg is Danske Regioner, the regions' joint organisation. The
// indicators it owns are reported by the five regions, each for its own
// region (e.g. g1_gp_followup_plan: "The regions submit the share per
// region"), so a region's token may write them for its region.
const regionsOrg = "regioner"

const (
	actionSubmit        = "observations.submit"
	problemInvalidBatch = "/problems/invalid-batch"
	problemConflict     = "/problems/not-submittable"
)

// submittable says why figures of in cannot be submitted, or "" if they
// can. Figures that no API publishes are submitted: the indicators of the
// catalogue's submission source, and those read from report tables and
// spreadsheet appendices (format table: LUP, the Barometer survey,
// eSundhed), which an owner may transcribe instead of uploading a file. A
// figure kpv fetches from a publisher's API (JSON-stat, NORDCAN) is
// corrected at the publisher, and a derived indicator is computed by kpv.
func (s *Server) submittable(in *indicators.Indicator) string {
	if in.Derived != nil {
		return fmt.Sprintf("indicator %s is derived by kpv from %s and takes no figures of its own", in.ID, in.Derived.From)
	}
	src, ok := s.cat.Source(in.Source)
	if !ok || src.Format.Submitted() || src.Format == indicators.FormatTable {
		return ""
	}
	return fmt.Sprintf("the figures of indicator %s are fetched by kpv from %s (%s format); they are corrected at the publisher, and an admin can re-run the ingest (POST /api/v1/ingest/%s/run)",
		in.ID, src.ID, src.Format, src.ID)
}

// submissionSource is the source a submitted figure is recorded under: the
// indicator's own source when that is a submission source, else the
// catalogue's submission source (the figure came by submission, not from
// the publisher's file).
func (s *Server) submissionSource(in *indicators.Indicator) string {
	if src, ok := s.cat.Source(in.Source); ok && src.Format.Submitted() {
		return src.ID
	}
	for _, src := range s.cat.Sources {
		if src.Format.Submitted() {
			return src.ID
		}
	}
	return in.Source
}

// scopeError says why p may not write in at all, or "". An admin may write
// any indicator; a submitter its organisation's; a region's organisation
// also Danske Regioner's (its rows are limited to its region, checked per
// row).
func scopeError(p *Principal, in *indicators.Indicator) string {
	switch {
	case p.Role == store.RoleAdmin, in.Owner == p.Org:
		return ""
	case p.Region != "" && in.Owner == regionsOrg:
		return ""
	case p.Region != "":
		return fmt.Sprintf("indicator %s is owned by %s; a token of %s may write only that organisation's and Danske Regioner's indicators, for region %s", in.ID, in.Owner, p.Org, p.Region)
	default:
		return fmt.Sprintf("indicator %s is owned by %s; a token of %s may write only that organisation's indicators", in.ID, in.Owner, p.Org)
	}
}

// submitObservations takes a batch of an indicator's figures as JSON
// ({"observations": [...]}) or CSV (a header row, one figure a row). The
// batch is checked whole, the same way as an ingested one
// (indicators.Prepare), and written in one transaction as a logged run of kind
// submission, or rejected whole with every bad row. Every outcome is
// audited.
func (s *Server) submitObservations(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	id := chi.URLParam(r, "id")
	target := "indicator:" + id
	detail := map[string]any{}
	reject := func(status int, outcome string, prob Problem, runID *int64) {
		prob.Status = status
		detail["problem"] = prob.Detail
		if prob.Errors != nil {
			// The same bounded list as the answer.
			detail["errors"] = prob.Errors
			if prob.ErrorsTotal > 0 {
				detail["errors_total"], detail["error_kinds"] = prob.ErrorsTotal, prob.ErrorKinds
			}
		}
		s.audit(r, p, actionSubmit, target, outcome, status, runID, detail)
		writeProblem(w, r, prob)
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSubmissionBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			detail["bytes_limit"] = maxSubmissionBytes
			reject(http.StatusRequestEntityTooLarge, store.AuditRejected, Problem{Type: problemInvalidBatch, Title: "Batch too large",
				Detail: fmt.Sprintf("a batch may have at most %d bytes; split it", maxSubmissionBytes)}, nil)
			return
		}
		reject(http.StatusBadRequest, store.AuditRejected, Problem{Type: problemInvalidBatch, Title: "Unreadable batch", Detail: "reading the body: " + err.Error()}, nil)
		return
	}
	sum := sha256.Sum256(body)
	detail["bytes"], detail["sha256"] = len(body), hex.EncodeToString(sum[:])

	in, ok := s.cat.Indicator(id)
	if !ok {
		reject(http.StatusNotFound, store.AuditRejected, Problem{Type: problemNotFound, Title: "Not found",
			Detail: "no indicator " + strconv.Quote(id) + "; GET /api/v1/indicators lists them"}, nil)
		return
	}
	if why := s.submittable(in); why != "" {
		reject(http.StatusConflict, store.AuditRejected, Problem{Type: problemConflict, Title: "Figures not submittable", Detail: why}, nil)
		return
	}
	if why := scopeError(p, in); why != "" {
		reject(http.StatusForbidden, store.AuditRefused, Problem{Type: problemForbidden, Title: "Forbidden", Detail: why}, nil)
		return
	}

	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var rows []indicators.Observation
	var bad []indicators.RowError
	var where []string
	switch ctype {
	case "application/json":
		rows, where, bad, err = parseJSONBatch(in, body)
	case "text/csv":
		// Read by the table adapter, as a table file is (ingest/format_submission.go).
		rows, where, bad, err = ingest.ReadSubmittedCSV(s.cat, in, "batch.csv", body)
	default:
		reject(http.StatusUnsupportedMediaType, store.AuditRejected, Problem{Type: problemInvalidBatch, Title: "Unsupported media type",
			Detail: "send the batch as application/json or text/csv, not " + strconv.Quote(r.Header.Get("Content-Type"))}, nil)
		return
	}
	if err != nil {
		reject(http.StatusBadRequest, store.AuditRejected, Problem{Type: problemInvalidBatch, Title: "Malformed batch", Detail: err.Error()}, nil)
		return
	}
	detail["rows"] = len(rows)

	// A region writes only its own region's figures: rows for another
	// geography are refused before anything is checked or written.
	if p.Role != store.RoleAdmin && p.Region != "" {
		var out []indicators.RowError
		for i, o := range rows {
			if g, ok := s.cat.Geography(o.Geography); ok && g.Code != p.Region && !hasRowError(bad, i+1) {
				out = append(out, indicators.RowError{Row: i + 1, Field: "geography", Where: where[i],
					Message: fmt.Sprintf("%s is not %s's region (%s): a region submits only its own figures", g.Code, p.Org, p.Region)})
			}
		}
		if len(out) > 0 {
			reject(http.StatusForbidden, store.AuditRefused, rowProblems(Problem{Type: problemForbidden, Title: "Forbidden",
				Detail: fmt.Sprintf("%d row(s) are another region's figures; nothing was written", len(out))}, out), nil)
			return
		}
	}

	prepared, bad := s.check(rows, where, bad)
	source := s.submissionSource(in)
	var auditID int64
	run, err := s.store.Record(r.Context(), source, store.KindSubmission, func(ctx context.Context, tx pgx.Tx, runID int64) (store.Counts, error) {
		if len(bad) > 0 {
			return store.Counts{}, &indicators.BatchError{Rows: bad, Read: len(rows)}
		}
		n, err := store.WriteObservations(ctx, tx, runID, source, prepared)
		if err != nil {
			return n, err
		}
		// The accepted write and its audit entry commit together.
		detail["counts"] = n
		auditID, err = store.AuditIn(ctx, tx, s.auditEntry(r, p, actionSubmit, target, store.AuditAccepted, http.StatusOK, &runID, detail))
		return n, err
	})
	var runID *int64
	if run.ID != 0 {
		runID = &run.ID
	}
	var be *indicators.BatchError
	switch {
	case errors.As(err, &be):
		note := ""
		if ctype == "text/csv" {
			note = " (row 0 is the header)"
		}
		reject(http.StatusUnprocessableEntity, store.AuditRejected, rowProblems(Problem{Type: problemInvalidBatch, Title: "Invalid batch",
			Detail: fmt.Sprintf("%d problem(s) in a batch of %d row(s)%s; nothing was written; the first %d are listed",
				len(be.Rows), len(rows), note, min(len(be.Rows), indicators.MaxListedErrors))}, be.Rows), runID)
		return
	case err != nil:
		s.audit(r, p, actionSubmit, target, store.AuditFailed, failedStatus(err), runID, detail)
		s.internalError(w, r, err)
		return
	}
	if s.afterWrite != nil {
		s.afterWrite(run)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, map[string]any{"run": run, "audit_id": auditID, "links": map[string]string{
		"observations": "/api/v1/indicators/" + in.ID + "/observations",
		"run":          "/api/v1/ingest/runs?kind=submission&source=" + source,
	}})
}

func hasRowError(bad []indicators.RowError, row int) bool {
	return slices.ContainsFunc(bad, func(e indicators.RowError) bool { return e.Row == row })
}

// check runs the rows that parsed through the catalogue's checks
// (indicators.Prepare, as for an ingest) and returns them prepared, with every
// bad row of the batch (parse and catalogue errors) in row order.
func (s *Server) check(rows []indicators.Observation, where []string, bad []indicators.RowError) ([]indicators.Observation, []indicators.RowError) {
	var good []indicators.Observation
	var index []int
	for i, o := range rows {
		if !hasRowError(bad, i+1) {
			good = append(good, o)
			index = append(index, i)
		}
	}
	if len(rows) == 0 && len(bad) == 0 {
		bad = append(bad, indicators.RowError{Row: 0, Field: "observations", Message: "the batch has no rows"})
	}
	prepared, err := indicators.Prepare(s.cat, good)
	var be *indicators.BatchError
	if errors.As(err, &be) {
		for _, e := range be.Rows {
			i := index[e.Row-1]
			e.Row, e.Where = i+1, where[i]
			bad = append(bad, e)
		}
	} else if err == nil {
		bad = append(bad, publishedOutside(prepared, index, where, time.Now())...) // published_check.go
	}
	slices.SortStableFunc(bad, func(a, b indicators.RowError) int { return a.Row - b.Row })
	return prepared, bad
}

// jsonRow is one figure of a JSON batch, in the shape the observations
// endpoint returns.
type jsonRow struct {
	Indicator   string               `json:"indicator"`
	Period      string               `json:"period"`
	Geography   string               `json:"geography"`
	Breakdown   indicators.Breakdown `json:"breakdown"`
	Value       *float64             `json:"value"`
	Numerator   *float64             `json:"numerator"`
	Denominator *float64             `json:"denominator"`
	CILower     *float64             `json:"ci_lower"`
	CIUpper     *float64             `json:"ci_upper"`
	Suppressed  bool                 `json:"suppressed"`
	// Published is when the owner published the figure (a date); the
	// time of the submission if absent.
	Published string `json:"published"`
}

// parseJSONBatch reads {"observations": [...]}. A body that is not such an
// object is an error; a row that does not decode is a bad row naming the
// field.
func parseJSONBatch(in *indicators.Indicator, body []byte) ([]indicators.Observation, []string, []indicators.RowError, error) {
	var doc struct {
		Observations []json.RawMessage `json:"observations"`
	}
	if err := duplicateKey(body); err != nil { // jsonkeys.go
		return nil, nil, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, nil, fmt.Errorf(`the body is not a JSON object {"observations": [...]}: %v`, err)
	}
	if dec.More() {
		return nil, nil, nil, errors.New("the body has more than one JSON value")
	}
	if !bytes.Contains(body, []byte(`"observations"`)) {
		return nil, nil, nil, errors.New(`the body's field is "observations", in lower case`)
	}
	var rows []indicators.Observation
	var where []string
	var bad []indicators.RowError
	for i, raw := range doc.Observations {
		pos := fmt.Sprintf("observations[%d]", i)
		var jr jsonRow
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if f, ok := misspeltField(raw); ok {
			// encoding/json matches names regardless of case; kpv does not.
			bad = append(bad, indicators.RowError{Row: i + 1, Field: f, Where: pos,
				Message: "field names are lower case: write " + strings.ToLower(f) + ", not " + f})
		} else if err := d.Decode(&jr); err != nil {
			field, msg := "row", err.Error()
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				field, msg = te.Field, fmt.Sprintf("expected %s, got a JSON %s", jsonKind(te.Type.Kind().String()), te.Value)
			} else if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
				field, msg = strings.Trim(f, `"`), "unknown field; a row has period, geography, breakdown, value, numerator, denominator, ci_lower, ci_upper, suppressed, published"
			}
			if field == "" {
				field = "row" // a row that is not an object, or a field with an empty name
			}
			bad = append(bad, indicators.RowError{Row: i + 1, Field: field, Message: msg, Where: pos})
		} else if _, blank := jr.Breakdown[""]; blank {
			bad = append(bad, indicators.RowError{Row: i + 1, Field: "breakdown", Message: "a breakdown dimension has an empty name", Where: pos})
		} else if jr.Indicator != "" && jr.Indicator != in.ID {
			bad = append(bad, indicators.RowError{Row: i + 1, Field: "indicator", Message: fmt.Sprintf("row is for %s, but the batch is posted to %s", jr.Indicator, in.ID), Where: pos})
		}
		if jr.Geography == "" {
			jr.Geography = "DK"
		}
		o := indicators.Observation{Indicator: in.ID, Period: jr.Period, Geography: jr.Geography, Breakdown: jr.Breakdown,
			Value: jr.Value, Numerator: jr.Numerator, Denominator: jr.Denominator, CILower: jr.CILower, CIUpper: jr.CIUpper, Suppressed: jr.Suppressed}
		if jr.Published != "" {
			t, err := indicators.ParsePublished(jr.Published)
			if err != nil {
				bad = append(bad, indicators.RowError{Row: i + 1, Field: "published", Message: err.Error(), Where: pos})
			}
			o.PublishedAt = t
		}
		rows = append(rows, o)
		where = append(where, pos)
	}
	return rows, where, bad, nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "float64":
		return "a number"
	case "map":
		return "an object of dimension: value"
	case "bool":
		return "true or false"
	}
	return "a " + goKind
}

// jsonFields are the exact names of a JSON row's fields.
var jsonFields = func() []string {
	var out []string
	t := reflect.TypeFor[jsonRow]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}()

// misspeltField returns a field of a JSON row that matches one of
// jsonFields only when case is ignored ("Value" for "value").
func misspeltField(raw []byte) (string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return "", false
	}
	for k := range m {
		if !slices.Contains(jsonFields, k) && slices.ContainsFunc(jsonFields, func(f string) bool { return strings.EqualFold(f, k) }) {
			return k, true
		}
	}
	return "", false
}
