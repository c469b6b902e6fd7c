package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/followup"
	"github.com/kraeftplan/kpv/pages"
	"github.com/kraeftplan/kpv/report"
	"github.com/kraeftplan/kpv/store"
)

func versionURL(year, version int) string { return report.VersionURL(year, version) }

// decorateReport adds the publication part (report.Decorate).
func (s *Server) decorateReport(ctx context.Context, rep *report.Report, at time.Time) error {
	return report.Decorate(ctx, s.store, s.cat, rep, at)
}

// approveReport freezes the year's report as a new published version:
// built as of now, rendered in every format, each stored with its SHA-256
// and served byte for byte from then on. The answer lists the versions'
// addresses and digests.
func (s *Server) approveReport(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	target := "report:" + chi.URLParam(r, "year")
	year, err := strconv.Atoi(chi.URLParam(r, "year"))
	now := time.Now().UTC()
	reject := func(status int, prob Problem) {
		prob.Status = status
		s.audit(r, p, actionApprove, target, store.AuditRejected, status, nil, map[string]any{"problem": prob.Detail})
		writeProblem(w, r, prob)
	}
	if err != nil || year < followup.FirstYear || year > now.Year() {
		reject(http.StatusNotFound, Problem{Type: problemNotFound, Title: "Not found",
			Detail: fmt.Sprintf("no report for %q: the plan's years are %d–%d", chi.URLParam(r, "year"), followup.FirstYear, now.Year())})
		return
	}
	if errs := queryParams(r).errs; len(errs) > 0 {
		reject(http.StatusBadRequest, Problem{Type: problemInvalidParameter, Title: "Invalid parameter", Detail: errs.Error(), Errors: errs})
		return
	}
	cutoff, _, err := report.CutOff(s.cat, year, now, now)
	if err != nil {
		reject(http.StatusBadRequest, Problem{Type: problemInvalidParameter, Title: "Invalid parameter", Detail: err.Error()})
		return
	}
	// Frozen only once the cut-off has settled, as the as-of report is
	// served: a write begun before it and still going would otherwise be
	// missing from the version and present in the as-of report.
	if !s.awaitSettled(w, r, cutoff) {
		s.audit(r, p, actionApprove, target, store.AuditRejected, http.StatusServiceUnavailable, nil, map[string]any{"problem": "cut-off not settled"})
		return
	}
	// A published version is the as-of report for its cut-off, built by the
	// same builder (TestPublishedVersionIsTheAsOfReport); only its
	// publication part differs: it says "published" and which version.
	rep, err := report.NewBuilder(s.cat, year).Build(r.Context(), s.store, report.RuleAsOf, cutoff)
	if err == nil && s.publicURL != "" {
		rep.LinkBase = s.publicURL
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if err := s.decorateReport(r.Context(), rep, cutoff); err != nil {
		s.internalError(w, r, err)
		return
	}
	version, err := s.store.NextReportVersion(r.Context(), year)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	rep.Status, rep.Version = report.StatusPublished, version
	rep.PublishedVersions = nil
	if version == 1 {
		rep.ChangesSince, rep.VersionChanges = 0, nil
	}
	changes, _ := json.Marshal(rep.VersionChanges)
	if rep.VersionChanges == nil {
		changes = []byte("[]")
	}
	var files []store.PublishedReport
	out := map[string]any{"year": year, "version": version, "cut_off": cutoff, "url": versionURL(year, version), "changes": json.RawMessage(changes)}
	digests := map[string]any{}
	for _, f := range report.Formats {
		body, err := report.Render(rep, f)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		sum := sha256.Sum256(body)
		files = append(files, store.PublishedReport{Year: year, Version: version, Format: f, SHA256: hex.EncodeToString(sum[:]),
			CutOff: cutoff, ApprovedAt: now, Org: p.Org, Changes: changes, Body: body})
		digests[f] = map[string]any{"sha256": hex.EncodeToString(sum[:]), "url": versionURL(year, version) + "?format=" + f, "bytes": len(body)}
	}
	out["formats"] = digests
	err = s.store.PublishReport(r.Context(), files, &p.TokenID,
		s.auditEntry(r, p, actionApprove, target, store.AuditAccepted, http.StatusCreated, nil, map[string]any{"version": version, "formats": digests}))
	if errors.Is(err, store.ErrVersionTaken) {
		reject(http.StatusConflict, Problem{Type: problemConflict, Title: "Approved meanwhile",
			Detail: fmt.Sprintf("version %d of %d was approved by another request at the same time; GET %s", version, year, strings.TrimSuffix(versionURL(year, version), "/"+strconv.Itoa(version)))})
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if s.afterPlanWrite != nil {
		s.afterPlanWrite()
	}
	w.Header().Set("Location", versionURL(year, version))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}

func yearParam(r *http.Request) (int, error) {
	year, err := strconv.Atoi(chi.URLParam(r, "year"))
	if err != nil || year < followup.FirstYear || year > time.Now().Year() {
		return 0, errNotFound(fmt.Sprintf("no report for %q: the plan's years are %d–%d", chi.URLParam(r, "year"), followup.FirstYear, time.Now().Year()))
	}
	return year, nil
}

// reportVersions lists a year's published versions with each format's
// address and SHA-256.
func (s *Server) reportVersions(w http.ResponseWriter, r *http.Request) error {
	if err := queryParams(r).err(); err != nil {
		return err
	}
	year, err := yearParam(r)
	if err != nil {
		return err
	}
	pubs, err := s.store.PublishedReports(r.Context(), year)
	if err != nil {
		return err
	}
	type format struct {
		SHA256 string `json:"sha256"`
		URL    string `json:"url"`
	}
	type version struct {
		Version    int               `json:"version"`
		URL        string            `json:"url"`
		CutOff     time.Time         `json:"cut_off"`
		ApprovedAt time.Time         `json:"approved_at"`
		ApprovedBy string            `json:"approved_by"`
		Changes    json.RawMessage   `json:"changes"`
		Formats    map[string]format `json:"formats"`
	}
	out := []version{}
	for _, p := range pubs {
		if len(out) == 0 || out[len(out)-1].Version != p.Version {
			out = append(out, version{Version: p.Version, URL: versionURL(year, p.Version), CutOff: p.CutOff.UTC(), ApprovedAt: p.ApprovedAt.UTC(),
				ApprovedBy: p.Org, Changes: p.Changes, Formats: map[string]format{}})
		}
		out[len(out)-1].Formats[p.Format] = format{p.SHA256, versionURL(year, p.Version) + "?format=" + p.Format}
	}
	status := report.StatusDraft
	if len(out) > 0 {
		status = report.StatusPublished
	}
	writeJSON(w, r, map[string]any{"year": year, "status": status, "versions": out, "draft": fmt.Sprintf("/api/v1/reports/%d", year)})
	return nil
}

// reportVersion serves a published version in a format, byte for byte as
// approved, with its SHA-256 as ETag and in X-Content-SHA256.
func (s *Server) reportVersion(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "format")
	format := p.format(report.Formats...)
	if err := p.err(); err != nil {
		return err
	}
	year, err := yearParam(r)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(chi.URLParam(r, "version"))
	if err != nil || version < 1 {
		return errNotFound(fmt.Sprintf("no version %q: versions are numbered from 1", chi.URLParam(r, "version")))
	}
	pub, err := s.store.PublishedReportBody(r.Context(), year, version, format)
	if errors.Is(err, store.ErrNoSuchReport) {
		return errNotFound(fmt.Sprintf("report %d has no published version %d; GET /api/v1/reports/%d/versions lists them", year, version, year))
	}
	if err != nil {
		return err
	}
	// The stored digest is checked against the bytes before they are
	// served: a body changed behind kpv's back is not passed off as the
	// approved version.
	if sum := sha256.Sum256(pub.Body); hex.EncodeToString(sum[:]) != pub.SHA256 {
		s.log.Error("published report does not match its SHA-256", "year", year, "version", version, "format", format,
			"stored_sha256", pub.SHA256, "body_sha256", hex.EncodeToString(sum[:]))
		return &Problem{Type: problemCorrupt, Title: "Published version damaged", Status: http.StatusInternalServerError,
			Detail: fmt.Sprintf("version %d of report %d (%s) no longer matches the SHA-256 it was approved with; it is not served. The operators have been told (logged)", version, year, format)}
	}
	etag := `"` + pub.SHA256 + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("X-Content-SHA256", pub.SHA256)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("Content-Type", report.ContentType(format))
	if format == "html" {
		pages.SecurityHeaders(w.Header())
	}
	if format != "json" {
		disp := "inline"
		if format == "csv" {
			disp = "attachment"
		}
		w.Header().Set("Content-Disposition", fmt.Sprintf(`%s; filename="kpv-report-%d-v%d.%s"`, disp, year, version, format))
	}
	_, _ = w.Write(pub.Body)
	return nil
}
