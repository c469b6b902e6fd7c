package indicators

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

type index struct {
	goals       map[int]*Goal
	indicators  map[string]*Indicator
	geographies map[string]*Geography // by lower-cased code and alias
	orgs        map[string]*Organisation
	sources     map[string]*Source
	dims        map[string]map[string]bool
	dimensions  map[string]*Dimension
	entities    map[string]*CancerEntity // by code and lower-cased names
}

func (c *Catalogue) buildIndex() {
	x := index{
		goals:       map[int]*Goal{},
		indicators:  map[string]*Indicator{},
		geographies: map[string]*Geography{},
		orgs:        map[string]*Organisation{},
		sources:     map[string]*Source{},
		dims:        map[string]map[string]bool{},
		dimensions:  map[string]*Dimension{},
		entities:    map[string]*CancerEntity{},
	}
	for i := range c.CancerEntities {
		e := &c.CancerEntities[i]
		for _, k := range []string{e.NameEN, e.NameDA, strconv.Itoa(e.Code)} {
			x.entities[strings.ToLower(k)] = e
		}
	}
	for i := range c.Dimensions {
		x.dimensions[c.Dimensions[i].ID] = &c.Dimensions[i]
	}
	for i := range c.Goals {
		x.goals[c.Goals[i].ID] = &c.Goals[i]
	}
	for i := range c.Indicators {
		x.indicators[c.Indicators[i].ID] = &c.Indicators[i]
	}
	for i := range c.Geographies {
		g := &c.Geographies[i]
		// Names come first so that an explicit alias wins over a name.
		for _, a := range append([]string{g.NameDA, g.NameEN, g.Code}, g.Aliases...) {
			x.geographies[strings.ToLower(a)] = g
		}
	}
	for i := range c.Organisations {
		x.orgs[c.Organisations[i].ID] = &c.Organisations[i]
	}
	for i := range c.Sources {
		x.sources[c.Sources[i].ID] = &c.Sources[i]
	}
	for _, d := range c.Dimensions {
		vals := map[string]bool{}
		for _, v := range d.Values {
			vals[v.Code] = true
		}
		if d.FromCancerEntities {
			for _, e := range c.CancerEntities {
				vals[strconv.Itoa(e.Code)] = true
			}
		}
		x.dims[d.ID] = vals
	}
	c.index = x
}

// Goal returns the goal with the given id.
func (c *Catalogue) Goal(id int) (*Goal, bool) { g, ok := c.index.goals[id]; return g, ok }

// Indicator returns the indicator with the given id.
func (c *Catalogue) Indicator(id string) (*Indicator, bool) {
	in, ok := c.index.indicators[id]
	return in, ok
}

// Organisation returns the organisation with the given id.
func (c *Catalogue) Organisation(id string) (*Organisation, bool) {
	o, ok := c.index.orgs[id]
	return o, ok
}

// Source returns the source with the given id.
func (c *Catalogue) Source(id string) (*Source, bool) { s, ok := c.index.sources[id]; return s, ok }

// Geography resolves a geography by its code or any alias a publisher uses
// ("081", "1081", "DK05", "Region Nordjylland", "208", …), case-insensitively.
func (c *Catalogue) Geography(codeOrAlias string) (*Geography, bool) {
	g, ok := c.index.geographies[strings.ToLower(strings.TrimSpace(codeOrAlias))]
	return g, ok
}

// Dimension returns the breakdown dimension with the given id.
func (c *Catalogue) Dimension(id string) (*Dimension, bool) {
	d, ok := c.index.dimensions[id]
	return d, ok
}

// CancerEntity resolves a NORDCAN cancer entity by its code or its English
// or Danish name ("Colon", "Tyktarmskræft", "90"), case-insensitively.
func (c *Catalogue) CancerEntity(codeOrName string) (*CancerEntity, bool) {
	e, ok := c.index.entities[strings.ToLower(strings.TrimSpace(codeOrName))]
	return e, ok
}

// IndicatorsOfGoal returns the goal's indicators in catalogue order.
func (c *Catalogue) IndicatorsOfGoal(goal int) []*Indicator {
	var out []*Indicator
	for i := range c.Indicators {
		if c.Indicators[i].Goal == goal {
			out = append(out, &c.Indicators[i])
		}
	}
	return out
}

// InitiativesOfGoal returns the initiatives that serve the goal.
func (c *Catalogue) InitiativesOfGoal(goal int) []*Initiative {
	var out []*Initiative
	for i := range c.Initiatives {
		if slices.Contains(c.Initiatives[i].Goals, goal) {
			out = append(out, &c.Initiatives[i])
		}
	}
	return out
}

// Breakdown is an observation's breakdown other than geography, e.g.
// {"sex": "female", "cancer_site": "990"}.
type Breakdown map[string]string

// Key is the breakdown's canonical form, "k=v,k=v" sorted by key; "" for
// no breakdown. Observations are keyed by it.
func (b Breakdown) Key() string {
	if len(b) == 0 {
		return ""
	}
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(k)
		sb.WriteByte('=')
		sb.WriteString(b[k])
	}
	return sb.String()
}

// CheckObservation checks that a figure fits the catalogue: a known
// indicator, a geography at a level the indicator is published at, known
// breakdown values, and a value within the unit's range. It returns the
// canonical geography code. Each error names the field it concerns.
func (c *Catalogue) CheckObservation(indicatorID, geography string, b Breakdown, value *float64) (string, error) {
	in, ok := c.Indicator(indicatorID)
	if !ok {
		return "", &FieldError{"indicator", fmt.Sprintf("unknown indicator %q", indicatorID)}
	}
	if in.Derived != nil {
		return "", &FieldError{"indicator", fmt.Sprintf("indicator %s is derived by kpv from %s; its figures are not ingested or submitted", in.ID, in.Derived.From)}
	}
	g, ok := c.Geography(geography)
	if !ok {
		return "", &FieldError{"geography", fmt.Sprintf("unknown geography %q", geography)}
	}
	if !in.PublishedAt(g) {
		return "", &FieldError{"geography", fmt.Sprintf("indicator %s is not broken down by %s (%s)", in.ID, g.Kind, g.Code)}
	}
	for k, v := range b {
		vals, ok := c.index.dims[k]
		if !ok || !slices.Contains(in.Breakdowns, k) {
			return "", &FieldError{k, fmt.Sprintf("indicator %s has no breakdown %q", in.ID, k)}
		}
		if !vals[v] {
			return "", &FieldError{k, fmt.Sprintf("unknown %s %q", k, v)}
		}
	}
	for _, dim := range in.Breakdowns {
		if !IsGeographyLevel(dim) && b[dim] == "" {
			return "", &FieldError{dim, fmt.Sprintf("missing: indicator %s is broken down by %s", in.ID, dim)}
		}
	}
	if value != nil {
		if !in.Unit.Contains(*value) {
			lo, hi := in.Unit.Bounds()
			return "", &FieldError{"value", fmt.Sprintf("%v is outside the range of unit %s [%v, %v]", *value, in.Unit, lo, hi)}
		}
	}
	return g.Code, nil
}

// PublishedAt reports whether the indicator has figures for g: Denmark
// always; regions and other countries only when broken down by them.
func (in *Indicator) PublishedAt(g *Geography) bool {
	switch {
	case g.Code == "DK":
		return true
	default:
		return slices.Contains(in.Breakdowns, string(g.Kind))
	}
}

// FieldError is a problem with one field of an observation.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }
