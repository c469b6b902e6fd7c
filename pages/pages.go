// Package pages serves kpv's pages for people: server-rendered HTML, Danish
// first with English alongside, no JavaScript, printable on A4. An index
// links the goals, indicators and sources; a goal page lists its
// indicators and initiatives; an indicator page shows its status with the
// reason, its history against target and thresholds, the regions, the
// Nordic table, its source and freshness, and how its owner submits
// figures; a source page shows its recent runs and their errors as the
// public may see them. The figures come from the monitor's snapshot, the
// one the API and /metrics serve, through the report's views and charts.
package pages

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
	"github.com/kraeftplan/kpv/view"
)

// Prefix is where the pages are served; the alerts, the report and the
// dashboards link here.
const Prefix = "/sider"

// IndicatorPath, GoalPath and SourcePath are the pages' paths.
func IndicatorPath(id string) string { return Prefix + "/indikatorer/" + id }
func GoalPath(id int) string         { return Prefix + "/maal/" + strconv.Itoa(id) }
func SourcePath(id string) string    { return Prefix + "/kilder/" + id }

// Assessor gives the current assessment (the monitor's snapshot).
type Assessor interface {
	Snapshot() *assess.Snapshot
}

// RunLog is what the source page reads from the store (*store.Store).
type RunLog interface {
	Runs(ctx context.Context, f store.RunFilter) ([]store.Run, error)
	FetchStates(ctx context.Context) (map[string]store.FetchState, error)
}

// Options configure the pages.
type Options struct {
	Catalogue *indicators.Catalogue
	Assessor  Assessor
	// Runs gives the source pages their runs; nil shows none.
	Runs RunLog
	// Plan gives the follow-up pages (milestones, round, initiatives) the
	// submissions and figures held; nil answers 503 there.
	Plan   PlanReader
	Logger *slog.Logger
	// Now is the clock (time.Now by default).
	Now func() time.Time
}

// Pages serves the pages.
type Pages struct {
	cat    *indicators.Catalogue
	assess Assessor
	runs   RunLog
	plan   PlanReader
	log    *slog.Logger
	now    func() time.Time
}

// New returns the pages.
func New(o Options) *Pages {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Pages{cat: o.Catalogue, assess: o.Assessor, runs: o.Runs, plan: o.Plan, log: o.Logger, now: o.Now}
}

// Mount adds the pages' routes to r.
func (p *Pages) Mount(r chi.Router) {
	r.Get(Prefix, p.Index)
	r.Get(Prefix+"/maal/{id}", p.Goal)
	r.Get(Prefix+"/indikatorer/{id}", p.Indicator)
	r.Get(Prefix+"/kilder/{id}", p.Source)
	r.Get(Prefix+"/milepaele", p.Milestones)
	r.Get(Prefix+"/runde", p.Round)
	r.Get(Prefix+"/runde/{year}", p.Round)
	r.Get(Prefix+"/initiativer/{n}", p.Initiative)
}

//go:embed templates/*.html templates/pages.css
var files embed.FS

var stylesheet = func() string {
	b, err := files.ReadFile("templates/pages.css")
	if err != nil {
		panic(err)
	}
	return view.ChartStyle() + string(b)
}()

// funcs are the pages' own template functions, beside view.Funcs.
var funcs = template.FuncMap{
	"ipath":  IndicatorPath,
	"gpath":  GoalPath,
	"spath":  SourcePath,
	"inpath": InitiativePath,
	"figrows": func(rows []chartTableRow, u indicators.Unit) any {
		return struct {
			Rows []chartTableRow
			U    indicators.Unit
		}{rows, u}
	},
	"day":     func(t time.Time) string { return view.PublishedDA(t.UTC().Format(time.DateOnly)) },
	"pubdate": view.PublishedDA,
	"css":     func() template.CSS { return template.CSS(stylesheet) },
	"outcome": func(o store.RunOutcome) string {
		if l, ok := outcomeLabels[o]; ok {
			return l[0] + " / " + l[1]
		}
		return string(o)
	},
	"kind": func(k store.RunKind) template.HTML {
		switch k {
		case store.KindIngest:
			return `indlæsning <span class="en" lang="en">(ingest)</span>`
		case store.KindSubmission:
			return `indberetning <span class="en" lang="en">(submission)</span>`
		}
		return template.HTML(template.HTMLEscapeString(string(k)))
	},
	"date": func(t *time.Time) string {
		if t == nil {
			return "–"
		}
		return t.UTC().Format(time.DateOnly)
	},
}

