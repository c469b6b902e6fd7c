package test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/kraeftplan/kpv/grafana"
	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/promstack"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// No Grafana server can run here, so the dashboards are tested through
// their queries: kpv serves the bundled data, a real Prometheus scrapes it,
// and every panel's PromQL (parsed with Prometheus' own parser) and SQL (as
// the read-only role Grafana logs in as) runs with the dashboard's default
// variables and must return data. package grafana checks the structure.

// TestGrafanaDashboardQueries runs every query of every checked-in
// dashboard against the bundled data.
func TestGrafanaDashboardQueries(t *testing.T) {
	base := serveBundled(t)
	dbURL := os.Getenv("KPV_DATABASE_URL")
	prom := promstack.StartPrometheus(t, promstack.PrometheusConfig{Targets: []string{strings.TrimPrefix(base, "http://")}, Interval: time.Second})
	prom.WaitFor(t, "kpv_indicator_status", time.Minute)
	// increase() and *_over_time need a few samples in their window.
	prom.WaitFor(t, "count_over_time(kpv_indicator_status[1m]) >= 4", time.Minute)

	ctx := context.Background()
	reader := readOnly(t, dbURL)
	conn, err := pgx.Connect(ctx, reader)
	if err != nil {
		t.Fatalf("connect as kpv_grafana: %v", err)
	}
	defer conn.Close(ctx)
	checkReadOnly(t, conn)

	files, _ := filepath.Glob("../grafana/dashboards/*.json")
	if len(files) == 0 {
		t.Fatal("no dashboards in grafana/dashboards")
	}
	// Indicators fed only by a live API with no snapshot (StatBank DODA1)
	// have no figures offline: their history panel is empty until the
	// first fetch, which is right. Every other panel must return data.
	cat := testkit.Catalogue(t)
	var noOffline []string
	for _, in := range cat.Indicators {
		if src, ok := cat.Source(in.Source); ok && in.Derived == nil && src.Format.Fetched() && len(src.Files()) == 0 && src.Request != nil {
			noOffline = append(noOffline, "'"+in.ID+"'")
		}
	}
	offlineEmpty := func(q string) bool {
		for _, id := range noOffline {
			if strings.Contains(q, "indicator_id = "+id) {
				return true
			}
		}
		return false
	}
	var panels, promQueries, sqlQueries int
	latest := map[string]float64{} // Denmark's latest figures as the overview's SQL shows them
	for _, file := range files {
		var d grafana.Dashboard
		b, err := os.ReadFile(file)
		if err == nil {
			err = json.Unmarshal(b, &d)
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		vars := defaults(t, &d)
		from, to := timeRange(t, d.Time)
		for _, p := range flatten(d.Panels) {
			if len(p.Targets) == 0 {
				continue
			}
			panels++
			for _, tg := range p.Targets {
				where := fmt.Sprintf("%s: panel %q query %s", d.UID, p.Title, tg.RefID)
				switch {
				case tg.Expr != "":
					promQueries++
					expr, err := interpolate(tg.Expr, vars, false, from, to)
					if err != nil {
						t.Errorf("%s: %v", where, err)
						continue
					}
					ast, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
					if err != nil {
						t.Errorf("%s: PromQL does not parse: %v\n%s", where, err, expr)
						continue
					}
					samples, err := prom.Query(expr)
					if err != nil {
						t.Errorf("%s: %v", where, err)
						continue
					}
					// ALERTS has series only while an alert fires, and no
					// alert rules are loaded here (the alerting tests fire
					// them): an empty answer is right for ALERTS alone.
					if len(samples) == 0 && !onlyALERTS(ast) {
						t.Errorf("%s: no data from Prometheus for\n%s", where, expr)
					}
				case tg.RawSQL != "":
					sqlQueries++
					q, err := interpolate(tg.RawSQL, vars, true, from, to)
					if err != nil {
						t.Errorf("%s: %v", where, err)
						continue
					}
					rows, err := runSQL(ctx, conn, q)
					if err != nil {
						t.Errorf("%s: %v\n%s", where, err, q)
						continue
					}
					if len(rows) == 0 && offlineEmpty(q) {
						t.Logf("%s: no figures offline (a live source without a snapshot)", where)
					} else if len(rows) == 0 {
						t.Errorf("%s: no rows from Postgres for\n%s", where, q)
					}
					if d.UID == grafana.OverviewUID && strings.HasPrefix(p.Title, "Seneste tal") {
						for _, r := range rows {
							if v, ok := r["Seneste værdi"].(float64); ok {
								latest[fmt.Sprint(r["indicator"], "|", r["Opdeling"])] = v
							}
						}
					}
				default:
					t.Errorf("%s: neither PromQL nor SQL", where)
				}
			}
		}
	}
	if promQueries == 0 || sqlQueries == 0 {
		t.Fatalf("%d PromQL and %d SQL queries: expected both", promQueries, sqlQueries)
	}
	checkLatestAgreesWithMetrics(t, prom, latest)
	t.Logf("Grafana: %d dashboards, %d panels, %d PromQL and %d SQL queries executed", len(files), panels, promQueries, sqlQueries)
}

// readOnly is the test database's URL for the role kpv_grafana.
func readOnly(t *testing.T, dbURL string) string { return pgtest.ReaderURL(t, dbURL) }

// checkReadOnly: the role reads, and cannot write.
func checkReadOnly(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM current_observations").Scan(&n); err != nil || n == 0 {
		t.Fatalf("kpv_grafana cannot read the figures: %d rows, %v", n, err)
	}
	// The role's transactions are read-only by default (migration 00040),
	// but a session may turn that off: the grants must refuse on their own.
	if _, err := conn.Exec(ctx, "SET default_transaction_read_only = off"); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"INSERT INTO audit_log (actor, action, target, outcome) VALUES ('grafana', 'test', 'test', 'test')",
		"UPDATE figures SET value = value + 1", // the table behind the views observations and current_observations
		"INSERT INTO series (indicator_id, geography) VALUES ('x', 'DK')",
		"DELETE FROM ingest_runs",
		// Token hashes and the audit log are not for dashboards.
		"SELECT count(*) FROM api_tokens",
		"SELECT count(*) FROM audit_log",
	} {
		_, err := conn.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("kpv_grafana: %s: want permission denied (42501), got %v", stmt, err)
		}
	}
}

