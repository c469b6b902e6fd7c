// Package ingest keeps kpv's figures current: it fetches each source in the
// publisher's own format (JSON-stat from the statistics offices, NORDCAN's
// survival exports, CSV and XLSX survey tables), maps it onto the
// catalogue's indicators, geographies and breakdowns, and writes it to the
// store in one transaction per run, logged in the run log.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest/tabular"
	"github.com/kraeftplan/kpv/store"
)

// Snapshots holds the shipped files of real published figures, one per
// source that has public figures (see snapshots/README.md for citations).
//
//go:embed snapshots
var Snapshots embed.FS

// ErrBusy means another process is ingesting the source right now.
var ErrBusy = errors.New("another run of this source is in progress")

// Parse reads a publication of src in its format and returns the figures,
// checked against the catalogue. name is used in messages. Every problem is
// an error naming its row, cell or JSON path; a panic in an adapter is
// recovered into an error, so one bad file cannot stop the scheduler.
func Parse(cat *indicators.Catalogue, src *indicators.Source, name string, data []byte) (obs []indicators.Observation, err error) {
	obs, _, err = parse(cat, src, name, data, time.Time{})
	return obs, err
}

// parse is Parse with the publication date of figures whose publication
// does not give one (zero: the time of recording), and the notes of the
// read (defaults applied, warnings).
func parse(cat *indicators.Catalogue, src *indicators.Source, name string, data []byte, published time.Time) (obs []indicators.Observation, notes Notes, err error) {
	defer func() {
		if r := recover(); r != nil {
			obs, err = nil, fmt.Errorf("%s: the %s adapter failed on this input (panic: %v); nothing was written", name, src.Format, r)
			slog.Error("ingest adapter panic", "source", src.ID, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if looksLikeHTML(data) {
		return nil, notes, fmt.Errorf("%s: got a web page, not a %s file: the source's url must point at the publisher's export or API, not at the page that links to it", name, src.Format)
	}
	f := formats[src.Format]
	if !f.json && looksLikeJSON(data) {
		return nil, notes, fmt.Errorf("%s: got a JSON document, not a %s file: the source's url or the file is not the publisher's export this source reads", name, src.Format)
	}
	if f.read == nil {
		return nil, notes, fmt.Errorf("source %s has format %q, which is not fetched (figures are submitted through the API)", src.ID, src.Format)
	}
	b := newBatch(cat, src)
	b.published = published
	if err := f.read(b, name, data); err != nil {
		return nil, b.finishNotes(), err
	}
	obs, err = b.result()
	return obs, b.finishNotes(), err
}

// looksLikeHTML reports whether a payload is a web page: publishers answer
// with one for a moved table or a landing page.
func looksLikeHTML(data []byte) bool {
	head := bytes.ToLower(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// looksLikeJSON reports whether a payload is a JSON object or array, which
// no CSV or XLSX export starts with.
func looksLikeJSON(data []byte) bool {
	head := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	return len(head) > 0 && (head[0] == '{' || head[0] == '[') && json.Valid(head)
}

// Snapshot returns the shipped snapshot of src and its name (the first
// file of a source that ships several).
func Snapshot(src *indicators.Source) ([]byte, string, error) {
	if len(src.Snapshots) > 0 {
		b, err := fs.ReadFile(Snapshots, "snapshots/"+src.Snapshots[0].File)
		return b, src.Snapshots[0].File, err
	}
	if src.Snapshot == "" {
		return nil, "", fmt.Errorf("source %s ships no snapshot: no public figures were found to ship (see the source and its indicators in the catalogue); use --file or the source's URL", src.ID)
	}
	b, err := fs.ReadFile(Snapshots, "snapshots/"+src.Snapshot)
	if err != nil {
		return nil, "", fmt.Errorf("source %s: snapshot %s: %w", src.ID, src.Snapshot, err)
	}
	return b, src.Snapshot, nil
}

// Runner runs ingests of the catalogue's sources into the store.
type Runner struct {
	Store     *store.Store
	Catalogue *indicators.Catalogue
	Fetcher   *Fetcher
	Metrics   *Metrics
	Logger    *slog.Logger
	// Offline reads each source's shipped snapshot instead of its URL.
	Offline bool
	// AfterRun, if set, is called after every run entered in the run log,
	// whatever its outcome (the monitor then refreshes the assessment).
	AfterRun func(store.Run)
	// Timeout bounds every run, fetch to commit (DefaultRunTimeout if 0):
	// a scheduled run has no caller to give up on it.
	Timeout time.Duration
	// Concurrency is how many runs this process does at once
	// (DefaultConcurrency if 0); more wait their turn. Each run uses one of
	// the store's pooled connections at a time, so runs can never take all
	// of a pool larger than this.
	Concurrency int

	slotsOnce sync.Once
	slots     chan struct{}
}

// MaxWholeBytes bounds a publication read whole rather than streamed (all
// but CSV tables): the bound on a fetched body, applied to a file given
// with --file too. XLSX and CSV readers bound what they unpack and hold
// themselves (package tabular).
const MaxWholeBytes = 64 << 20

// DefaultRunTimeout and DefaultConcurrency are the Runner's defaults.
const (
	DefaultRunTimeout  = 15 * time.Minute
	DefaultConcurrency = 2
)

// acquire waits for one of the runner's run slots.
func (r *Runner) acquire(ctx context.Context) (release func(), err error) {
	r.slotsOnce.Do(func() {
		n := r.Concurrency
		if n <= 0 {
			n = DefaultConcurrency
		}
		r.slots = make(chan struct{}, n)
	})
	select {
	case r.slots <- struct{}{}:
		return func() { <-r.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for another run to finish: %w", context.Cause(ctx))
	}
}

// Options change one run.
type Options struct {
	// File is read instead of the source's URL.
	File string
	// Snapshot reads the source's shipped snapshot instead of its URL.
	Snapshot bool
	// Force parses the publication even if it is unchanged since the last run.
	Force bool
	// Progress, if set, is told how File is read (see ProgressReporter).
	Progress ProgressReporter
	// Set states fixed values for the file's figures (`--set sex=female`),
	// over the mapping's; FollowUp states the survival follow-up in years
	// of a file that does not state its own (`--follow-up 5`).
	Set      map[string]string
	FollowUp string
}

// stated returns src with the values opt states put into its mapping.
func (opt Options) stated(src *indicators.Source) *indicators.Source {
	if len(opt.Set) == 0 && opt.FollowUp == "" {
		return src
	}
	one := *src
	m := indicators.Mapping{}
	if src.Mapping != nil {
		m = *src.Mapping
	}
	m.Fixed = maps.Clone(m.Fixed)
	if m.Fixed == nil {
		m.Fixed = map[string]string{}
	}
	maps.Copy(m.Fixed, opt.Set)
	m.FollowUp = opt.FollowUp
	one.Mapping = &m
	return &one
}

// Run ingests one source once: it takes the source's lock (ErrBusy if
// another process holds it), logs the run, reads the publication, and
// writes its figures and the fetch state in one transaction. An unchanged
// publication (HTTP 304, or the same bytes and mapping as last time) is
// logged as unchanged without being parsed.
func (r *Runner) Run(ctx context.Context, sourceID string, opt Options) (store.Run, error) {
	log := r.logger().With("source", sourceID)
	src, ok := r.Catalogue.Source(sourceID)
	if !ok {
		return store.Run{}, fmt.Errorf("unknown source %q", sourceID)
	}
	if src.Format.Submitted() {
		return store.Run{}, fmt.Errorf("source %s takes figures submitted through the API; it has nothing to fetch", sourceID)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultRunTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("the run took longer than its deadline of %s (KPV_RUN_TIMEOUT)", timeout))
	defer cancel()
	started := time.Now()
	freeSlot, err := r.acquire(ctx)
	if err != nil {
		// The run never got its turn: it is still a run, and the log says
		// why it did nothing.
		return r.neverStarted(ctx, log, sourceID, started, err)
	}
	unlock, ok, err := r.Store.TryLockSource(ctx, sourceID)
	if err != nil {
		freeSlot()
		return store.Run{}, err
	}
	if !ok {
		freeSlot()
		r.Metrics.observe(sourceID, "skipped", 0)
		return store.Run{}, ErrBusy
	}
	run, err := r.locked(ctx, log, src, opt)
	// The lock and the slot go before the assessment is rebuilt: the
	// refresh reads every figure and must not hold up the next run.
	unlock()
	freeSlot()
	if _, held := detailHeld(run); held {
		_ = r.RefreshPending(ctx)
	}
	if run.ID != 0 && run.FinishedAt != nil && r.AfterRun != nil {
		r.AfterRun(run)
	}
	return run, err
}

// neverStarted enters a run that gave up waiting for its turn in the run
// log as failed with why, though its context is done.
func (r *Runner) neverStarted(ctx context.Context, log *slog.Logger, sourceID string, started time.Time, why error) (store.Run, error) {
	logCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	run, err := r.Store.OpenRun(logCtx, sourceID, store.KindIngest)
	if err != nil {
		return store.Run{}, errors.Join(why, err)
	}
	err = r.Store.CloseRun(logCtx, &run, store.Counts{}, why, map[string]any{"waited": time.Since(started).Round(time.Millisecond).String()})
	r.Metrics.observe(sourceID, string(run.Outcome), time.Since(started))
	log.Warn("ingest run", "run", run.ID, "outcome", run.Outcome, "error", run.Error)
	if run.FinishedAt != nil && r.AfterRun != nil {
		r.AfterRun(run)
	}
	return run, err
}

// locked is a run while holding the source's lock.
func (r *Runner) locked(ctx context.Context, log *slog.Logger, src *indicators.Source, opt Options) (store.Run, error) {
	sourceID := src.ID
	// Holding the lock, no live process owns a run still marked running.
	if n, err := r.Store.MarkInterrupted(ctx, sourceID); err == nil && n > 0 {
		log.Warn("marked runs of a stopped process as interrupted", "runs", n)
		r.Metrics.interrupted(sourceID, n)
	}

	started := time.Now()
	run, err := r.Store.OpenRun(ctx, sourceID, store.KindIngest)
	if err != nil {
		return run, err
	}
	counts, detail, runErr := r.ingest(ctx, src, run.ID, opt)
	if runErr != nil && ctx.Err() != nil && context.Cause(ctx) != ctx.Err() {
		runErr = fmt.Errorf("%w (%w)", runErr, context.Cause(ctx))
	}
	err = r.Store.CloseRun(ctx, &run, counts, runErr, detail)
	// Postgres gone under the run (a restart, a failover): keep trying to
	// close the entry for a while, so that it says why the run failed
	// rather than being found "interrupted" by the next run.
	for wait := 250 * time.Millisecond; run.FinishedAt == nil && wait < 10*time.Second; wait *= 2 {
		time.Sleep(wait)
		err = r.Store.CloseRun(ctx, &run, counts, runErr, detail)
	}
	if run.FinishedAt == nil {
		// Say what the log says: the entry is still open (the next run of
		// the source marks it interrupted), whatever the run did.
		run.Outcome = store.RunRunning
		err = errors.Join(err, fmt.Errorf("run %d could not be closed in the run log", run.ID))
	}
	r.Metrics.observe(sourceID, string(run.Outcome), time.Since(started))
	c := run.Counts
	log.Info("ingest run", "run", run.ID, "outcome", run.Outcome, "read", c.Read, "inserted", c.Inserted,
		"revised", c.Revised, "unchanged", c.Unchanged, "rejected", c.Rejected, "error", run.Error)
	return run, err
}

func (r *Runner) ingest(ctx context.Context, src *indicators.Source, runID int64, opt Options) (store.Counts, map[string]any, error) {
	detail := map[string]any{}
	if len(opt.Set) > 0 || opt.FollowUp != "" {
		src = opt.stated(src)
		detail["stated"] = map[string]any{"set": opt.Set, "follow_up": opt.FollowUp}
	}
	prev, hasPrev, err := r.Store.FetchState(ctx, src.ID)
	if err != nil {
		return store.Counts{}, detail, err
	}
	var p payload
	switch {
	case opt.File != "":
		abs, _ := filepath.Abs(opt.File)
		f, err := os.Open(opt.File)
		if err != nil {
			return store.Counts{}, detail, fmt.Errorf("read %s: %w", opt.File, err)
		}
		p = payload{Origin: "file:" + abs, Body: f}
	case (opt.Snapshot || r.Offline) && len(src.Snapshots) > 0:
		return r.ingestSnapshots(ctx, src, runID, prev, hasPrev, opt, detail)
	case opt.Snapshot || r.Offline:
		body, name, err := Snapshot(src)
		if err != nil {
			return store.Counts{}, detail, err
		}
		p = payload{Origin: "snapshot:" + name, Body: bytes.NewReader(body)}
	default:
		var last *store.FetchState
		if hasPrev && !opt.Force {
			last = &prev
		}
		f := r.Fetcher
		if f == nil {
			f = DefaultFetcher()
		}
		p, err = f.Fetch(ctx, src, last)
		detail["attempts"] = p.Attempts
		if err != nil {
			return store.Counts{}, detail, err
		}
	}
	defer p.close()
	detail["origin"] = p.Origin
	if p.NotModified {
		detail["not_modified"] = true
		return store.Counts{}, detail, r.Store.TouchFetchState(ctx, src.ID)
	}
	sum, size, err := contentHash(src, p.Body)
	if err != nil {
		return store.Counts{}, detail, fmt.Errorf("read %s: %w", p.Origin, err)
	}
	detail["bytes"], detail["sha256"] = size, sum
	if hasPrev && prev.SHA256 == sum && !opt.Force {
		// Same bytes read with the same mapping: nothing can have changed.
		detail["same_content_as_run"] = prev.RunID
		return store.Counts{}, detail, r.Store.TouchFetchState(ctx, src.ID)
	}
	name := filepath.Base(p.Origin)
	state := store.FetchState{Source: src.ID, Origin: p.Origin, ETag: p.ETag, LastModified: p.LastModified, SHA256: sum, RunID: runID}
	if ok, err := streamable(src, name, p.Body); err != nil {
		return store.Counts{}, detail, fmt.Errorf("read %s: %w", p.Origin, err)
	} else if ok {
		detail["streamed"] = true
		var prog ProgressReporter
		if opt.File != "" {
			prog = opt.Progress
		}
		counts, err := r.stream(ctx, src, name, p.Body, runID, state, prog, size, detail)
		return counts, detail, err
	}
	// The other formats are small and read whole, within a bound.
	if size > MaxWholeBytes {
		return store.Counts{}, detail, fmt.Errorf("%s: the file is %d bytes; a %s publication is read whole, and kpv reads at most %d bytes so: %w",
			p.Origin, size, src.Format, MaxWholeBytes, tabular.ErrTooLarge)
	}
	if _, err := p.Body.Seek(0, io.SeekStart); err != nil {
		return store.Counts{}, detail, err
	}
	data, err := io.ReadAll(p.Body)
	if err != nil {
		return store.Counts{}, detail, fmt.Errorf("read %s: %w", p.Origin, err)
	}
	published, warning := lastModified(p.LastModified)
	obs, notes, err := parse(r.Catalogue, src, name, data, published)
	if warning != "" {
		notes.Warnings = append([]string{warning}, notes.Warnings...)
	}
	notes.addTo(detail)
	if opt.File != "" && opt.Progress != nil {
		opt.Progress.Finished(len(obs), size)
	}
	if err != nil {
		return store.Counts{}, detail, err
	}
	var counts store.Counts
	err = r.Store.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		var held int
		var why string
		if counts, held, why, err = store.WriteReviewed(ctx, tx, runID, src.ID, obs, review(src)); err != nil {
			return err
		}
		noteHeld(detail, held, why)
		return store.SaveFetchState(ctx, tx, state)
	})
	return counts, detail, err
}

// streamable reports whether a publication is read as it goes rather than
// whole: a format that can stream (a table in CSV, the bulk case). A file
// that starts like a web page or a JSON document takes the whole path, for
// Parse's messages.
func streamable(src *indicators.Source, name string, body io.ReadSeeker) (bool, error) {
	f := formats[src.Format]
	if f.stream == nil || f.streams == nil {
		return false, nil
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return false, err
	}
	head = head[:n]
	if looksLikeHTML(head) {
		return false, nil
	}
	if h := bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))); len(h) > 0 && (h[0] == '{' || h[0] == '[') {
		return false, nil
	}
	return f.streams(name, head), nil
}

// stream reads a publication row by row (its format's stream) and writes its figures in chunks
// through a staging table, all in one transaction: a bad row anywhere
// (or a duplicate, found in the staging table) rolls the run back, and the
// error lists every bad row, as for a publication read whole.
func (r *Runner) stream(ctx context.Context, src *indicators.Source, name string, body io.ReadSeeker, runID int64, state store.FetchState, prog ProgressReporter, size int64, detail map[string]any) (counts store.Counts, err error) {
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return counts, err
	}
	err = r.Store.InTx(ctx, func(tx pgx.Tx) (err error) {
		w, err := store.NewObservationWriter(ctx, tx, runID, src.ID)
		if err != nil {
			return err
		}
		w.Review = review(src)
		b := newBatch(r.Catalogue, src)
		var warning string
		b.published, warning = lastModified(state.LastModified)
		if warning != "" {
			b.warn("%s", warning)
		}
		defer func() { b.finishNotes().addTo(detail) }()
		// Chunk n is copied while chunk n+1 is read: Go's parsing and
		// Postgres's inserting overlap instead of taking turns.
		cw := newChunkWriter(ctx, w)
		defer func() { err = cw.close(err) }()
		b.write = cw.write
		in := body
		if prog != nil {
			in = &countingReader{r: body, onRead: func(pos int64) { prog.Progress(b.read, pos, size) }}
			defer func() { prog.Finished(b.read, size) }()
		}
		if err := formats[src.Format].stream(b, name, in, func(where func(int) string) { w.Where = where }); err != nil {
			return err
		}
		if err := b.finish(); err != nil {
			return err
		}
		// Every chunk copied before the merge, on the same connection.
		if err := cw.close(nil); err != nil {
			return err
		}
		if counts, err = w.Finish(ctx); err != nil {
			return err
		}
		noteHeld(detail, w.Held, w.HeldReason)
		return store.SaveFetchState(ctx, tx, state)
	})
	return counts, err
}

