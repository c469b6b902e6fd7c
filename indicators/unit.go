package indicators

import (
	"math"
	"slices"
)

// Unit is the unit of an indicator's values. Everything kpv writes about a
// value — its bounds, how the report and the alerts print it, Grafana's unit
// — comes from the unit's entry in units: a new unit is one new entry, and
// the catalogue check rejects a unit that has none.
type Unit string

// The units an indicator may have.
const (
	UnitPercent          Unit = "percent"
	UnitPercentagePoints Unit = "percentage_points"
	UnitRank             Unit = "rank"
	UnitRegions          Unit = "regions"
	UnitCount            Unit = "count"
	// UnitPer100000 is a rate per 100,000 (age-standardised death rates).
	UnitPer100000 Unit = "per_100000"
)

type unitSpec struct {
	nameDA, nameEN string
	// Values outside [min, max] are rejected on ingest and submission.
	min, max float64
	// suffix follows a figure in the report (a non-breaking space keeps
	// "47,2 %" on one line).
	suffix string
	// wordDA and wordEN follow a figure in alert texts, printed with verb.
	wordDA, wordEN, verb string
	// grafana is Grafana's unit id for panels of this unit.
	grafana string
	// change is the unit of the difference of two values.
	change Unit
	// exact units are complete counts, not samples: a change in them has
	// no sampling error.
	exact bool
}

var units = map[Unit]unitSpec{
	UnitPercent: {nameDA: "procent", nameEN: "per cent", min: 0, max: 100,
		suffix: "\u00a0%", wordDA: " %", wordEN: " %", verb: "%.1f", grafana: "percent", change: UnitPercentagePoints},
	UnitPercentagePoints: {nameDA: "procentpoint", nameEN: "percentage points", min: -100, max: 100,
		suffix: "\u00a0pp", wordDA: " procentpoint", wordEN: " percentage points", verb: "%.1f", grafana: "suffix: pp", change: UnitPercentagePoints},
	UnitRank: {nameDA: "placering", nameEN: "rank", min: 1, max: 10,
		wordDA: ". plads", wordEN: " (rank)", verb: "%.0f", grafana: "none", change: UnitRank},
	UnitRegions: {nameDA: "antal regioner", nameEN: "number of regions", min: 0, max: 5,
		wordDA: " regioner", wordEN: " regions", verb: "%.0f", grafana: "none", change: UnitRegions, exact: true},
	UnitCount: {nameDA: "antal", nameEN: "count", min: 0, max: math.Inf(1),
		verb: "%.0f", grafana: "none", change: UnitCount, exact: true},
	UnitPer100000: {nameDA: "pr. 100.000", nameEN: "per 100,000", min: 0, max: 100000,
		suffix: "\u00a0pr.\u00a0100.000", wordDA: " pr. 100.000", wordEN: " per 100,000", verb: "%.1f", grafana: "none", change: UnitPer100000},
}

// Exact reports whether figures in u are complete counts (the number of
// regions with a service), not estimates from a sample.
func (u Unit) Exact() bool { return units[u].exact }

// Units lists the known units, sorted.
func Units() []Unit {
	out := make([]Unit, 0, len(units))
	for u := range units {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// Valid reports whether u is a known unit.
func (u Unit) Valid() bool { _, ok := units[u]; return ok }

// NameDA is the unit's Danish name.
func (u Unit) NameDA() string { return units[u].nameDA }

// NameEN is the unit's English name.
func (u Unit) NameEN() string { return units[u].nameEN }

// Bounds are the smallest and largest values the unit allows.
func (u Unit) Bounds() (min, max float64) { s := units[u]; return s.min, s.max }

// Contains reports whether v is a value the unit allows (never NaN).
func (u Unit) Contains(v float64) bool {
	s, ok := units[u]
	return ok && !math.IsNaN(v) && v >= s.min && v <= s.max
}

// Suffix follows a figure in the report: "\u00a0%", "\u00a0pp" or nothing.
func (u Unit) Suffix() string { return units[u].suffix }

// Words follow a figure in alert texts, in Danish and English.
func (u Unit) Words() (da, en string) { s := units[u]; return s.wordDA, s.wordEN }

// Verb is the printf verb alert texts print a figure with ("%.1f", "%.0f").
func (u Unit) Verb() string {
	if v := units[u].verb; v != "" {
		return v
	}
	return "%.0f"
}

// Grafana is Grafana's unit id for the unit.
func (u Unit) Grafana() string {
	if g := units[u].grafana; g != "" {
		return g
	}
	return "none"
}

// Change is the unit of a difference of two values: the difference of two
// percentages is in percentage points, not per cent.
func (u Unit) Change() Unit {
	if c := units[u].change; c != "" {
		return c
	}
	return u
}

// ChangeInPoints reports whether a change of a value in u is in
// percentage points.
func (u Unit) ChangeInPoints() bool { return u.Change() == UnitPercentagePoints }

// Share reports whether values are shares of respondents or patients in
// per cent, so that an interval can be computed from numerator and
// denominator (Wilson's score interval).
func (u Unit) Share() bool { return u == UnitPercent }