func flatten(ps []*grafana.Panel) []*grafana.Panel {
	var out []*grafana.Panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flatten(p.Panels)...)
	}
	return out
}

// defaults are the dashboard variables' default values; "All" stands for
// every option.
func defaults(t *testing.T, d *grafana.Dashboard) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, v := range d.Templating.List {
		var vals []string
		switch cur := v.Current.Value.(type) {
		case string:
			vals = []string{cur}
		case []any:
			for _, c := range cur {
				vals = append(vals, fmt.Sprint(c))
			}
		}
		if slices.Contains(vals, "$__all") {
			vals = nil
			for _, o := range v.Options {
				if s := fmt.Sprint(o.Value); s != "$__all" {
					vals = append(vals, s)
				}
			}
		}
		if len(vals) == 0 {
			t.Fatalf("%s: variable %s has no default", d.UID, v.Name)
		}
		out[v.Name] = vals
	}
	return out
}

// timeRange resolves the dashboard's default range ("now-30y", an ISO time).
func timeRange(t *testing.T, r grafana.TimeRange) (time.Time, time.Time) {
	t.Helper()
	now := time.Now().UTC()
	parse := func(s string) time.Time {
		if s == "now" {
			return now
		}
		if m := regexp.MustCompile(`^now([-+])(\d+)([ydhm])$`).FindStringSubmatch(s); m != nil {
			n, _ := strconv.Atoi(m[2])
			if m[1] == "-" {
				n = -n
			}
			switch m[3] {
			case "y":
				return now.AddDate(n, 0, 0)
			case "d":
				return now.AddDate(0, 0, n)
			case "h":
				return now.Add(time.Duration(n) * time.Hour)
			}
			return now.Add(time.Duration(n) * time.Minute)
		}
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("time range %q: %v", s, err)
		}
		return ts
	}
	return parse(r.From), parse(r.To)
}