var templates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"index", "goal", "indicator", "source", "error", "milestones", "round", "initiative"} {
		t := template.New("layout.html").Funcs(view.Funcs).Funcs(funcs)
		template.Must(t.New("partials").Parse(view.Partials))
		out[name] = template.Must(t.ParseFS(files, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}()

// CSP is the pages' (and the HTML report's) Content-Security-Policy: no
// script at all, only the pages' own style sheets (by hash: they are
// inline, so a page is one file that also works saved to disk), no
// framing.
var CSP = "default-src 'none'; style-src " + styleHash(stylesheet) + " " + styleHash(view.ReportStyle()) +
	"; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

func styleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// SecurityHeaders sets the headers every HTML response of kpv carries.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
}

// layout is what every page's frame reads.
type layout struct {
	TitleDA, TitleEN string
	// Crumbs lead back to the index.
	Crumbs     []crumb
	AssessedAt time.Time
	Year       int
}

type crumb struct{ Href, Label string }

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, name string, v any) {
	var buf bytes.Buffer
	if err := templates[name].Execute(&buf, v); err != nil {
		p.log.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		status, buf = http.StatusInternalServerError, bytes.Buffer{}
		_ = templates["error"].Execute(&buf, errorView{layout: layout{TitleDA: "Fejl", TitleEN: "Error", Year: p.now().Year()},
			DA: "Siden kunne ikke vises; fejlen står i kpv's log.", EN: "The page could not be shown; the error is in kpv's log."})
	}
	SecurityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorView struct {
	layout
	DA, EN string
}

// NotFound answers 404 with a page that links to the index.
func (p *Pages) NotFound(w http.ResponseWriter, r *http.Request, da, en string) {
	p.render(w, r, http.StatusNotFound, "error", errorView{layout: layout{TitleDA: "Findes ikke", TitleEN: "Not found", Year: p.now().Year()}, DA: da, EN: en})
}

// snapshot is the current assessment; without one the page says so.
func (p *Pages) snapshot(w http.ResponseWriter, r *http.Request) *assess.Snapshot {
	if p.assess != nil {
		if s := p.assess.Snapshot(); s != nil {
			return s
		}
	}
	p.render(w, r, http.StatusServiceUnavailable, "error", errorView{layout: layout{TitleDA: "Ingen vurdering", TitleEN: "No assessment", Year: p.now().Year()},
		DA: "Denne server kører uden vurdering af indikatorerne.", EN: "This server runs without an assessment of the indicators."})
	return nil
}

// absPath finds absolute file paths in a message (not the paths of URLs),
// with spaces inside their folders' names.
var absPath = regexp.MustCompile(`(^|[\s"'(=])(/(?:[^\s/"'():;,]+(?: [^\s/"'():;,]+)*/)*[^\s/"'():;,]+)`)

// pgError finds what Postgres or its driver says.
var pgError = regexp.MustCompile(`(?i)SQLSTATE|pgconn|pgx|failed to connect|connection refused|conn closed|database|postgres|deadlock|relation "`)

// PublicError is a run's error as the public may read it: a submission's
// error names the submitted rows and their values, so it is left out; an
// absolute file path becomes its file name; an error from Postgres is not
// shown. The whole message stays in the run log for admins.
func PublicError(kind store.RunKind, msg string) (da, en string) {
	msg = strings.TrimSpace(msg)
	switch {
	case msg == "":
		return "", ""
	case kind == store.KindSubmission:
		return "Indberetningen blev afvist; indberetteren har fået rækkerne og årsagerne i svaret.",
			"The submission was refused; the submitter got the rows and reasons in the answer."
	case pgError.MatchString(msg):
		return "Databasefejl; detaljerne står i kpv's log.", "Database error; the details are in kpv's log."
	}
	msg = absPath.ReplaceAllStringFunc(msg, func(m string) string {
		sub := absPath.FindStringSubmatch(m)
		return sub[1] + sub[2][strings.LastIndex(sub[2], "/")+1:]
	})
	if r := []rune(msg); len(r) > 400 {
		msg = string(r[:399]) + "…"
	}
	return msg, msg
}
