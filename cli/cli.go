// Package cli is kpv's command line: Run dispatches a command (serve, migrate,
// ingest, revisions, report, catalogue check, generate, token, version) as
// cmd/kpv's main does with os.Args. Configuration is by environment (see
// docs/operations.md).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/followup"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest"
	"github.com/kraeftplan/kpv/monitor"
	"github.com/kraeftplan/kpv/store"
)

const usage = `usage: kpv <command> [flags]

commands:
  serve              run the HTTP API on KPV_ADDR (default 127.0.0.1:8080)
  migrate            apply the database migrations to KPV_DATABASE_URL
  ingest SOURCE      ingest one source once and print what it read, inserted,
                     revised and rejected; flags: --file PATH (read a local
                     file), --offline (the shipped snapshot), --force (parse
                     even if unchanged), --all (every fetched source); with
                     --file: --set FIELD=VALUE (e.g. sex=female), --follow-up N
  revisions list|accept|reject
                     revisions of published figures held for review: list
                     [SOURCE]; accept|reject SOURCE ID... or --run RUN
  report YEAR        write the yearly follow-up report; flags: --format
                     json|csv|html, --out FILE, --as-of DATE (cut-off)
  catalogue check    validate a catalogue file (default: the embedded one)
  generate           write the files generated from the catalogue (alert rules,
                     Alertmanager routes, Grafana dashboards) under --dir
                     (default: the current directory, the repository's root)
  token create|list|revoke
                     API tokens: create --role submitter|admin --org ORG
                     [--name LABEL] prints a new token once
  version            print the embedded catalogue's version
`

