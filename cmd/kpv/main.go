// Command kpv is the Kræftplan V follow-up service.
//
//	kpv serve              run the HTTP API (refuses an unmigrated database)
//	kpv migrate            apply the embedded database migrations
//	kpv catalogue check F  validate a catalogue file (default: the embedded one)
//	kpv version            print the catalogue version built in
//
// Configuration is by environment (see README): KPV_DATABASE_URL, KPV_ADDR,
// KPV_CATALOGUE, KPV_LOG_LEVEL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kraeftplan/kpv/api"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kpv:", err)
		os.Exit(1)
	}
}

const usage = `usage: kpv <command> [flags]

commands:
  serve              run the HTTP API on KPV_ADDR (default 127.0.0.1:8080)
  migrate            apply the database migrations to KPV_DATABASE_URL
  catalogue check    validate a catalogue file (default: the embedded one)
  version            print the embedded catalogue's version
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	logger := newLogger(stderr)
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], logger)
	case "migrate":
		return migrate(ctx, stdout)
	case "catalogue":
		if len(args) < 2 || args[1] != "check" {
			return errors.New("usage: kpv catalogue check [FILE]")
		}
		return checkCatalogue(args[2:], stdout)
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
	_ = level.UnmarshalText([]byte(os.Getenv("KPV_LOG_LEVEL")))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
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
	st, err := store.Open(ctx, os.Getenv("KPV_DATABASE_URL"))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CheckMigrated(ctx); err != nil {
		return fmt.Errorf("refusing to start: %w", err)
	}
	changed, err := st.SyncCatalogue(ctx, cat)
	if err != nil {
		return fmt.Errorf("synchronise catalogue: %w", err)
	}
	logger.Info("catalogue synchronised", "file", cat.Name, "version", cat.Version, "changed", changed,
		"goals", len(cat.Goals), "initiatives", len(cat.Initiatives), "indicators", len(cat.Indicators))

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	handler := api.New(api.Options{Catalogue: cat, Store: st, Logger: logger, Registerer: reg, Gatherer: reg})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("kpv serving", "url", "http://"+displayAddr(ln.Addr().String()))

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func displayAddr(a string) string {
	return strings.Replace(a, "[::]", "localhost", 1)
}
