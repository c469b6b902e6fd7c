package cli

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

// choices are the configuration variables that take one of a few words. A
// value outside the list is refused when kpv starts, naming the variable and
// what it accepts, rather than silently read as the default
// (KPV_SCHEDULER=of once left the scheduler on).
var choices = []struct {
	name     string
	accepted []string
}{
	{"KPV_LOG_LEVEL", []string{"debug", "info", "warn", "error"}},
	{"KPV_OFFLINE", []string{"0", "1", "false", "true"}},
	{"KPV_SCHEDULER", []string{"on", "off"}},
}

// durations are the configuration variables that take a positive duration,
// checked at start with the words above.
var durations = []string{"KPV_RUN_TIMEOUT", "KPV_HTTP_READ_TIMEOUT", "KPV_HTTP_WRITE_TIMEOUT", "KPV_HTTP_IDLE_TIMEOUT", "KPV_DB_PING_INTERVAL"}

// newHTTPServer bounds how long a connection may hold kpv: the headers and
// the whole body must arrive within the read timeout (a slow body is cut
// off), an answer must be written within the write timeout, and an idle
// keep-alive connection is closed. With only a header timeout, 300 slow or
// idle anonymous connections were once held for ever.
func newHTTPServer(h http.Handler) (*http.Server, error) {
	read, err := envDuration("KPV_HTTP_READ_TIMEOUT", 30*time.Second)
	if err != nil {
		return nil, err
	}
	write, err := envDuration("KPV_HTTP_WRITE_TIMEOUT", 2*time.Minute)
	if err != nil {
		return nil, err
	}
	idle, err := envDuration("KPV_HTTP_IDLE_TIMEOUT", time.Minute)
	if err != nil {
		return nil, err
	}
	return &http.Server{Handler: h, ReadHeaderTimeout: min(read, 10*time.Second), ReadTimeout: read,
		WriteTimeout: write, IdleTimeout: idle, MaxHeaderBytes: 64 << 10}, nil
}

// envDuration reads a positive duration variable, def when unset.
func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive duration such as 15m", name, v)
	}
	return d, nil
}

// checkEnv refuses a misspelt configuration value. An unset or empty
// variable takes its default.
func checkEnv() error {
	var bad []string
	for _, c := range choices {
		v := os.Getenv(c.name)
		if v != "" && !slices.Contains(c.accepted, strings.ToLower(v)) {
			bad = append(bad, fmt.Sprintf("%s=%q is not one of %s", c.name, v, strings.Join(c.accepted, ", ")))
		}
	}
	for _, name := range durations {
		if _, err := envDuration(name, time.Second); err != nil {
			bad = append(bad, err.Error())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("configuration: %s", strings.Join(bad, "; "))
	}
	return nil
}

// envOn reads a checked boolean variable (KPV_OFFLINE).
func envOn(name string) bool {
	v := strings.ToLower(os.Getenv(name))
	return v == "1" || v == "true"
}
