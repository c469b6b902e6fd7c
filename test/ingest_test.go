package test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/cli"
	"github.com/kraeftplan/kpv/internal/pgtest"
)

func TestIngestCommand(t *testing.T) {
	ctx := context.Background()
	t.Setenv("KPV_DATABASE_URL", pgtest.NewDatabase(t))
	var out, logs bytes.Buffer
	if err := cli.Run(ctx, []string{"migrate"}, &out, &logs); err != nil {
		t.Fatal(err)
	}

	// --all --offline loads every shipped snapshot and says which sources have none.
	out.Reset()
	if err := cli.Run(ctx, []string{"ingest", "--all", "--offline"}, &out, &logs); err != nil {
		t.Fatalf("ingest --all --offline: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		// 8 figures from release 9.0 and 240 by site from 9.2; the
		// registry's 8 national and 3 regional.
		"nordcan-survival: success: read 248, inserted 248, revised 0, unchanged 0, rejected 0",
		"sds-kraeftoverlevelse: success: read 11, inserted 11",
		"eurostat-asdr2: success: read 195, inserted 195",
		"nordcan-mortality: success: read 13, inserted 13",
		"sst-kraeftpakker: success: read 14, inserted 14",
		"statbank-doda1: skipped: no snapshot is shipped",
		"barometer: success: read 10, inserted 10",
		"lup: skipped: no snapshot is shipped",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// A file that does not fit: the command fails, names the row, and writes nothing.
	bad := filepath.Join(t.TempDir(), "lup.csv")
	table := "År;Region;Antal besvarelser;Antal i høj eller meget høj grad;Andel i høj eller meget høj grad (%)\n" +
		"2024;Region Hovedstaden;100;60;60,0\n2024;Region Atlantis;100;60;60,0\n"
	if err := os.WriteFile(bad, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := cli.Run(ctx, []string{"ingest", "lup", "--file", bad}, &out, &logs)
	if err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("bad file: %v", err)
	}
	for _, want := range []string{"lup: failed: read 2, inserted 0, revised 0, unchanged 0, rejected 1", `lup.csv: row 3, column 5`, `unknown geography "Region Atlantis"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// Usage mistakes are refused before anything runs.
	for _, args := range [][]string{{"ingest"}, {"ingest", "--all", "lup"}, {"ingest", "nope"}, {"ingest", "indberetning"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if err := cli.Run(ctx, args, &out, &logs); err == nil {
				t.Errorf("%v: accepted", args)
			}
		})
	}
}