// contentHash identifies a publication as read: its bytes and the mapping
// and request used, so that a changed mapping re-reads the same file.
func contentHash(src *indicators.Source, body io.ReadSeeker) (sum string, size int64, err error) {
	h := sha256.New()
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return "", 0, err
	}
	if size, err = io.Copy(h, body); err != nil {
		return "", 0, err
	}
	// The release label too: the same file read as a new release is a
	// new reading (its figures get the label).
	cfg, _ := json.Marshal(struct {
		Format  indicators.Format
		Request *indicators.Request
		Mapping *indicators.Mapping
		Release string `json:",omitempty"`
	}{src.Format, src.Request, src.Mapping, src.Release.Label})
	h.Write([]byte{0})
	h.Write(cfg)
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

// lastModified reads a Last-Modified header as the publication date of
// figures whose publication gives none; zero if absent. One that does not
// parse is zero with a warning naming it (the figures then count as
// published when recorded, and the run log says why).
func lastModified(h string) (time.Time, string) {
	if strings.TrimSpace(h) == "" {
		return time.Time{}, ""
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return time.Time{}, fmt.Sprintf("the answer's Last-Modified %q is not an HTTP date: its figures are dated when recorded, not when published", h)
	}
	return t.UTC(), ""
}

// SnapshotFigures reads every shipped file of a source that ships several
// (NORDCAN's exports, one per cancer site and release), each with its own
// publication date, release and fixed values, and returns the figures and
// the content hash of the files with the mapping.
func SnapshotFigures(cat *indicators.Catalogue, src *indicators.Source) ([]indicators.Observation, string, error) {
	h := sha256.New()
	var all []indicators.Observation
	for _, f := range src.Files() {
		data, err := fs.ReadFile(Snapshots, "snapshots/"+f.File)
		if err != nil {
			return nil, "", fmt.Errorf("source %s: snapshot %s: %w", src.ID, f.File, err)
		}
		h.Write(data)
		var published time.Time
		if f.Published != "" {
			if published, err = indicators.ParsePublished(f.Published); err != nil {
				return nil, "", fmt.Errorf("source %s: snapshot %s: %w", src.ID, f.File, err)
			}
		}
		one := *src
		if f.Release != "" {
			one.Release.Label = f.Release
		}
		if len(f.Fixed) > 0 || f.FollowUp != "" {
			m := indicators.Mapping{}
			if src.Mapping != nil {
				m = *src.Mapping
			}
			fixed := map[string]string{}
			for k, v := range m.Fixed {
				fixed[k] = v
			}
			for k, v := range f.Fixed {
				fixed[k] = v
			}
			m.Fixed, m.FollowUp = fixed, f.FollowUp
			one.Mapping = &m
		}
		obs, _, err := parse(cat, &one, f.File, data, published)
		if err != nil {
			return nil, "", err
		}
		all = append(all, obs...)
	}
	m, _ := json.Marshal(src.Mapping)
	h.Write(m)
	if _, err := indicators.Prepare(cat, all); err != nil {
		return nil, "", err
	}
	return all, hex.EncodeToString(h.Sum(nil)), nil
}

// ingestSnapshots writes a source's several shipped files as one batch.
func (r *Runner) ingestSnapshots(ctx context.Context, src *indicators.Source, runID int64, prev store.FetchState, hasPrev bool, opt Options, detail map[string]any) (store.Counts, map[string]any, error) {
	all, sum, err := SnapshotFigures(r.Catalogue, src)
	if err != nil {
		return store.Counts{}, detail, err
	}
	detail["origin"], detail["sha256"], detail["files"] = "snapshot:"+src.ID, sum, len(src.Snapshots)
	if hasPrev && prev.SHA256 == sum && !opt.Force {
		detail["same_content_as_run"] = prev.RunID
		return store.Counts{}, detail, r.Store.TouchFetchState(ctx, src.ID)
	}
	state := store.FetchState{Source: src.ID, Origin: "snapshot:" + src.ID, SHA256: sum, RunID: runID}
	var counts store.Counts
	err = r.Store.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		var held int
		var why string
		if counts, held, why, err = store.WriteReviewed(ctx, tx, runID, src.ID, all, review(src)); err != nil {
			return err
		}
		noteHeld(detail, held, why)
		return store.SaveFetchState(ctx, tx, state)
	})
	return counts, detail, err
}
