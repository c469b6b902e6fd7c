package cli

import (
	"context"
	"io"
	"strings"
	"testing"
)

// A misspelt configuration value stops kpv at start with a message naming
// the variable and what it accepts; it is never silently read as a default.
func TestMisreadConfigurationIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name, value, want string
	}{
		{"KPV_LOG_LEVEL", "verbose", `KPV_LOG_LEVEL="verbose" is not one of debug, info, warn, error`},
		{"KPV_OFFLINE", "yes", `KPV_OFFLINE="yes" is not one of 0, 1, false, true`},
		{"KPV_SCHEDULER", "of", `KPV_SCHEDULER="of" is not one of on, off`},
		{"KPV_RUN_TIMEOUT", "15", `KPV_RUN_TIMEOUT="15" is not a positive duration such as 15m`},
		{"KPV_RUN_TIMEOUT", "-1m", `KPV_RUN_TIMEOUT="-1m" is not a positive duration`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.name, tc.value)
			err := Run(context.Background(), []string{"version"}, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run with %s=%s: got %v, want an error containing %q", tc.name, tc.value, err, tc.want)
			}
		})
	}
	for _, ok := range []struct{ name, value string }{
		{"KPV_LOG_LEVEL", "DEBUG"}, {"KPV_OFFLINE", "true"}, {"KPV_SCHEDULER", "off"}, {"KPV_OFFLINE", ""}, {"KPV_RUN_TIMEOUT", "20m"},
	} {
		t.Run(ok.name+"="+ok.value, func(t *testing.T) {
			t.Setenv(ok.name, ok.value)
			if err := Run(context.Background(), []string{"version"}, io.Discard, io.Discard); err != nil {
				t.Fatalf("run with %s=%q: %v", ok.name, ok.value, err)
			}
		})
	}
}
