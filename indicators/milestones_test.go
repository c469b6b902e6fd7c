package indicators

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// squash makes PDF-extracted text comparable with a quote: the extraction
// breaks lines and hyphenates words ("senfølge-\nklinikker"), so letters and
// digits are compared, lower-cased, without spaces, hyphens or punctuation.
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestMilestonesComeFromTheDocuments checks that the plan's follow-up
// rests on what the documents say: at least 20 dated milestones, each
// citing a section of a document whose text contains the milestone's quote
// and its date's wording.
func TestMilestonesComeFromTheDocuments(t *testing.T) {
	c := mustLoad(t)
	if len(c.Milestones) < 20 {
		t.Fatalf("%d milestones; the documents give at least 20 dated commitments", len(c.Milestones))
	}
	// The plan's documents are not in the repository: they sit in
	// ../shared/seeds beside it (or where KPV_SEEDS points). A clone with
	// nothing beside it checks what the catalogue itself carries: every
	// milestone cites a section of a listed document and quotes it.
	dir, haveDocs := seedsDir(t)
	texts := map[string]string{}
	for _, d := range c.Documents {
		if !haveDocs {
			texts[d.ID] = ""
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, d.File))
		if err != nil {
			t.Fatalf("document %s: %v (the plan's texts are in %s)", d.ID, err, dir)
		}
		texts[d.ID] = squash(string(b))
	}
	for _, m := range c.Milestones {
		text, ok := texts[m.Source.Document]
		if !ok || m.Source.Section == "" {
			t.Errorf("milestone %s cites %+v, not a section of a document", m.ID, m.Source)
			continue
		}
		if squash(m.Quote) == "" {
			t.Errorf("milestone %s quotes nothing", m.ID)
		}
		if haveDocs && !strings.Contains(text, squash(m.Quote)) {
			t.Errorf("milestone %s: quote %q is not in document %s", m.ID, m.Quote, m.Source.Document)
		}
		// The year of the due date is in the words the date rests on.
		if y := m.Due[:4]; !strings.Contains(m.Quote, y) && !strings.Contains(m.WhenDA, y) {
			t.Errorf("milestone %s: due %s, but neither its quote nor when_da names %s", m.ID, m.Due, y)
		}
		if m.Initiative > 0 {
			in := c.Initiatives[m.Initiative-1]
			if in.Number != m.Initiative {
				t.Errorf("milestone %s: initiative %d not found", m.ID, m.Initiative)
			}
		}
	}
	// The examples are all there.
	for _, id := range []string{"i05-klinikker-paabegyndt", "i05-klinikker-rammer", "i06-retningslinjer", "plan-aftale-2026",
		"i08-basisfunktion", "i01-tovholder-2027", "i12-lungescreening-pilot", "i12-lungescreening-evaluering",
		"i25-nikotinposer-krav", "i25-nikotinposer-indfaset", "i09-sedering"} {
		if _, ok := c.Milestone(id); !ok {
			t.Errorf("milestone %s is missing", id)
		}
	}
	if got := c.MilestonesOf(25); len(got) != 2 || got[0].Due != "2025-07-01" || got[1].Due != "2026-04-01" {
		t.Errorf("initiative 25's milestones: %+v", got)
	}
	if got := c.MilestonesOf(10); len(got) != 0 {
		t.Errorf("initiative 10 has no dated commitment in the documents, got %d milestones", len(got))
	}
}

// seedsDir is where the plan's documents are: KPV_SEEDS, else ../shared/seeds
// beside the repository. A KPV_SEEDS that does not exist is a mistake; a
// missing ../shared is a contributor's clone, said in the log.
func seedsDir(t *testing.T) (string, bool) {
	t.Helper()
	if dir := os.Getenv("KPV_SEEDS"); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("KPV_SEEDS: %v", err)
		}
		return dir, true
	}
	dir := filepath.Join("..", "..", "shared", "seeds")
	if _, err := os.Stat(dir); err != nil {
		t.Logf("the plan's documents are not beside the repository (%s): quotes checked for form only; set KPV_SEEDS to compare them with the documents", dir)
		return dir, false
	}
	return dir, true
}

func TestMilestoneValidationNamesTheMistake(t *testing.T) {
	base := string(Embedded)
	for _, tc := range []struct{ from, to, want string }{
		{`    due: "2026-04-01"`, `    due: "1 April 2026"`, `milestone "i25-nikotinposer-indfaset": due "1 April 2026" is not a date`},
		{`    owner: "region-midtjylland"
    quote: "Foranalysen`, `    owner: "region-x"
    quote: "Foranalysen`, `milestone "i09-telepalliation-foranalyse": unknown owner "region-x"`},
		{`    initiative: 35`, `    initiative: 37`, `milestone "i35-dccc-aftale": unknown initiative 37`},
		{`    kind: "in_force"
    due: "2025-07-01"
    when_da: "den 1. juli 2025"`, `    kind: "soon"
    due: "2025-07-01"
    when_da: "den 1. juli 2025"`, `milestone "i25-nikotinposer-krav": kind "soon"`},
		{`    source: {document: "aftale-2025", section: "Kræftforskning i det primære sundhedsvæsen (DCCC)"}`, `    source: {document: "aftale-2025"}`, `milestone "i35-dccc-aftale" cites document "aftale-2025" without a section`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if !strings.Contains(base, tc.from) {
				t.Fatalf("fixture text %q not in the catalogue", tc.from)
			}
			_, err := Parse("c.yaml", []byte(strings.Replace(base, tc.from, tc.to, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want %q, got %v", tc.want, err)
			}
			if err != nil && !strings.Contains(err.Error(), "c.yaml:") {
				t.Errorf("no line in %v", err)
			}
		})
	}
}
