package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"

	"github.com/kraeftplan/kpv/store"
)

const revisionsUsage = `usage:
  kpv revisions list [SOURCE]             revisions held for review (far from the figures they would replace)
  kpv revisions accept SOURCE ID... | --run RUN
  kpv revisions reject SOURCE ID... | --run RUN`

// revisionsCmd lists held revisions and decides on them (issue 26). A
// decision is audited as the CLI user and recorded in the run log.
func revisionsCmd(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) == 0 {
		return errors.New(revisionsUsage)
	}
	cat, err := loadCatalogue()
	if err != nil {
		return err
	}
	st, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "list":
		f := store.PendingFilter{Status: "pending"}
		if len(args) > 1 {
			f.Source = args[1]
		}
		ps, err := st.PendingRevisions(ctx, f)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tRUN\tSOURCE\tINDICATOR\tGEOGRAPHY\tBREAKDOWN\tPERIOD\tCURRENT\tHELD\tWHY")
		for _, p := range ps {
			fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.RunID, p.Source, p.Indicator, p.Geography, p.Breakdown, p.Period,
				numText(p.OldValue), numText(p.Value), p.Reason)
		}
		return w.Flush()
	case "accept", "reject":
		if len(args) < 3 {
			return errors.New(revisionsUsage)
		}
		source := args[1]
		if _, ok := cat.Source(source); !ok {
			return fmt.Errorf("unknown source %q (sources: %s)", source, sourceIDs(cat))
		}
		var ids []int64
		if args[2] == "--run" {
			if len(args) != 4 {
				return errors.New(revisionsUsage)
			}
			runID, err := strconv.ParseInt(args[3], 10, 64)
			if err != nil {
				return fmt.Errorf("--run %q is not a run id", args[3])
			}
			ps, err := st.PendingRevisions(ctx, store.PendingFilter{Source: source, Status: "pending", RunID: runID})
			if err != nil {
				return err
			}
			if len(ps) == 0 {
				return fmt.Errorf("run %d of %s has no revision waiting for review", runID, source)
			}
			for _, p := range ps {
				ids = append(ids, p.ID)
			}
		} else {
			for _, a := range args[2:] {
				id, err := strconv.ParseInt(a, 10, 64)
				if err != nil {
					return fmt.Errorf("%q is not the id of a held revision (see kpv revisions list)", a)
				}
				ids = append(ids, id)
			}
		}
		runner, err := newRunner(cat, st, logger, nil)
		if err != nil {
			return err
		}
		accept := args[0] == "accept"
		by := "cli:" + cliUser()
		run, err := runner.Decide(ctx, source, ids, accept, by)
		outcome := store.AuditSuccess
		if err != nil {
			outcome = store.AuditRejected
		}
		var runID *int64
		if run.ID != 0 {
			runID = &run.ID
		}
		_, _ = st.Audit(ctx, store.AuditEntry{Actor: by, Action: "revisions." + args[0], Target: "source:" + source, Outcome: outcome, RunID: runID,
			Detail: mustJSON(map[string]any{"ids": ids, "error": errText(err)})})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %sed %d held revision(s) (run %d)\n", source, args[0], len(ids), run.ID)
		return nil
	}
	return errors.New(revisionsUsage)
}

func numText(p *float64) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
