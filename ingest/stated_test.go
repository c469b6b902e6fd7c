package ingest

import (
	"bytes"
	"cmp"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/internal/testkit"
)

// realExport reads a file of testdata/nordcan-real without its first line
// (the provenance line the leads added; see the README there).
func realExport(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/nordcan-real/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("# ")) {
		t.Fatalf("%s: no provenance line", name)
	}
	_, rest, _ := bytes.Cut(data, []byte("\n"))
	return rest
}

// A figure's meaning is stated, never guessed: the real exports that state
// no follow-up are refused unless the command states it, a stated
// follow-up or sex that contradicts the file is refused saying both, and a
// 1-year file is refused saying what it holds and what the source keeps.
func TestNordcanFollowUpAndSexStated(t *testing.T) {
	c := testkit.Catalogue(t)
	for _, tc := range []struct {
		name, file string
		opt        Options
		want       string // "" for accepted
		n          int
	}{
		{"1-year export without a marker, nothing stated", "nordcan-survival-colon_5y_filip-tichanek_nord_intestine.csv", Options{},
			`the file does not state its survival follow-up (not in the heading "Colon", no spanning heading row such as "5-years survival", no title row) and source nordcan-survival keeps 5-year survival: state it in the file or with --follow-up 5`, 0},
		{"export without a marker stated as 1-year", "nordcan-survival-colon_5y_filip-tichanek_nord_intestine.csv", Options{FollowUp: "1"},
			"the file holds 1-year survival only; source nordcan-survival keeps 5-year survival", 0},
		{"export without a marker stated as 5-year", "nordcan-survival-colon_5y_filip-tichanek_nord_intestine.csv", Options{FollowUp: "5"}, "", 80},
		{"heading says 1y", "constructed-colon-1y-heading.csv", Options{},
			"the file holds 1-year survival only; source nordcan-survival keeps 5-year survival (its mapping's filter end: 5)", 0},
		{"heading says 1y, command says 5", "constructed-colon-1y-heading.csv", Options{FollowUp: "5"},
			"the file holds 1-year survival, but --follow-up states 5-year", 0},
		{"heading says 5y", "nordcan-survival-prostate-5y_filip-tichanek_nord_male.csv", Options{Set: map[string]string{"sex": "male"}}, "", 40},
		{"men and women side by side, command says female", "nordcan-survival-colon_5y_filip-tichanek_nord_intestine.csv", Options{FollowUp: "5", Set: map[string]string{"sex": "female"}},
			"men and women side by side under repeated country names: the file holds figures for sex=male, but the command or the catalogue states sex=female", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.opt.stated(source(t, c, "nordcan-survival"))
			obs, err := Parse(c, src, tc.file, realExport(t, tc.file))
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want == "" && len(obs) != tc.n:
				t.Errorf("%d figures, want %d", len(obs), tc.n)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// `--set sex=female` puts the breast export's figures in women's series;
// without it the default is applied and said.
func TestNordcanSetSex(t *testing.T) {
	c := testkit.Catalogue(t)
	data := realExport(t, "nordcan-survival-breast-5y_filip-tichanek_nord_female.csv")
	for _, tc := range []struct {
		name, sex, note string
	}{
		{"stated female", "female", ""},
		{"not stated", "", "sex=total for 40 figure(s): neither the file nor the command states the sex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := Options{FollowUp: "5"}
			if tc.sex != "" {
				opt.Set = map[string]string{"sex": tc.sex}
			}
			obs, notes, err := parse(c, opt.stated(source(t, c, "nordcan-survival")), "breast.csv", data, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			want := "cancer_site=180,sex=" + cmp.Or(tc.sex, "total")
			for _, o := range obs {
				if o.Breakdown.Key() != want {
					t.Fatalf("%s %s: breakdown %s, want %s", o.Geography, o.Period, o.Breakdown.Key(), want)
				}
			}
			if got := strings.Join(notes.Defaults, "; "); !strings.Contains(got, tc.note) || tc.note == "" && got != "" {
				t.Errorf("defaults %q, want %q", got, tc.note)
			}
		})
	}
}

// NORDCAN's entity names may hold commas: the heading is matched whole.
func TestNordcanCommaEntity(t *testing.T) {
	c := testkit.CatalogueWith(t, map[string]string{"cancer_entities": `  - {code: 9901, name_da: "Kræft i vulva og vagina (testpost)", name_en: "Vulva, vagina and other females genital organs"}
`})
	src := (Options{FollowUp: "5", Set: map[string]string{"sex": "female"}}).stated(source(t, c, "nordcan-survival"))
	obs, err := Parse(c, src, "comma.csv", realExport(t, "constructed-comma-entity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 40 || obs[0].Breakdown["cancer_site"] != "9901" {
		t.Errorf("%d figures, first %v; want 40 of entity 9901", len(obs), obs[0].Breakdown)
	}
	// Without the entity in the catalogue the error names the name whole.
	_, err = Parse(testkit.Catalogue(t), src, "comma.csv", realExport(t, "constructed-comma-entity.csv"))
	if want := `the heading "Vulva, vagina and other females genital organs" is not a cancer entity of the catalogue`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}

// The heading grammar, part by part.
func TestNordcanHeadings(t *testing.T) {
	c := testkit.Catalogue(t)
	b := newBatch(c, source(t, c, "nordcan-survival"))
	for _, tc := range []struct {
		label string
		want  nordcanHeading
	}{
		{"Colon", nordcanHeading{entity: "90"}},
		{"Colon (Males)", nordcanHeading{entity: "90", sex: "male"}},
		{"Colon - Females, 5-year", nordcanHeading{entity: "90", sex: "female", end: "5"}},
		{"Prostate 5y", nordcanHeading{entity: "240", end: "5"}},
		{"Breast, women, five-year relative survival", nordcanHeading{entity: "180", sex: "female", end: "5"}},
		{"5-years survival", nordcanHeading{end: "5"}},
		{"1 year survival", nordcanHeading{end: "1"}},
		{"Age-standardised relative survival (%)", nordcanHeading{}},
		{"All sites but non-melanoma skin cancer (Both sexes) 10 yrs", nordcanHeading{entity: "990", sex: "total", end: "10"}},
		{"Tyktarmskræft, Kvinder, 5-års overlevelse", nordcanHeading{entity: "90", sex: "female", end: "5"}},
	} {
		t.Run(tc.label, func(t *testing.T) {
			got, err := b.readHeading(tc.label)
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// A publication date that does not parse is a warning in the run naming
// the field and the value, never silently the run's time.
func TestUnparsableDatesWarned(t *testing.T) {
	c := testkit.Catalogue(t)
	data, err := Snapshots.ReadFile("snapshots/eurostat-hlth_cd_asdr2.json")
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(data, []byte(`"updated": "2026-06-08T23:00:00+0200"`), []byte(`"updated": "2024-01-12T05: 52: 00Z"`), 1)
	obs, notes, err := parse(c, source(t, c, "eurostat-asdr2"), "answer.json", bad, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(notes.Warnings, "; "); !strings.Contains(w, `the answer's "updated" "2024-01-12T05: 52: 00Z" is not a date`) {
		t.Errorf("warnings %q", w)
	}
	if !obs[0].PublishedAt.IsZero() {
		t.Errorf("published %v, want none (dated when recorded, as the warning says)", obs[0].PublishedAt)
	}
	if _, w := lastModified("Fri, 12 Jan 2024 05: 52: 00 GMT"); !strings.Contains(w, `Last-Modified "Fri, 12 Jan 2024 05: 52: 00 GMT" is not an HTTP date`) {
		t.Errorf("Last-Modified warning %q", w)
	}
	if tm, w := lastModified("Fri, 12 Jan 2024 05:52:00 GMT"); w != "" || tm.IsZero() {
		t.Errorf("a good Last-Modified: %v %q", tm, w)
	}
}
