package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
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
