// Command kpv is the Kræftplan V follow-up service.
//
//	kpv serve              run the HTTP API (refuses an unmigrated database)
//	kpv migrate            apply the embedded database migrations
//	kpv ingest SOURCE      ingest one source once (--file, --offline, --all)
//	kpv report YEAR        write the yearly follow-up report (--format, --out, --as-of)
//	kpv catalogue check F  validate a catalogue file (default: the embedded one)
//	kpv generate           write alert rules, routes and dashboards from the catalogue
//	kpv token create       make an API token (--role, --org); also list, revoke
//	kpv version            print the catalogue version built in
//
// Configuration is by environment (see docs/operations.md): KPV_DATABASE_URL, KPV_ADDR,
// KPV_CATALOGUE, KPV_LOG_LEVEL, KPV_OFFLINE, KPV_SCHEDULER, KPV_FETCH_TIMEOUT,
// KPV_FETCH_ATTEMPTS, KPV_REFRESH_INTERVAL.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/kraeftplan/kpv/cli"
)

func main() {
	if err := cli.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kpv:", err)
		os.Exit(1)
	}
}
