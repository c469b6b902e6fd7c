package indicators

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LoadEmbedded loads and validates the catalogue built into the binary.
func LoadEmbedded() (*Catalogue, error) {
	return Parse(EmbeddedName, Embedded)
}

// LoadFile loads and validates a catalogue file, for editing and for
// deployments that override the embedded one.
func LoadFile(path string) (*Catalogue, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// Parse decodes and validates a catalogue. Unknown fields are errors, so a
// misspelt key is caught rather than silently ignored. Every problem found is
// reported, each as "file:line: message".
func Parse(name string, b []byte) (*Catalogue, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c Catalogue
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c.Name = name
	sum := sha256.Sum256(b)
	c.Hash = hex.EncodeToString(sum[:])
	recordLines(&c, &root)
	c.buildIndex() // validation looks things up; the index tolerates duplicates, which validate reports
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// recordLines copies each list item's line number from the YAML tree, so that
// validation can say where a problem is.
func recordLines(c *Catalogue, root *yaml.Node) {
	lines := func(key string) []int {
		if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
			return nil
		}
		m := root.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				var out []int
				for _, item := range m.Content[i+1].Content {
					out = append(out, item.Line)
				}
				return out
			}
		}
		return nil
	}
	set := func(key string, n int, f func(i, line int)) {
		ls := lines(key)
		for i := 0; i < n && i < len(ls); i++ {
			f(i, ls[i])
		}
	}
	set("documents", len(c.Documents), func(i, l int) { c.Documents[i].Line = l })
	set("goals", len(c.Goals), func(i, l int) { c.Goals[i].Line = l })
	set("focus_areas", len(c.FocusAreas), func(i, l int) { c.FocusAreas[i].Line = l })
	set("initiatives", len(c.Initiatives), func(i, l int) { c.Initiatives[i].Line = l })
	set("funding_tables", len(c.FundingTables), func(i, l int) { c.FundingTables[i].Line = l })
	set("organisations", len(c.Organisations), func(i, l int) { c.Organisations[i].Line = l })
	set("geographies", len(c.Geographies), func(i, l int) { c.Geographies[i].Line = l })
	set("cancer_entities", len(c.CancerEntities), func(i, l int) { c.CancerEntities[i].Line = l })
	set("dimensions", len(c.Dimensions), func(i, l int) { c.Dimensions[i].Line = l })
	set("sources", len(c.Sources), func(i, l int) { c.Sources[i].Line = l })
	set("indicators", len(c.Indicators), func(i, l int) { c.Indicators[i].Line = l })
	set("milestones", len(c.Milestones), func(i, l int) { c.Milestones[i].Line = l })
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		m := root.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == "alerting" {
				c.Alerting.Line = m.Content[i].Line
			}
			if m.Content[i].Value == "verdict" {
				c.Verdict.Line = m.Content[i].Line
			}
		}
	}
}

// ValidationError lists every problem found in a catalogue.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("catalogue is invalid (%d problem(s)):\n  %s", len(e.Problems), strings.Join(e.Problems, "\n  "))
}
