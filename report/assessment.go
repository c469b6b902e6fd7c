package report

import (
	"maps"
	"strconv"
	"time"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
	"github.com/kraeftplan/kpv/view"
)

// Verdict is a goal's verdict by the catalogue's stated rule.
type Verdict struct {
	Goal    int    `json:"goal"`
	ShortDA string `json:"short_da"`
	ShortEN string `json:"short_en"`
	assess.Verdict
}

// Changes are the indicators whose headline status differs from the
// previous year's report, worsened first.
type Changes struct {
	// PreviousYear is the report compared with (0 for the plan's first
	// report); PreviousCutOff the moment its figures were read as of.
	PreviousYear   int                   `json:"previous_year,omitempty"`
	PreviousCutOff *time.Time            `json:"previous_cut_off,omitempty"`
	NoteDA         string                `json:"note_da"`
	NoteEN         string                `json:"note_en"`
	Indicators     []assess.StatusChange `json:"indicators"`
}

// Method is a statistical method the report uses, with its source.
type Method struct {
	ID       string `json:"id"`
	NameDA   string `json:"name_da"`
	NameEN   string `json:"name_en"`
	UsedDA   string `json:"used_da"`
	UsedEN   string `json:"used_en"`
	Citation string `json:"citation"`
}

// Methods are cited in the report's appendix.
var Methods = []Method{
	{"wilson", "Wilson-scoreinterval for en andel", "Wilson score interval for a proportion",
		"95 %-interval for et tal med tæller og nævner", "95 % interval of a figure with numerator and denominator",
		"Wilson EB (1927), J Am Stat Assoc 22:209–212; Newcombe RG (1998), Stat Med 17:857–872, method 3"},
	{"newcombe", "Newcombes hybride scoreinterval for forskellen mellem to andele", "Newcombe's hybrid score interval for a difference of proportions",
		"ændringens 95 %-interval ud fra tællere og nævnere", "95 % interval of a change from numerators and denominators",
		"Newcombe RG (1998), 'Interval estimation for the difference between independent proportions: comparison of eleven methods', Stat Med 17:873–890, method 10"},
	{"mover", "MOVER: forskellen mellem to estimater ud fra deres offentliggjorte intervaller", "MOVER: the difference of two estimates from their published intervals",
		"ændringens 95 %-interval for tal med offentliggjorte intervaller (fx overlevelse); ved symmetriske intervaller kvadratroden af summen af de kvadrerede halve bredder", "95 % interval of a change for figures with published intervals (e.g. survival); for symmetric intervals the square root of the sum of the squared half-widths",
		"Zou GY, Donner A (2008), Stat Med 27:1693–1702; Altman DG, Bland JM (2003), 'Interaction revisited: the difference between two estimates', BMJ 326:219"},
	{"significance", "Signifikans", "Significance",
		"en retning (forbedring, forværring) angives kun, når ændringens 95 %-interval ikke omfatter nul; uden antal eller intervaller: 'ingen antal: signifikans ukendt'", "a direction (improvement, deterioration) is claimed only when the 95 % interval of the change excludes zero; without counts or intervals: 'no counts: significance unknown'",
		"OHID Fingertips technical guidance (comparison by 95 % intervals); kpv assess/defend.go"},
	{"apc", "Årlig procentvis ændring (APC)", "Annual percent change (APC)",
		"trend over tre eller flere perioder: hældningen b af ln(værdi) på år, APC = 100(e^b − 1), vægtet med de offentliggjorte intervaller, ellers mindste kvadraters metode med t-fordeling (n − 2 frihedsgrader)", "trend over three or more periods: slope b of ln(value) on years, APC = 100(e^b − 1), weighted by the published intervals, else least squares with Student's t (n − 2 df)",
		"National Cancer Institute, SEER*Stat and Joinpoint: 'Annual Percent Change (APC) and Confidence Interval' (seer.cancer.gov/seerstat/WebHelp/Trend_Algorithms.htm)"},
	{"progress", "Fremskridt mod målet og to tidsvinduer", "Progress towards the target, two windows",
		"opnået mod nødvendig årlig vækst; på rette spor ved mindst 95 % af tempoet, acceleration ved 60–95 %; siden udgangspunktet og de seneste fem år", "growth achieved against growth needed; on track at 95 % of the pace or more, needs acceleration at 60–95 %; since the baseline and over the last five years",
		"Eurostat, 'Sustainable development in the European Union — Monitoring report on progress towards the SDGs in an EU context', methodological annex (long-term and short-term assessment)"},
	{"projection", "Fremskrivning og målsti", "Projection and pathway",
		"værdien i målåret og året målet nås i det nuværende tempo (trendens APC, ellers udviklingen siden udgangspunktet); målstien er den rette linje fra udgangspunkt til mål", "the value in the target year and the year the target is reached at the current pace (the trend's APC, else the change since the baseline); the pathway is the straight line from baseline to target",
		"after Cancer Research UK's projections of cancer ambitions; kpv assess/projection.go"},
}

