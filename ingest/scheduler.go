package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	_ "time/tzdata" // Europe/Copenhagen on machines without a zoneinfo database

	"github.com/robfig/cron/v3"

	"github.com/kraeftplan/kpv/indicators"
)

// Scheduler runs each fetched source on its cron schedule (Europe/Copenhagen
// unless the schedule says otherwise). Several replicas may run one: each
// scheduled tick is claimed in Postgres, so it runs once, and the source's
// advisory lock keeps a run still going from being doubled by the next
// tick. A panic in a job is recovered and logged.
type Scheduler struct {
	runner  *Runner
	replica string
	cron    *cron.Cron
	ctx     context.Context
	cancel  context.CancelFunc
	log     *slog.Logger
}

// Copenhagen is where the plan's officials work; schedules without a
// CRON_TZ= prefix are read in it.
var Copenhagen = mustLocation("Europe/Copenhagen")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is linked into the binary, so this cannot happen
	}
	return loc
}

// NewScheduler schedules every source of the runner's catalogue that is
// fetched and has a schedule. replica names this process in the tick log.
func NewScheduler(r *Runner, replica string) (*Scheduler, error) {
	log := r.logger().With("component", "scheduler", "replica", replica)
	clog := cronLogger{log}
	s := &Scheduler{runner: r, replica: replica, log: log}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cron = cron.New(cron.WithLocation(Copenhagen), cron.WithLogger(clog),
		cron.WithChain(cron.Recover(clog), cron.SkipIfStillRunning(clog)))
	for i := range r.Catalogue.Sources {
		src := &r.Catalogue.Sources[i]
		if !src.Format.Fetched() || src.Schedule == "" {
			continue
		}
		sched, err := indicators.ParseSchedule(src.Schedule)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", src.ID, err)
		}
		id := src.ID
		s.cron.Schedule(sched, cron.FuncJob(func() {
			// cron fires on whole seconds; rounding the start time names the
			// tick the same on every replica.
			s.RunDue(s.ctx, id, time.Now().Round(time.Second))
		}))
	}
	return s, nil
}

// Start starts the schedule in the background.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling, cancels running jobs and waits for them to end.
func (s *Scheduler) Stop() {
	s.cancel()
	<-s.cron.Stop().Done()
}

// RunDue runs the tick of source due at the given time, unless another
// replica claimed it or a run of the source is still going. It reports
// whether this replica ran it.
func (s *Scheduler) RunDue(ctx context.Context, source string, due time.Time) (bool, error) {
	log := s.log.With("source", source, "due", due.Format(time.RFC3339))
	claimed, err := s.runner.Store.ClaimTick(ctx, source, due, s.replica)
	if err != nil {
		log.Error("claim tick", "err", err)
		return false, err
	}
	if !claimed {
		log.Debug("tick claimed by another replica")
		return false, nil
	}
	_, err = s.runner.Run(ctx, source, Options{})
	switch {
	case errors.Is(err, ErrBusy):
		log.Warn("skipped: the previous run of the source is still going")
		return false, nil
	case err != nil:
		log.Error("scheduled run failed", "err", err)
	}
	return true, err
}

// cronLogger sends robfig/cron's log lines to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug(msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error(msg, append([]any{"err", err}, kv...)...)
}