// Run runs the kpv command named by args[0] with the rest of args, writing
// its output to stdout and its logs and usage to stderr; cmd/kpv's main and
// the end-to-end tests in test/ call it.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	if err := checkEnv(); err != nil {
		return err
	}
	logger := newLogger(stderr)
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], logger)
	case "migrate":
		return migrate(ctx, stdout)
	case "ingest":
		return ingestCmd(ctx, args[1:], stdout, logger)
	case "token":
		return tokenCmd(ctx, args[1:], stdout)
	case "revisions":
		return revisionsCmd(ctx, args[1:], stdout, logger)
	case "report":
		return reportCmd(ctx, args[1:], stdout)
	case "catalogue":
		if len(args) < 2 || args[1] != "check" {
			return errors.New("usage: kpv catalogue check [FILE]")
		}
		return checkCatalogue(args[2:], stdout)
	case "generate":
		return generate(args[1:], stdout)
	case "version":
		c, err := indicators.LoadEmbedded()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "kpv, catalogue %s (sha256 %s)\n", c.Version, c.Hash[:12])
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("KPV_LOG_LEVEL"))) // checked by checkEnv
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// openMigrated opens the store at KPV_DATABASE_URL and checks that it is
// migrated (every command but migrate needs both).
func openMigrated(ctx context.Context) (*store.Store, error) {
	st, err := store.Open(ctx, os.Getenv("KPV_DATABASE_URL"))
	if err != nil {
		return nil, err
	}
	if err := st.CheckMigrated(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// loadCatalogue loads KPV_CATALOGUE if set, else the embedded catalogue.
func loadCatalogue() (*indicators.Catalogue, error) {
	if path := os.Getenv("KPV_CATALOGUE"); path != "" {
		return indicators.LoadFile(path)
	}
	return indicators.LoadEmbedded()
}

func checkCatalogue(args []string, stdout io.Writer) error {
	var c *indicators.Catalogue
	var err error
	if len(args) > 0 {
		c, err = indicators.LoadFile(args[0])
	} else {
		c, err = indicators.LoadEmbedded()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: valid (version %s): %d goals, %d focus areas, %d initiatives, %d funding tables, %d organisations, %d geographies, %d sources, %d indicators\n",
		c.Name, c.Version, len(c.Goals), len(c.FocusAreas), len(c.Initiatives), len(c.FundingTables), len(c.Organisations),
		len(c.Geographies), len(c.Sources), len(c.Indicators))
	return nil
}

func migrate(ctx context.Context, stdout io.Writer) error {
	st, err := store.Open(ctx, os.Getenv("KPV_DATABASE_URL"))
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database migrated to schema version %d\n", v)
	return nil
}

func serve(ctx context.Context, args []string, logger *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", env("KPV_ADDR", "127.0.0.1:8080"), "listen address (KPV_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cat, err := loadCatalogue()
	if err != nil {
		return err
	}
	st, err := openMigrated(ctx)
	if err != nil {
		return fmt.Errorf("refusing to start: %w", err)
	}
	defer st.Close()
	changed, err := st.SyncCatalogue(ctx, cat)
	if err != nil {
		return fmt.Errorf("synchronise catalogue: %w", err)
	}
	// Runs left running by a process that stopped (a crash, a kill, the
	// database gone under it) are closed now; a live replica's are not.
	if closed, err := st.CloseRunsOfStoppedProcesses(ctx); err != nil {
		return err
	} else if len(closed) > 0 {
		logger.Warn("closed runs of stopped processes as interrupted", "ingest", closed[store.KindIngest], "submission", closed[store.KindSubmission])
	}
	logger.Info("catalogue synchronised", "file", cat.Name, "version", cat.Version, "changed", changed,
		"goals", len(cat.Goals), "initiatives", len(cat.Initiatives), "indicators", len(cat.Indicators))

	refreshEvery, err := time.ParseDuration(env("KPV_REFRESH_INTERVAL", "5m"))
	if err != nil || refreshEvery <= 0 {
		return fmt.Errorf("KPV_REFRESH_INTERVAL=%q is not a positive duration such as 5m", os.Getenv("KPV_REFRESH_INTERVAL"))
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), st.PoolCollector())
	pingEvery, err := envDuration("KPV_DB_PING_INTERVAL", 15*time.Second)
	if err != nil {
		return err
	}
	st.WatchUp(ctx, reg, pingEvery, min(pingEvery, 5*time.Second))
	// The assessment is built before the first request, then after every
	// ingest run and every KPV_REFRESH_INTERVAL; /metrics serves it from memory.
	mon := monitor.New(monitor.Options{Catalogue: cat, Store: st, Logger: logger, Registerer: reg})
	if err := mon.Refresh(ctx); err != nil {
		return err
	}
	snap := mon.Snapshot()
	logger.Info("assessment built", "figures", snap.Figures, "indicators", len(snap.Indicators))
	go mon.Run(ctx, refreshEvery)

	runner, err := newRunner(cat, st, logger, reg)
	if err != nil {
		return err
	}
	runner.AfterRun = mon.AfterRun
	// Revisions held for review since before this start (the alert's metric).
	if err := runner.RefreshPending(ctx); err != nil {
		return err
	}
	// The plan's follow-up (status, milestones, money, the round) for
	// /metrics, rebuilt after each submission and with the assessment.
	plan := followup.NewTracker(followup.TrackerOptions{Catalogue: cat, Store: st, Logger: logger, Snapshot: mon.Snapshot})
	if err := plan.Refresh(ctx); err != nil {
		return err
	}
	reg.MustRegister(plan)
	go plan.Run(ctx, refreshEvery)
	// New figures change what the round has received: refresh both.
	afterRun := func(r store.Run) { mon.AfterRun(r); plan.AfterWrite() }
	runner.AfterRun = afterRun
	// Listen first: with port 0 the public address is the port given.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// One public address for every link kpv writes (the report's, and the
	// alerts' through kpv_info), and Grafana's where one is configured.
	public, grafanaURL := publicURL(ln.Addr().String()), strings.TrimSuffix(os.Getenv("KPV_GRAFANA_URL"), "/")
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kpv_info",
		Help:        "Always 1; its labels are kpv's public address (KPV_PUBLIC_URL, else http://KPV_ADDR) and Grafana's (KPV_GRAFANA_URL, empty when none), which the alerts' links use.",
		ConstLabels: prometheus.Labels{"public_url": public, "grafana_url": grafanaURL}}, func() float64 { return 1 }))
	handler := api.New(api.Options{Catalogue: cat, Store: st, Logger: logger, Assessor: mon, Registerer: reg, Metrics: mon.Handler(reg),
		Runner: runner, AfterWrite: afterRun, AfterPlanWrite: plan.AfterWrite, PublicURL: public})
	var sched *ingest.Scheduler
	if strings.ToLower(env("KPV_SCHEDULER", "on")) != "off" {
		host, _ := os.Hostname()
		sched, err = ingest.NewScheduler(runner, fmt.Sprintf("%s/%d", host, os.Getpid()))
		if err != nil {
			return err
		}
		sched.Start()
		defer sched.Stop()
		logger.Info("ingest scheduler started", "offline", runner.Offline)
	}

	srv, err := newHTTPServer(handler)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("kpv serving", "url", "http://"+displayAddr(ln.Addr().String()))

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// No new scheduled runs from here on (a run under way is cancelled and
	// logged as failed), while in-flight requests are finished.
	if sched != nil {
		sched.Stop()
	}
	logger.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// publicURL is kpv's public address: KPV_PUBLIC_URL, else the address it
// serves on (addr, as KPV_ADDR gives it).
func publicURL(addr string) string {
	if u := os.Getenv("KPV_PUBLIC_URL"); u != "" {
		return strings.TrimSuffix(u, "/")
	}
	a := displayAddr(addr)
	if strings.HasPrefix(a, ":") {
		a = "127.0.0.1" + a
	}
	a = strings.Replace(a, "0.0.0.0:", "127.0.0.1:", 1)
	return "http://" + a
}