// previousFrom is the set a previous report rests on; nil for the plan's
// first year.
func previousYear(cat *indicators.Catalogue, year int) (int, bool) {
	return year - 1, year-1 >= FirstYear(cat)
}

// previousGather gathers, a batch of this year's figures at a time, what
// the previous year's report rests on: the previous set (a difference
// from this year's, store.AsOfSet.Differs, known once the read ends), as
// the previous year's end sees it. An indicator whose figures are the
// very same in both (most, as a rule: a year's revisions and new figures
// touch few) keeps its assessment from this year's (assess.Rebuild), so
// only the others are assessed again: those the previous set differs in,
// and those with a figure of a period ending after the previous year's
// end (which that report does not count). Of this year's figures only
// the latter's are kept (all of them in an incremental build, which
// assesses again every indicator it reads).
type previousGather struct {
	end time.Time // the previous year's
	all bool
	// seen are the indicators in the order they came; thisYear those with
	// a figure ending after end; counted this year's report's figures of
	// each; kept this year's figures of the indicators kept.
	seen     []string
	thisYear map[string]bool
	counted  map[string]int
	figures  int
	kept     map[string][]indicators.Observation
}

// add gathers a batch of this year's figures, and obs, those of them this
// year's report counts.
func (g *previousGather) add(batch, obs []indicators.Observation) {
	if g.thisYear == nil {
		g.thisYear, g.counted, g.kept = map[string]bool{}, map[string]int{}, map[string][]indicators.Observation{}
	}
	g.figures += len(obs)
	for run := range indicators.Runs(obs) {
		ind := run[0].Indicator
		g.counted[ind] += len(run)
		for i := range run { // by index: slices.ContainsFunc would copy every figure
			if run[i].PeriodEnd.After(g.end) {
				g.thisYear[ind] = true
				break
			}
		}
	}
	for run := range indicators.Runs(batch) {
		ind := run[0].Indicator
		g.seen = append(g.seen, ind)
		if g.all || g.thisYear[ind] {
			g.kept[ind] = append(g.kept[ind], run...) // a copy: the batch is reused
		}
	}
}

// input is what the previous year's assessment is made from, prev being
// the previous set; changed are the indicators to assess again (nil: all,
// for a whole set, not a difference).
func (g *previousGather) input(cat *indicators.Catalogue, prev *store.AsOfSet) (in assess.Input, changed map[string]bool) {
	in = assess.Input{Catalogue: cat, LastSuccess: prev.LastSuccess, Now: prev.CutOff, NoHistory: true}
	if prev.Differs == nil {
		in.Observations = endingBy(prev.Observations, g.end)
		in.Figures = len(in.Observations)
		return in, nil
	}
	own := map[string][]indicators.Observation{}
	for run := range indicators.Runs(prev.Observations) {
		own[run[0].Indicator] = append(own[run[0].Indicator], run...)
	}
	changed = maps.Clone(prev.Differs)
	maps.Copy(changed, g.thisYear)
	in.Figures = g.figures
	done := map[string]bool{}
	for _, ind := range g.seen {
		if done[ind] || !(g.all || changed[ind]) {
			continue
		}
		done[ind] = true
		in.Figures -= g.counted[ind]
		if prev.Differs[ind] {
			in.Observations = append(in.Observations, own[ind]...)
		} else {
			in.Observations = append(in.Observations, g.kept[ind]...)
		}
	}
	in.Observations = endingBy(in.Observations, g.end)
	in.Figures += len(in.Observations)
	return in, changed
}

