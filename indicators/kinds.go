package indicators

import "slices"

// GeographyKind is what a geography is: Denmark and the Nordic countries
// are countries, the five Danish regions regions. A kind is also the name
// of the breakdown that holds the geography (an indicator broken down by
// "region" has figures per region).
type GeographyKind string

// The kinds of geography.
const (
	GeoCountry GeographyKind = "country"
	GeoRegion  GeographyKind = "region"
)

// GeographyKinds are all kinds of geography.
var GeographyKinds = []GeographyKind{GeoCountry, GeoRegion}

// Valid reports whether k is a known kind.
func (k GeographyKind) Valid() bool { return slices.Contains(GeographyKinds, k) }

// IsGeographyLevel reports whether a breakdown is a geography level (the
// observation's geography) rather than a dimension such as sex.
func IsGeographyLevel(breakdown string) bool { return GeographyKind(breakdown).Valid() }

// TargetKind is what a target sets: a value, a rank, or only a direction.
type TargetKind string

// The kinds of target; TargetNone for an indicator without one.
const (
	TargetNone      TargetKind = "none"
	TargetValue     TargetKind = "value"
	TargetRank      TargetKind = "rank"
	TargetDirection TargetKind = "direction"
)

// DirectionImprove is the one direction a target may set.
const DirectionImprove = "improve"

// Kind says what t sets. The catalogue check makes sure it sets exactly one.
func (t *Target) Kind() TargetKind {
	switch {
	case t == nil:
		return TargetNone
	case t.Value != nil:
		return TargetValue
	case t.Rank != 0:
		return TargetRank
	}
	return TargetDirection
}

// DerivationMethod is how a derived indicator is computed.
type DerivationMethod string

// Derivation methods.
const (
	// NordicRank is Denmark's rank among Countries by the From indicator's
	// value (1 = best), per period and breakdown.
	NordicRank DerivationMethod = "nordic_rank"
	// GapToBest is the best country's value minus Denmark's, in the From
	// indicator's unit turned into points (0 when Denmark is best).
	GapToBest DerivationMethod = "gap_to_best"
)

// DerivationMethods are all derivation methods.
var DerivationMethods = []DerivationMethod{NordicRank, GapToBest}

// Valid reports whether m is a known method.
func (m DerivationMethod) Valid() bool { return slices.Contains(DerivationMethods, m) }
