package ingest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// Every format of the catalogue's vocabulary, and every format a shipped
// source uses, must have its reader registered in formats: a missing one
// would otherwise show only when that source first runs.
func TestEveryFormatIsRegistered(t *testing.T) {
	for _, f := range indicators.Formats() {
		entry, ok := formats[f]
		switch {
		case !ok:
			t.Errorf("format %q (indicators/format.go) has no reader: add its file ingest/format_*.go and its entry in the formats table of ingest/formats.go", f)
		case f.Fetched() && entry.read == nil:
			t.Errorf("format %q is fetched but its entry in ingest/formats.go has no reader (read)", f)
		case f.Submitted() && entry.read != nil:
			t.Errorf("format %q is submitted through the API but its entry in ingest/formats.go reads publications", f)
		case (entry.stream == nil) != (entry.streams == nil):
			t.Errorf("format %q: its entry in ingest/formats.go has stream without streams or the other way round", f)
		}
	}
	for f := range formats {
		if !f.Known() {
			t.Errorf("ingest/formats.go registers %q, which indicators.Formats() does not list", f)
		}
	}
	c := testkit.Catalogue(t)
	for _, src := range c.Sources {
		if _, ok := formats[src.Format]; !ok {
			t.Errorf("source %s has format %q, which has no reader in ingest/formats.go", src.ID, src.Format)
		}
	}
}

// A submitted CSV table and a table file are read by the same code: the
// same malformed table gives the same problems, with the same wording and
// position, through ingest.Parse on a table source and through
// ReadSubmittedCSV, which the submissions API uses.
func TestSubmittedTableReadsLikeATableFile(t *testing.T) {
	c := testkit.Catalogue(t)
	in, _ := c.Indicator("g2_involved_decisions_lup")
	lup := *source(t, c, in.Source)
	// The LUP table as a submitter would write it: kpv's field names as
	// headings.
	lup.Mapping = &indicators.Mapping{
		Columns: map[string]string{"period": "period", "geography": "geography", "value": "value", "numerator": "numerator", "denominator": "denominator"},
		Fixed:   map[string]string{"indicator": in.ID},
	}
	cases := []struct{ name, table, field, want string }{
		{"a word for a number", "period;geography;value;numerator;denominator\n2024;DK-81;sixty;;\n", "value", `"sixty"`},
		{"two decimal commas", "period;geography;value;numerator;denominator\n2024;DK-81;12,3,4;;\n", "value", `"12,3,4"`},
		{"misplaced thousands", "period,geography,value,numerator,denominator\n2024,DK-81,1.23.4,,\n", "value", `"1.23.4"`},
		{"a bad count", "period;geography;value;numerator;denominator\n2024;DK-81;61,5;abc;200\n", "numerator", `"abc"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(c, &lup, "batch.csv", []byte(tc.table))
			var be *indicators.BatchError
			if !errors.As(err, &be) || len(be.Rows) != 1 {
				t.Fatalf("table file: got %v, want one bad row", err)
			}
			_, _, bad, err := ReadSubmittedCSV(c, in, "batch.csv", []byte(tc.table))
			if err != nil || len(bad) != 1 {
				t.Fatalf("submission: got %v, %+v; want one bad row", err, bad)
			}
			file, sub := be.Rows[0], bad[0]
			if file != sub {
				t.Errorf("the same table gives different problems:\n  table file: %s\n  submission: %s", describe(file), describe(sub))
			}
			if sub.Field != tc.field || !strings.Contains(sub.Message, tc.want) || !strings.Contains(sub.Where, "batch.csv: row 2") {
				t.Errorf("problem %s; want field %s, a message quoting %s, at batch.csv row 2", describe(sub), tc.field, tc.want)
			}
		})
	}
}

func describe(e indicators.RowError) string {
	return fmt.Sprintf("row %d, %s: %s (%s)", e.Row, e.Field, e.Message, e.Where)
}

// What a submitter sends is read as the table adapter reads a file, with
// the submission's own rules: an empty value is missing, not suppressed;
// suppression is a mark or suppressed=true; no geography is Denmark.
func TestSubmittedTable(t *testing.T) {
	c := testkit.Catalogue(t)
	in, _ := c.Indicator("g2_involved_decisions_lup")
	rows, where, bad, err := ReadSubmittedCSV(c, in, "batch.csv", []byte(
		"period;geography;value;suppressed\n2024;Region Midtjylland;61,5;\n2024;DK-81;..;\n2024;;;true\n2024;DK-83;;\n\n2024;DK-84;1;maybe\n"))
	if err != nil || len(rows) != 5 || len(where) != 5 {
		t.Fatalf("got %d rows, %d positions, %v", len(rows), len(where), err)
	}
	if v := rows[0].Value; v == nil || *v != 61.5 || rows[0].Geography != "Region Midtjylland" || rows[0].Indicator != in.ID {
		t.Errorf("row 1: %+v", rows[0])
	}
	if !rows[1].Suppressed || rows[1].Value != nil {
		t.Errorf("row 2 (..) not suppressed: %+v", rows[1])
	}
	if !rows[2].Suppressed || rows[2].Geography != "DK" {
		t.Errorf("row 3 (suppressed=true, no geography): %+v", rows[2])
	}
	if rows[3].Suppressed || rows[3].Value != nil {
		t.Errorf("row 4 (empty value) must stay missing, not suppressed: %+v", rows[3])
	}
	if len(bad) != 1 || bad[0].Row != 5 || bad[0].Field != "suppressed" {
		t.Errorf("bad rows %+v; want row 5's suppressed", bad)
	}
}