// snapshot assesses the previous year's report's figures; snap is this
// year's assessment, whose indicators not changed are kept.
func (g *previousGather) snapshot(cat *indicators.Catalogue, prev *store.AsOfSet, snap *assess.Snapshot) *assess.Snapshot {
	in, changed := g.input(cat, prev)
	if changed == nil {
		return assess.Build(in)
	}
	return assess.Rebuild(snap, in, changed)
}

// verdictsAndChanges fills the report's opening: each goal's verdict and
// the status changes since the previous year's report (before, assessed
// from prev).
func (r *Report) verdictsAndChanges(cat *indicators.Catalogue, snap, before *assess.Snapshot, prev *store.AsOfSet) {
	for _, g := range cat.Goals {
		sum, _ := snap.Goal(g.ID)
		if sum.Verdict != nil {
			r.Verdicts = append(r.Verdicts, Verdict{Goal: g.ID, ShortDA: g.ShortDA, ShortEN: g.ShortEN, Verdict: *sum.Verdict})
		}
	}
	r.Changes = Changes{Indicators: []assess.StatusChange{}}
	py, ok := previousYear(cat, r.Year)
	if !ok {
		r.Changes.NoteDA = "Planens første opfølgning: der er ingen tidligere rapport at sammenligne med."
		r.Changes.NoteEN = "The plan's first follow-up: there is no previous report to compare with."
		return
	}
	r.Changes.PreviousYear = py
	r.Changes.NoteDA = "Indikatorer, hvis status er ændret siden rapporten for det foregående år (tal registreret ved dens skæringsdato, perioder afsluttet det år)."
	r.Changes.NoteEN = "Indicators whose status changed since the previous year's report (figures recorded by its cut-off, periods ended that year)."
	if prev != nil {
		t := prev.CutOff.UTC()
		r.Changes.PreviousCutOff = &t
	}
	r.Changes.Indicators = assess.StatusChanges(before, snap)
}

// defenceColumns are a row's CSV columns for significance, trend,
// projection and the two windows; empty where there is nothing.
func defenceColumns(row view.Row) []string {
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	out := make([]string, 14)
	out[0] = string(row.PointStatus)
	if c := row.Changes; c != nil && c.SinceBaseline != nil {
		out[1] = string(c.SinceBaseline.Significance)
		if ci := c.SinceBaseline.CI; ci != nil {
			out[2], out[3] = num(&ci.Lower), num(&ci.Upper)
		}
	}
	if t := row.Trend; t != nil {
		out[7] = string(t.Significance)
		if t.CI != nil {
			out[4], out[5], out[6] = num(&t.APC), num(&t.CI.Lower), num(&t.CI.Upper)
		}
	}
	if p := row.Projection; p != nil {
		out[8] = num(&p.ProjectedValue)
		if p.ReachedYear != nil {
			out[9] = strconv.Itoa(*p.ReachedYear)
		} else if p.NotAtThisPace {
			out[9] = "not_at_this_pace"
		}
		out[10], out[11] = num(p.PathwayValue), num(p.Distance)
	}
	for _, w := range row.Windows {
		switch w.Window {
		case assess.WindowSinceBaseline:
			out[12] = string(w.Status)
		case assess.WindowLastFive:
			out[13] = string(w.Status)
		}
	}
	return out
}