func displayAddr(a string) string {
	return strings.Replace(a, "[::]", "localhost", 1)
}

// newRunner builds the ingest runner from the environment.
func newRunner(cat *indicators.Catalogue, st *store.Store, logger *slog.Logger, reg prometheus.Registerer) (*ingest.Runner, error) {
	f := ingest.DefaultFetcher()
	if v := os.Getenv("KPV_FETCH_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("KPV_FETCH_TIMEOUT=%q is not a positive duration such as 60s", v)
		}
		f.Timeout = d
	}
	if v := os.Getenv("KPV_FETCH_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("KPV_FETCH_ATTEMPTS=%q is not a positive whole number", v)
		}
		f.Attempts = n
	}
	timeout, err := envDuration("KPV_RUN_TIMEOUT", ingest.DefaultRunTimeout)
	if err != nil {
		return nil, err
	}
	metrics := ingest.NewMetrics(reg)
	var ids []string
	for _, s := range cat.Sources {
		if s.Format.Fetched() {
			ids = append(ids, s.ID)
		}
	}
	metrics.Init(ids)
	return &ingest.Runner{Store: st, Catalogue: cat, Fetcher: f, Metrics: metrics, Logger: logger,
		Offline: envOn("KPV_OFFLINE"), Timeout: timeout}, nil
}

// ingestCmd runs `kpv ingest [flags] SOURCE` or `kpv ingest --all`.
func ingestCmd(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	file := fs.String("file", "", "read this file instead of the source's URL")
	offline := fs.Bool("offline", false, "read the source's shipped snapshot instead of its URL")
	force := fs.Bool("force", false, "parse the publication even if it has not changed")
	all := fs.Bool("all", false, "ingest every fetched source")
	followUp := fs.String("follow-up", "", "with --file: the survival follow-up in years of a file that does not state it (e.g. 5)")
	set := setFlag{}
	fs.Var(set, "set", "with --file: a fixed value for every figure of the file, FIELD=VALUE (e.g. sex=female); repeatable")
	// Flags may come before or after the source.
	var sources []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		sources = append(sources, fs.Arg(0))
		args = fs.Args()[1:]
	}
	cat, err := loadCatalogue()
	if err != nil {
		return err
	}
	switch {
	case *all && len(sources) > 0:
		return errors.New("give a source or --all, not both")
	case *all && *file != "":
		return errors.New("--file reads one source's file: give the source, not --all")
	case *file == "" && (len(set) > 0 || *followUp != ""):
		return errors.New("--set and --follow-up state what a file given with --file holds: give --file too")
	case *all:
		for _, s := range cat.Sources {
			if s.Format.Fetched() {
				sources = append(sources, s.ID)
			}
		}
	case len(sources) != 1:
		return errors.New("usage: kpv ingest [--file PATH | --offline] [--force] SOURCE, or kpv ingest --all [--offline]")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.SyncCatalogue(ctx, cat); err != nil {
		return fmt.Errorf("synchronise catalogue: %w", err)
	}
	runner, err := newRunner(cat, st, logger, nil)
	if err != nil {
		return err
	}
	var failed []string
	for _, id := range sources {
		src, ok := cat.Source(id)
		if !ok {
			return fmt.Errorf("unknown source %q (sources: %s)", id, sourceIDs(cat))
		}
		opt := ingest.Options{File: *file, Snapshot: *offline, Force: *force, Set: set, FollowUp: *followUp}
		if *file != "" {
			opt.Progress = newProgress(os.Stderr, id) // drawn only on a terminal
		}
		if *all && *offline && len(src.Files()) == 0 {
			fmt.Fprintf(stdout, "%s: skipped: no snapshot is shipped (no public figures were found; see the catalogue)\n", id)
			continue
		}
		run, err := runner.Run(ctx, id, opt)
		if run.ID == 0 && err != nil {
			fmt.Fprintf(stdout, "%s: not run: %v\n", id, err)
			failed = append(failed, id)
			continue
		}
		c := run.Counts
		fmt.Fprintf(stdout, "%s: %s: read %d, inserted %d, revised %d, unchanged %d, rejected %d (run %d)\n",
			id, run.Outcome, c.Read, c.Inserted, c.Revised, c.Unchanged, c.Rejected, run.ID)
		printRunNotes(stdout, run)
		if err != nil {
			fmt.Fprintf(stdout, "  error: %v\n", err)
			failed = append(failed, id)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("ingest failed for %s; nothing was written for them", strings.Join(failed, ", "))
	}
	return nil
}

func sourceIDs(cat *indicators.Catalogue) string {
	ids := make([]string, len(cat.Sources))
	for i, s := range cat.Sources {
		ids[i] = s.ID
	}
	return strings.Join(ids, ", ")
}
