package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kraeftplan/kpv/alerts"
	"github.com/kraeftplan/kpv/grafana"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// `kpv generate` writes what is checked in (the alerts and grafana packages'
// own tests compare the generators with the files; this checks the wiring).
func TestGenerateWritesTheCheckedInFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "alerts"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"generate", "--dir", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{alerts.RulesFile, alerts.AlertmanagerFile} {
		got, err := os.ReadFile(filepath.Join(dir, "alerts", name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "alerts", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("kpv generate wrote an alerts/%s that differs from the checked-in one", name)
		}
	}
	cat := testkit.Catalogue(t)
	dashboards, err := grafana.Generate(cat)
	if err != nil {
		t.Fatal(err)
	}
	for name := range dashboards {
		got, err := os.ReadFile(filepath.Join(dir, "grafana", name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "grafana", name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("kpv generate wrote a grafana/%s that differs from the checked-in one (%v)", name, err)
		}
	}
	if err := Run(context.Background(), []string{"generate", "--dir", t.TempDir()}, &out, io.Discard); err == nil {
		t.Error("kpv generate into a directory that is not the repository succeeded")
	}
}
