package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kraeftplan/kpv/report"
	"github.com/kraeftplan/kpv/view"
)

const reportUsage = "usage: kpv report YEAR [--format json|csv|html|xlsx] [--dialect excel|program] [--out FILE] [--as-of DATE]"

// reportCmd runs `kpv report YEAR`: the yearly follow-up report, as GET
// /api/v1/reports/YEAR serves it, written to --out (or standard output).
// Without --format, the format follows --out's extension, else JSON.
func reportCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "", "json, csv, html or xlsx (default: from --out's extension, else json)")
	out := fs.String("out", "", "write the report to FILE instead of standard output")
	dialect := fs.String("dialect", "", "the CSV's dialect: excel (Danish Excel, the default) or program")
	asOfFlag := fs.String("as-of", "", "cut-off: a date (the end of that day, UTC) or an RFC 3339 time; default the end of the year or now, whichever is earlier")
	// Flags may come before or after the year.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("%v\n%s", err, reportUsage)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		return errors.New(reportUsage)
	}
	year, err := strconv.Atoi(pos[0])
	if err != nil {
		return fmt.Errorf("year: not a year: %q\n%s", pos[0], reportUsage)
	}
	if *format == "" {
		*format = "json"
		if ext := strings.TrimPrefix(filepath.Ext(*out), "."); slices.Contains(report.Formats, ext) {
			*format = ext
		}
	}
	if !slices.Contains(report.Formats, *format) {
		return fmt.Errorf("--format: unknown format %q; use %s", *format, strings.Join(report.Formats, ", "))
	}
	render := *format
	if d, err := view.Dialect(*dialect); err != nil {
		return fmt.Errorf("--dialect: %w", err)
	} else if d == view.DialectProgram && *format == "csv" {
		render = report.CSVProgram
	}
	var asOf time.Time
	if *asOfFlag != "" {
		if asOf, err = parseCutOff(*asOfFlag); err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
	}
	cat, err := loadCatalogue()
	if err != nil {
		return err
	}
	// Check the year and cut-off before connecting, so a typo is named
	// as such even without a database.
	if _, _, err := report.CutOff(cat, year, asOf, time.Now()); err != nil {
		var ie *report.InputError
		if errors.As(err, &ie) && ie.Param == "as_of" {
			return fmt.Errorf("--as-of: %s", ie.Message)
		}
		return err
	}
	st, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	rep, err := report.Build(ctx, st, cat, year, asOf, now)
	if err != nil {
		return err
	}
	rep.LinkBase = publicURL(env("KPV_ADDR", "127.0.0.1:8080")) // a file's links lead to kpv's pages, where kpv serves them
	// The plan's follow-up as the API adds it: as of the cut-off asked
	// for, else now; a draft unless approved (GET …/versions/{v}).
	followAt := now
	if !asOf.IsZero() {
		followAt = rep.CutOff
	}
	if err := report.Decorate(ctx, st, cat, rep, followAt); err != nil {
		return err
	}
	body, err := report.Render(rep, render)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := stdout.Write(body)
		return err
	}
	if err := os.WriteFile(*out, body, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: report %d (%s, %d bytes): %d figures recorded by %s, from %d runs\n",
		*out, year, *format, len(body), rep.Figures, rep.CutOff.Format(time.RFC3339), len(rep.Runs))
	return nil
}

// parseCutOff reads a date (the end of that day, UTC) or an RFC 3339 time,
// as the API's as_of does.
func parseCutOff(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (2025-12-31) or RFC 3339 time", v)
	}
	return d.Add(24*time.Hour - time.Nanosecond), nil
}
