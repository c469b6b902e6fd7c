package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/internal/pgtest"
)

func TestServeRefusesUnmigratedDatabase(t *testing.T) {
	t.Setenv("KPV_DATABASE_URL", pgtest.NewDatabase(t))
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "refusing to start") || !strings.Contains(err.Error(), "kpv migrate") {
		t.Fatalf("serve on an unmigrated database: %v", err)
	}
}

func TestCatalogueCheck(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"catalogue", "check"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "36 initiatives") {
		t.Errorf("check output: %s", out.String())
	}
	broken := strings.Replace(string(indicators.Embedded), `source: "barometer"`, `source: "gallup"`, 1)
	path := filepath.Join(t.TempDir(), "catalogue.yaml")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Run(context.Background(), []string{"catalogue", "check", path}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), path+":") || !strings.Contains(err.Error(), `unknown source "gallup"`) {
		t.Fatalf("broken catalogue: %v", err)
	}
}
