package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kraeftplan/kpv/alerts"
	"github.com/kraeftplan/kpv/grafana"
)

// generate writes every file generated from the catalogue next to its
// generator: alerts/ (Prometheus rules, Alertmanager configuration) and
// grafana/ (dashboards, provisioning).
func generate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	dir := fs.String("dir", ".", "the repository's root directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cat, err := loadCatalogue()
	if err != nil {
		return err
	}
	alertsDir := filepath.Join(*dir, "alerts")
	if _, err := os.Stat(alertsDir); err != nil {
		return fmt.Errorf("--dir %s is not the repository's root (no alerts/ directory): %w", *dir, err)
	}
	if err := alerts.Write(cat, alertsDir); err != nil {
		return err
	}
	grafanaDir := filepath.Join(*dir, "grafana")
	if err := grafana.Write(cat, grafanaDir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s and %s from catalogue %s\n",
		filepath.Join(alertsDir, alerts.RulesFile), filepath.Join(alertsDir, alerts.AlertmanagerFile), grafanaDir, cat.Version)
	return nil
}
