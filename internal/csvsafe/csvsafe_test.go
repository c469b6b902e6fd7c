package csvsafe

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A formula or a DDE payload opens as text; figures stay numbers.
func TestFormulasAreNeutralisedNumbersKept(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+cmd|' /C calc'!A0":         "'+cmd|' /C calc'!A0",
		"-1+2":                       "'-1+2",
		"@SUM(A1)":                   "'@SUM(A1)",
		"\t=1":                       "'\t=1",
		"\r=1":                       "'\r=1",
		"-2.1":                       "-2.1",
		"-2,1":                       "-2,1", // a Danish decimal comma
		"-2,1,3":                     "'-2,1,3",
		"+45":                        "+45",
		"DK-82":                      "DK-82",
		"":                           "",
	} {
		t.Run(in, func(t *testing.T) {
			if got := Cell(in); got != want {
				t.Errorf("Cell(%q) = %q, want %q", in, got, want)
			}
		})
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	_ = w.Write([]string{"=1+1", "61.5"})
	w.Flush()
	if buf.String() != "'=1+1,61.5\n" {
		t.Errorf("written %q", buf.String())
	}
}

// Every CSV kpv writes goes through this package: a csv.NewWriter
// anywhere else in the module fails this test.
func TestEveryCSVExportUsesIt(t *testing.T) {
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "build") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.Contains(path, "internal/csvsafe/") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("csv.NewWriter(")) {
			t.Errorf("%s writes CSV with encoding/csv; use csvsafe.NewWriter", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