var (
	timeFilter = regexp.MustCompile(`\$__timeFilter\(([^)]*)\)`)
	varUse     = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?::([a-z]+))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)
)

// interpolate does what Grafana does to a query before sending it: macros
// and built-in intervals, then variables in the format asked for.
func interpolate(q string, vars map[string][]string, sql bool, from, to time.Time) (string, error) {
	q = timeFilter.ReplaceAllString(q, fmt.Sprintf("$1 BETWEEN '%s' AND '%s'", from.Format(time.RFC3339), to.Format(time.RFC3339)))
	// Fixed stand-ins for Grafana's intervals; Prometheus scrapes every
	// second here, so a minute holds enough samples.
	for k, v := range map[string]string{"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"} {
		q = strings.ReplaceAll(q, k, v)
	}
	var err error
	q = varUse.ReplaceAllStringFunc(q, func(m string) string {
		sm := varUse.FindStringSubmatch(m)
		name, format := sm[1]+sm[3], sm[2]
		vals, ok := vars[name]
		if !ok {
			err = fmt.Errorf("variable $%s is not defined", name)
			return m
		}
		switch format {
		case "sqlstring":
			q := make([]string, len(vals))
			for i, v := range vals {
				q[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
			}
			return strings.Join(q, ",")
		case "regex":
			q := make([]string, len(vals))
			for i, v := range vals {
				q[i] = regexp.QuoteMeta(v)
			}
			if len(q) == 1 {
				return q[0]
			}
			return "(" + strings.Join(q, "|") + ")"
		case "":
			if len(vals) > 1 {
				err = fmt.Errorf("multi-valued $%s used without a format", name)
			}
			if sql {
				err = fmt.Errorf("$%s in SQL without :sqlstring", name)
			}
			return vals[0]
		}
		err = fmt.Errorf("format %s of $%s not handled", format, name)
		return m
	})
	return q, err
}

// onlyALERTS says whether every series the expression selects is ALERTS.
func onlyALERTS(e parser.Expr) bool {
	only, found := true, false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			found = true
			only = only && vs.Name == "ALERTS"
		}
		return nil
	})
	return found && only
}

// runSQL returns the rows as maps by column name.
func runSQL(ctx context.Context, conn *pgx.Conn, q string) ([]map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		r := map[string]any{}
		for i, f := range rows.FieldDescriptions() {
			r[f.Name] = vals[i]
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// checkLatestAgreesWithMetrics: the overview's SQL (which recomputes the
// derived ranks and gaps) shows Denmark the same latest figures kpv's
// assessment exposes.
func checkLatestAgreesWithMetrics(t *testing.T, prom *promstack.Prometheus, latest map[string]float64) {
	t.Helper()
	samples, err := prom.Query(`kpv_indicator_value{geography="DK"}`)
	if err != nil || len(samples) == 0 {
		t.Fatalf("kpv_indicator_value: %d samples, %v", len(samples), err)
	}
	for _, s := range samples {
		var dims []string
		for _, k := range []string{"cancer_site", "need_type", "sex"} {
			if v := s.Metric[k]; v != "" {
				dims = append(dims, k+"="+v)
			}
		}
		sort.Strings(dims)
		key := s.Metric["indicator"] + "|" + strings.Join(dims, ",")
		if len(dims) == 0 {
			key += "<nil>"
		}
		want, _ := strconv.ParseFloat(s.Value, 64)
		got, ok := latest[key]
		if !ok || math.Abs(got-want) > 1e-6 {
			t.Errorf("overview %s: SQL shows %v (found %v), kpv's metrics %v", key, got, ok, want)
		}
	}
	t.Logf("overview: Denmark's %d latest figures agree with kpv_indicator_value", len(samples))
}
