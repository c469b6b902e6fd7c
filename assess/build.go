package assess

import (
	"maps"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

// Home is the geography whose progress the plan measures.
const Home = "DK"

// Input is what a snapshot is built from.
type Input struct {
	Catalogue *indicators.Catalogue
	// Observations are the current revision of every figure (any order).
	Observations []indicators.Observation
	// LastSuccess is when each source's last successful run finished.
	LastSuccess map[string]time.Time
	Now         time.Time
	// Figures is how many current figures there are in all, for Rebuild,
	// whose Observations are only the changed indicators'.
	Figures int
	// NoHistory is for a caller that draws no series from the snapshot
	// (the report, which keeps its own histories): Series.History is then
	// empty, and each indicator's figures are worked in memory reused
	// from one indicator to the next, not a million figures' worth of it
	// taken fresh and kept.
	NoHistory bool
}

// Snapshot is the assessment of every indicator at one moment.
type Snapshot struct {
	ComputedAt       time.Time     `json:"computed_at"`
	CatalogueVersion string        `json:"catalogue_version"`
	Goals            []GoalSummary `json:"goals"`
	Indicators       []*Indicator  `json:"indicators"`
	// Nordic is Denmark's rank per cancer entity and sex, latest period.
	Nordic  []NordicRank     `json:"nordic"`
	Sources []SourceActivity `json:"sources"`
	// Figures is how many current figures the snapshot was built from.
	Figures int `json:"figures"`

	byID map[string]*Indicator
}

// Indicator returns the assessment of one indicator.
func (s *Snapshot) Indicator(id string) (*Indicator, bool) {
	in, ok := s.byID[id]
	return in, ok
}

// Goal returns the summary of one goal.
func (s *Snapshot) Goal(id int) (GoalSummary, bool) {
	for _, g := range s.Goals {
		if g.Goal == id {
			return g, true
		}
	}
	return GoalSummary{}, false
}

// GoalSummary counts a goal's indicators by progress state.
type GoalSummary struct {
	Goal       int            `json:"goal"`
	Indicators int            `json:"indicators"`
	Status     map[Status]int `json:"status"`
	// Verdict is the goal's verdict by the catalogue's rule (verdict.go).
	Verdict *Verdict `json:"verdict,omitempty"`
}

// SourceActivity is when a source last ran successfully.
type SourceActivity struct {
	Source      string     `json:"source"`
	LastSuccess *time.Time `json:"last_success,omitempty"`
}

// Indicator is the assessment of one indicator.
type Indicator struct {
	ID    string `json:"indicator"`
	Goal  int    `json:"goal"`
	Owner string `json:"owner"`
	// Status is the headline: the weakest assessable progress among
	// Denmark's series (e.g. the worse of the two sexes), with its reason.
	Status    Status    `json:"status"`
	StatusDA  string    `json:"status_da"`
	StatusEN  string    `json:"status_en"`
	ReasonEN  string    `json:"reason_en"`
	ReasonDA  string    `json:"reason_da"`
	Freshness Freshness `json:"freshness"`
	Series    []*Series `json:"series"`
	// Inequality is the gap between the best and the worst region, per
	// breakdown, where the indicator has regional figures (inequality.go).
	Inequality []Inequality `json:"inequality,omitempty"`
	// Answers are the headline answers: for each, the weakest of Denmark's
	// series (answers.go); nil without figures.
	Answers *Answers `json:"answers,omitempty"`
}

// Note is a reason in Danish and English.
type Note struct {
	ReasonDA string `json:"reason_da"`
	ReasonEN string `json:"reason_en"`
}

// Figure is a series' figure for one period.
type Figure struct {
	Point
	CI          *Interval `json:"ci,omitempty"`
	Numerator   *float64  `json:"numerator,omitempty"`
	Denominator *float64  `json:"denominator,omitempty"`
	Revision    int       `json:"revision,omitempty"`
	RunID       int64     `json:"run_id,omitempty"`
	// PublishedAt and Release are the figure's publication (its date and
	// the publisher's release label), for the pages' citation of it.
	PublishedAt time.Time `json:"-"`
	Release     string    `json:"-"`
}

// Baseline is a series' starting point and where it comes from.
type Baseline struct {
	Point
	// Origin is "catalogue" (a published figure cited there) or "figure"
	// (the series' figure for the catalogue's baseline period, else its
	// latest period ending before the plan was published, else its first).
	Origin string `json:"origin"`
}

// Series is one geography and breakdown of an indicator.
type Series struct {
	Geography string               `json:"geography"`
	Breakdown indicators.Breakdown `json:"breakdown"`
	// Periods is how many periods have a figure (suppressed ones excluded).
	Periods int `json:"periods"`
	// Suppressed is true when the latest period's figure was withheld by
	// the publisher; Latest is then the latest figure that was not.
	Suppressed bool      `json:"latest_suppressed,omitempty"`
	Latest     *Figure   `json:"latest,omitempty"`
	Previous   *Figure   `json:"previous,omitempty"`
	Baseline   *Baseline `json:"baseline,omitempty"`
	// Progress is assessed for Denmark and its regions, not for the other
	// countries, which are comparators.
	Progress   *Progress           `json:"progress,omitempty"`
	Comparison *RegionalComparison `json:"comparison,omitempty"`
	// Ranking is the comparison behind a derived rank or gap's latest value.
	Ranking *Ranking `json:"ranking,omitempty"`
	// PointStatus is the progress status by the point estimates alone,
	// where the change's significance overruled it (defend.go).
	PointStatus Status      `json:"point_status,omitempty"`
	Changes     *Changes    `json:"changes,omitempty"`
	Trend       *Trend      `json:"trend,omitempty"`
	Projection  *Projection `json:"projection,omitempty"`
	Windows     []Window    `json:"windows,omitempty"`
	// Answers are the series' standing, direction and progress since the
	// baseline (answers.go); Apart its figures of another kind of period;
	// Break the series break its latest figure is measured after;
	// ProjectionNone why there is no projection.
	Answers        *Answers                `json:"answers,omitempty"`
	Apart          *Apart                  `json:"apart,omitempty"`
	Break          *indicators.SeriesBreak `json:"break,omitempty"`
	ProjectionNone *Note                   `json:"projection_none,omitempty"`

	history []Figure // every period with a figure, oldest first
}

// RegionalComparison is a region against Denmark in the same period.
type RegionalComparison struct {
	State    Comparison `json:"state"`
	Period   string     `json:"period,omitempty"`
	Region   *Interval  `json:"region,omitempty"`
	National *Interval  `json:"national,omitempty"`
	// NationalFrom is "DK" (the published national figure) or "regions"
	// (pooled from the five regions' counts where no national figure is given).
	NationalFrom string `json:"national_from,omitempty"`
	ReasonEN     string `json:"reason_en"`
	ReasonDA     string `json:"reason_da"`
}

// Build assesses every indicator of the catalogue from the figures given.
func Build(in Input) *Snapshot {
	b := NewBuilder(in)
	return b.Snapshot()
}

// Builder builds a snapshot from figures given indicator by indicator
// (Add), so that a caller reading them from the store need hold only one
// indicator's raw figures at a time: each is assessed when added and its
// figures dropped, except those of the indicators a derived one (a Nordic
// rank or gap) is computed from, which are kept until Snapshot.
type Builder struct {
	in        Input
	prev      *Snapshot
	changed   map[string]bool
	planStart time.Time
	figures   int
	assessed  map[string]*Indicator
	// from holds the figures of every indicator a derived one is computed
	// from, as added (fromSet names them).
	from    map[string][]indicators.Observation
	fromSet map[string]bool
	// spare are the workers' scratch memory between Adds (NoHistory).
	mu    sync.Mutex
	spare []*scratch
}

// scratch is the memory an indicator's figures are worked in, reused from
// one indicator to the next (Input.NoHistory).
type scratch struct {
	series []int32
	figs   []Figure
	cis    []Interval
}

func (b *Builder) takeScratch() *scratch {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := len(b.spare); n > 0 {
		sc := b.spare[n-1]
		b.spare = b.spare[:n-1]
		return sc
	}
	return &scratch{}
}

func (b *Builder) keepScratch(sc *scratch) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.spare = append(b.spare, sc)
}

// grown returns s with room for n, as the same memory where it has it.
func grown[T any](s []T, n int) []T { return slices.Grow(s[:0], n)[:n] }

// NewBuilder starts a snapshot from in; in.Observations, if any, are added
// at once.
func NewBuilder(in Input) *Builder { return newBuilder(in, nil, nil) }

// newBuilder is NewBuilder; with prev, an indicator that is not in changed
// (nor derived from one that is) keeps prev's assessment (incremental.go).
func newBuilder(in Input, prev *Snapshot, changed map[string]bool) *Builder {
	b := &Builder{in: in, prev: prev, changed: changed, planStart: planPublished(in.Catalogue),
		assessed: map[string]*Indicator{}, from: map[string][]indicators.Observation{}, fromSet: map[string]bool{}}
	for i := range in.Catalogue.Indicators {
		if d := in.Catalogue.Indicators[i].Derived; d != nil {
			b.fromSet[d.From] = true
		}
	}
	b.Add(in.Observations)
	b.in.Observations = nil
	return b
}

// Add assesses the indicators whose figures obs holds. Every current figure
// of an indicator must come in the same call; figures of several
// indicators may. A derived indicator's own figures are ignored (it is
// computed from another's). Add keeps no reference to obs (it copies the
// figures a derived indicator is computed from), so the caller may reuse
// it.
func (b *Builder) Add(obs []indicators.Observation) {
	b.figures += len(obs)
	if len(obs) == 0 {
		return
	}
	// The store gives the figures ordered by indicator: each indicator's
	// are then a run of obs, taken without copying a million figures.
	var ids []string
	var groups [][]indicators.Observation
	seen := map[string]bool{}
	for run := range indicators.Runs(obs) {
		id := run[0].Indicator
		if seen[id] { // not ordered: group through a map
			ids, groups = nil, nil
			break
		}
		seen[id] = true
		ids, groups = append(ids, id), append(groups, run)
	}
	if ids == nil {
		byIndicator := map[string][]indicators.Observation{}
		for _, o := range obs {
			if _, ok := byIndicator[o.Indicator]; !ok {
				ids = append(ids, o.Indicator)
			}
			byIndicator[o.Indicator] = append(byIndicator[o.Indicator], o)
		}
		for _, id := range ids {
			groups = append(groups, byIndicator[id])
		}
	}
	// Each indicator's assessment reads only its own figures: they are
	// assessed side by side, one worker per CPU.
	out := make([]*Indicator, len(ids))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ids)) {
		wg.Go(func() {
			var sc *scratch
			if b.in.NoHistory {
				sc = b.takeScratch()
				defer b.keepScratch(sc)
			}
			for i := range work {
				out[i] = b.assess(ids[i], groups[i], sc)
			}
		})
	}
	for i := range ids {
		if b.fromSet[ids[i]] {
			b.from[ids[i]] = slices.Clone(groups[i])
		}
		work <- i
	}
	close(work)
	wg.Wait()
	for i, id := range ids {
		if out[i] != nil {
			b.assessed[id] = out[i]
		}
	}
}

// assess assesses indicator id from its figures; nil for an indicator
// unknown, derived (computed from another's) or kept from prev.
func (b *Builder) assess(id string, obs []indicators.Observation, sc *scratch) *Indicator {
	cat := b.in.Catalogue
	def, ok := cat.Indicator(id)
	if !ok || def.Derived != nil {
		return nil
	}
	if b.prev != nil && !b.changed[id] {
		if _, ok := b.prev.byID[id]; ok {
			return nil // reused in Snapshot
		}
	}
	return assessIndicator(cat, def, withinRelease(obs), nil, b.planStart, b.in.Now, sc)
}

// Snapshot finishes the snapshot: the derived indicators, the indicators
// given no figures, the Nordic ranks, goals and sources. Call it once.
func (b *Builder) Snapshot() *Snapshot {
	in, prev, cat := b.in, b.prev, b.in.Catalogue
	s := &Snapshot{ComputedAt: in.Now, CatalogueVersion: cat.Version, Figures: b.figures, byID: map[string]*Indicator{}}
	if prev != nil {
		s.Figures = in.Figures
	}
	rankings := map[string]map[string]*groupRanking{} // from indicator → period|breakdown → ranking
	reuseNordic := prev != nil
	for i := range cat.Indicators {
		def := &cat.Indicators[i]
		if prev != nil {
			if a := reuse(cat, def, prev, b.changed, in.Now); a != nil {
				s.Indicators = append(s.Indicators, a)
				s.byID[def.ID] = a
				continue
			}
			if def.Derived != nil {
				reuseNordic = false
			}
		}
		a := b.assessed[def.ID]
		switch d := def.Derived; {
		case d != nil:
			from, _ := cat.Indicator(d.From)
			if rankings[d.From] == nil {
				rankings[d.From] = rankGroups(b.from[d.From], d.Countries, from.Polarity)
			}
			obs, ranks := derive(def, rankings[d.From])
			a = assessIndicator(cat, def, obs, ranks, b.planStart, in.Now, nil)
			if in.NoHistory {
				for _, sr := range a.Series {
					sr.detach()
				}
			}
		case a == nil:
			a = assessIndicator(cat, def, nil, nil, b.planStart, in.Now, nil)
		}
		s.Indicators = append(s.Indicators, a)
		s.byID[def.ID] = a
	}
	if reuseNordic {
		s.Nordic = prev.Nordic
	} else {
		// Every ranking, also of the derived indicators prev's assessment
		// was kept for (Rebuild is given all their figures then).
		for i := range cat.Indicators {
			if d := cat.Indicators[i].Derived; d != nil && rankings[d.From] == nil {
				from, _ := cat.Indicator(d.From)
				rankings[d.From] = rankGroups(b.from[d.From], d.Countries, from.Polarity)
			}
		}
		s.Nordic = nordicRanks(rankings)
	}
	for _, g := range cat.Goals {
		sum := GoalSummary{Goal: g.ID, Status: map[Status]int{}}
		for _, st := range Statuses {
			sum.Status[st] = 0
		}
		for _, a := range s.Indicators {
			if a.Goal == g.ID {
				sum.Indicators++
				sum.Status[a.Status]++
			}
		}
		sum.Verdict = GoalVerdict(cat, g.ID, s.Indicators)
		s.Goals = append(s.Goals, sum)
	}
	for _, src := range cat.Sources {
		act := SourceActivity{Source: src.ID}
		if t, ok := in.LastSuccess[src.ID]; ok {
			act.LastSuccess = &t
		}
		s.Sources = append(s.Sources, act)
	}
	return s
}

func planPublished(cat *indicators.Catalogue) time.Time {
	t, err := time.Parse("2006-01", cat.Plan.Published)
	if err != nil {
		return time.Time{}
	}
	return t
}

func figureOf(o *indicators.Observation) Figure {
	f := Figure{Point: Point{Period: o.Period, End: o.PeriodEnd}, Numerator: o.Numerator, Denominator: o.Denominator,
		Revision: o.Revision, RunID: o.RunID, PublishedAt: o.PublishedAt, Release: o.Release}
	if o.Value != nil {
		f.Value = *o.Value
	}
	if o.CILower != nil && o.CIUpper != nil {
		f.CI = &Interval{Lower: *o.CILower, Upper: *o.CIUpper, Method: Published}
	}
	return f
}

// assessIndicator groups an indicator's figures into series and assesses
// each, then the indicator as a whole.
func assessIndicator(cat *indicators.Catalogue, def *indicators.Indicator, obs []indicators.Observation,
	ranks map[string]*Ranking, planStart, now time.Time, sc *scratch) *Indicator {
	a := &Indicator{ID: def.ID, Goal: def.Goal, Owner: def.Owner, Series: []*Series{}}
	src, _ := cat.Source(def.Source)
	bySeries := map[string]*Series{}
	var keys []string
	var latest *Point
	suppressedLatest := map[string]time.Time{}
	var sk seriesKeys
	index := map[string]int32{}
	// Each figure's series is found once; each series' history is then a
	// part of one slice of the indicator's figures, sized by a count, not
	// grown figure by figure (a million of them in a full read).
	var of []int32 // figure i's series, in keys
	var figs []Figure
	if sc != nil {
		sc.series, sc.figs = grown(sc.series, len(obs)), grown(sc.figs, len(obs))
		of, figs = sc.series, sc.figs
	} else {
		of, figs = make([]int32, len(obs)), make([]Figure, len(obs))
	}
	var count []int
	// The store gives an indicator's figures period by period, its series
	// in the same order in each: the series after the last figure's is
	// tried first, by identity (seriesKeys), before any key is looked up.
	var ids []seriesIdentity // series j's, as first seen
	prev := int32(-1)
	// Whether the figures have periods of more than one kind (then each
	// series' are split, splitKinds): asked once per period label, the
	// figures of one period coming together.
	kinds := map[string]string{}
	kindOf := func(label string) string {
		k, ok := kinds[label]
		if !ok {
			k = periodKind(label)
			kinds[label] = k
		}
		return k
	}
	var lastLabel, firstKind string
	mixed := false
	for i := range obs {
		o := &obs[i]
		id := seriesIdentity{o.Geography, reflect.ValueOf(o.Breakdown).Pointer()}
		var si int32
		switch {
		case int(prev+1) < len(ids) && ids[prev+1] == id:
			si = prev + 1
		case len(ids) > 0 && ids[0] == id:
			si = 0
		default:
			key := sk.of(o)
			j, ok := index[key]
			if !ok {
				sr := &Series{Geography: o.Geography, Breakdown: o.Breakdown}
				if sr.Breakdown == nil {
					sr.Breakdown = indicators.Breakdown{}
				}
				bySeries[key] = sr
				keys = append(keys, key)
				j = int32(len(count))
				index[key] = j
				ids = append(ids, id)
				count = append(count, 0)
			}
			si = j
		}
		of[i], prev = si, si
		if i == 0 || o.Period != lastLabel {
			lastLabel = o.Period
			if k := kindOf(o.Period); i == 0 {
				firstKind = k
			} else if k != firstKind {
				mixed = true
			}
		}
		if latest == nil || o.PeriodEnd.After(latest.End) {
			latest = &Point{Period: o.Period, End: o.PeriodEnd}
		}
		if o.Suppressed {
			if key := keys[si]; o.PeriodEnd.After(suppressedLatest[key]) {
				suppressedLatest[key] = o.PeriodEnd
			}
			continue
		}
		count[si]++
	}
	series := make([]*Series, len(keys))
	for i, key := range keys {
		n := count[i]
		series[i] = bySeries[key]
		series[i].history, figs = figs[:0:n], figs[n:]
	}
	wilsons := 0 // figures of a share whose interval is computed from their counts
	for i := range obs {
		if o := &obs[i]; !o.Suppressed {
			sr := series[of[i]]
			sr.history = append(sr.history, figureOf(o))
			if (o.CILower == nil || o.CIUpper == nil) && o.Numerator != nil && o.Denominator != nil {
				wilsons++
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool { return seriesLess(bySeries[keys[i]], bySeries[keys[j]]) })

	var cis []Interval
	if sc != nil {
		sc.cis = slices.Grow(sc.cis[:0], wilsons)
		cis = sc.cis
	} else {
		cis = make([]Interval, 0, wilsons)
	}
	for _, key := range keys {
		sr := bySeries[key]
		if byEnd := func(x, y Figure) int { return x.End.Compare(y.End) }; !slices.IsSortedFunc(sr.history, byEnd) {
			slices.SortFunc(sr.history, byEnd) // (the store gives them by period, as a rule in order already)
		}
		for i := range sr.history {
			if f := &sr.history[i]; f.CI == nil && def.Unit.Share() && f.Numerator != nil && f.Denominator != nil {
				if lo, hi, ok := Wilson(*f.Numerator, *f.Denominator, Z95); ok {
					cis = append(cis, Interval{Lower: 100 * lo, Upper: 100 * hi, Method: WilsonCI})
					f.CI = &cis[len(cis)-1]
				}
			}
		}
		if mixed { // one kind of period (the usual case): nothing to split
			splitKinds(sr, kindOf)
		}
		sr.Periods = len(sr.history)
		if n := len(sr.history); n > 0 {
			sr.Latest = &sr.history[n-1]
			if n > 1 {
				sr.Previous = &sr.history[n-2]
			}
			sr.Suppressed = suppressedLatest[key].After(sr.Latest.End)
		}
		if sr.Geography == Home || isRegion(cat, sr.Geography) {
			sr.Baseline = baselineOf(def, sr, planStart)
			pin := ProgressInput{Polarity: def.Polarity, Target: def.Target}
			if sr.Baseline != nil {
				pin.Baseline = &sr.Baseline.Point
			}
			if sr.Latest != nil {
				pin.Latest = &sr.Latest.Point
				if r := ranks[key+"|"+sr.Latest.Period]; r != nil {
					sr.Ranking = r
					pin.AtTop = r.AtTop
				}
			}
			p := AssessProgress(pin)
			sr.Progress = &p
			settle(def, sr, src)
			defendSeries(def, sr)
			answerSeries(cat, def, sr, src)
		}
		a.Series = append(a.Series, sr)
	}
	if slices.Contains(def.Breakdowns, "region") {
		compareRegions(cat, def, a.Series)
		a.Inequality = regionalGaps(cat, def, a.Series)
	}
	headline(cat, a)
	headlineAnswers(cat, a)
	if src != nil {
		a.Freshness = AssessFreshness(latest, src.Release, now)
	}
	if sc != nil {
		for _, sr := range a.Series {
			sr.detach()
		}
	}
	return a
}

// detach copies what the assessment keeps of sr out of the memory its
// history was worked in (scratch) and read into (the store's, which a
// kept count would hold whole): its latest and previous figures, and the
// intervals and counts of those, of its figures kept apart and of its
// regional comparison; and drops the history.
func (sr *Series) detach() {
	interval := func(ci *Interval) *Interval {
		if ci == nil {
			return nil
		}
		c := *ci
		return &c
	}
	count := func(v *float64) *float64 {
		if v == nil {
			return nil
		}
		return ptr(*v)
	}
	own := func(f *Figure) {
		f.CI, f.Numerator, f.Denominator = interval(f.CI), count(f.Numerator), count(f.Denominator)
	}
	kept := make([]Figure, 0, 2)
	figure := func(f *Figure) *Figure {
		if f == nil {
			return nil
		}
		kept = append(kept, *f)
		c := &kept[len(kept)-1]
		own(c)
		return c
	}
	sr.Latest, sr.Previous = figure(sr.Latest), figure(sr.Previous)
	if sr.Apart != nil {
		for i := range sr.Apart.Figures {
			own(&sr.Apart.Figures[i])
		}
	}
	if c := sr.Comparison; c != nil {
		c.Region, c.National = interval(c.Region), interval(c.National)
	}
	sr.history = nil
}

// seriesLess orders Denmark first, then regions and countries by code,
// then breakdowns.
func seriesLess(a, b *Series) bool {
	if (a.Geography == Home) != (b.Geography == Home) {
		return a.Geography == Home
	}
	if a.Geography != b.Geography {
		return a.Geography < b.Geography
	}
	return a.Breakdown.Key() < b.Breakdown.Key()
}

func isRegion(cat *indicators.Catalogue, code string) bool {
	g, ok := cat.Geography(code)
	return ok && g.Kind == indicators.GeoRegion
}

// wilsonPercent is the Wilson interval in percent for numerator of
// denominator, or nil without both counts.
func wilsonPercent(num, den *float64) *Interval {
	if num == nil || den == nil {
		return nil
	}
	lo, hi, ok := Wilson(*num, *den, Z95)
	if !ok {
		return nil
	}
	return &Interval{Lower: 100 * lo, Upper: 100 * hi, Method: WilsonCI}
}

// baselineOf finds a series' baseline: the catalogue's published value for
// Denmark where it gives one, else the series' own figure for the
// catalogue's baseline period, else its latest figure for a period that
// ended before the plan was published, else its first figure.
func baselineOf(def *indicators.Indicator, sr *Series, planStart time.Time) *Baseline {
	b := def.Baseline
	if sr.Geography == Home && !b.ToBeSet {
		if p, err := indicators.ParsePeriod(b.Period); err == nil {
			if b.Value != nil && len(sr.Breakdown) == 0 {
				return &Baseline{Point{p.Label, p.End, *b.Value}, "catalogue"}
			}
			for _, v := range b.Values {
				if matches(sr.Breakdown, v.Breakdown) {
					return &Baseline{Point{p.Label, p.End, v.Value}, "catalogue"}
				}
			}
		}
	}
	if len(sr.history) == 0 {
		return nil
	}
	if b.Period != "" {
		if p, err := indicators.ParsePeriod(b.Period); err == nil {
			for _, f := range sr.history {
				if f.Period == p.Label {
					return &Baseline{f.Point, "figure"}
				}
			}
		}
	}
	pick := sr.history[0]
	for _, f := range sr.history {
		if f.End.Before(planStart) {
			pick = f
		}
	}
	return &Baseline{pick.Point, "figure"}
}

// matches reports whether b has every pair of want (and the same number).
func matches(b, want indicators.Breakdown) bool {
	if len(b) != len(want) {
		return false
	}
	for k, v := range want {
		if b[k] != v {
			return false
		}
	}
	return true
}

// headline sets the indicator's status from its Danish series: the weakest
// assessable one, so that a good figure for one sex does not hide a bad one
// for the other.
func headline(cat *indicators.Catalogue, a *Indicator) {
	var pick *Series
	for _, sr := range a.Series {
		if sr.Geography != Home || sr.Progress == nil {
			continue
		}
		if pick == nil || severity[sr.Progress.Status] < severity[pick.Progress.Status] ||
			sr.Progress.Status == pick.Progress.Status && severity[sr.pointStatus()] < severity[pick.pointStatus()] {
			pick = sr
		}
	}
	a.Status = NotAssessable
	a.ReasonEN, a.ReasonDA = "no figures for Denmark yet", "ingen tal for Danmark endnu"
	if pick != nil {
		a.Status = pick.Progress.Status
		a.ReasonEN, a.ReasonDA = pick.Progress.ReasonEN, pick.Progress.ReasonDA
		if len(pick.Breakdown) > 0 {
			a.ReasonEN = BreakdownLabel(cat, pick.Breakdown, false) + ": " + a.ReasonEN
			a.ReasonDA = BreakdownLabel(cat, pick.Breakdown, true) + ": " + a.ReasonDA
		}
	}
	a.StatusDA, a.StatusEN = StatusLabels[a.Status][0], StatusLabels[a.Status][1]
}

// compareRegions compares each region's latest figure with Denmark's for
// the same period and breakdown, by their 95% intervals.
func compareRegions(cat *indicators.Catalogue, def *indicators.Indicator, series []*Series) {
	national := map[string]*Series{}
	regions := map[string][]*Series{}
	for _, sr := range series {
		if sr.Geography == Home {
			national[sr.Breakdown.Key()] = sr
		} else if isRegion(cat, sr.Geography) {
			regions[sr.Breakdown.Key()] = append(regions[sr.Breakdown.Key()], sr)
		}
	}
	nRegions := 0
	for _, g := range cat.Geographies {
		if g.Kind == indicators.GeoRegion {
			nRegions++
		}
	}
	for bkey, regs := range regions {
		for _, sr := range regs {
			c := &RegionalComparison{State: NotComparable}
			sr.Comparison = c
			if sr.Latest == nil {
				c.ReasonEN, c.ReasonDA = "no figure", "intet tal"
				continue
			}
			c.Period = sr.Latest.Period
			c.Region = sr.Latest.CI
			nat, from := nationalInterval(national[bkey], regs, nRegions, sr.Latest.Period)
			c.National, c.NationalFrom = nat, from
			switch {
			case c.Region == nil:
				c.ReasonEN = "the region's figure has neither a published interval nor counts to compute one"
				c.ReasonDA = "regionens tal har hverken et offentliggjort interval eller antal at beregne et ud fra"
			case nat == nil:
				c.ReasonEN = sprintfEN("no national figure with an interval for %s", sr.Latest.Period)
				c.ReasonDA = sprintfEN("intet landstal med interval for %s", sr.Latest.Period)
			default:
				c.State = Compare(*c.Region, *nat, def.Polarity)
				c.ReasonEN = sprintfEN("%s: region %.1f–%.1f, Denmark %.1f–%.1f (95%% intervals, %s)",
					ComparisonLabels[c.State][1], c.Region.Lower, c.Region.Upper, nat.Lower, nat.Upper, overlapWord(c.State, false))
				c.ReasonDA = sprintfDA("%s: region %.1f–%.1f, landet %.1f–%.1f (95 %%-intervaller, %s)",
					ComparisonLabels[c.State][0], c.Region.Lower, c.Region.Upper, nat.Lower, nat.Upper, overlapWord(c.State, true))
			}
		}
	}
}

func overlapWord(c Comparison, da bool) string {
	switch {
	case c == Similar && da:
		return "overlapper"
	case c == Similar:
		return "overlapping"
	case da:
		return "overlapper ikke"
	}
	return "not overlapping"
}

// nationalInterval is Denmark's interval for period: the national figure's
// (published or Wilson), else the Wilson interval of the regions' pooled
// counts when every region has them.
func nationalInterval(nat *Series, regs []*Series, nRegions int, period string) (*Interval, string) {
	if nat != nil {
		for _, f := range nat.history {
			if f.Period == period && f.CI != nil {
				return f.CI, Home
			}
		}
	}
	var num, den float64
	n := 0
	for _, sr := range regs {
		for _, f := range sr.history {
			if f.Period == period && f.Numerator != nil && f.Denominator != nil {
				num += *f.Numerator
				den += *f.Denominator
				n++
			}
		}
	}
	if n == nRegions && n > 0 {
		return wilsonPercent(&num, &den), "regions"
	}
	return nil, ""
}

// BreakdownLabel names a breakdown for people, in Danish or English, e.g.
// "Kvinder, Lungekræft" for {sex: female, cancer_site: 160}.
func BreakdownLabel(cat *indicators.Catalogue, b indicators.Breakdown, da bool) string {
	keys := slices.Sorted(maps.Keys(b))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		name := b[k]
		if d, ok := cat.Dimension(k); ok {
			for _, v := range d.Values {
				if v.Code == b[k] {
					name = map[bool]string{true: v.NameDA, false: v.NameEN}[da]
				}
			}
			if d.FromCancerEntities {
				if e, ok := cat.CancerEntity(b[k]); ok {
					name = map[bool]string{true: e.NameDA, false: e.NameEN}[da]
				}
			}
		}
		parts = append(parts, name)
	}
	return strings.Join(parts, ", ")
}

// withinRelease keeps, of each series (geography and breakdown) whose
// figures carry several publisher's releases, those of the newest release
// (the one with the latest publication): a release recomputes the earlier
// periods, so a change is never measured across two.
func withinRelease(obs []indicators.Observation) []indicators.Observation {
	one := true // by index: slices.ContainsFunc would copy every figure
	for i := range obs {
		if obs[i].Release != obs[0].Release {
			one = false
			break
		}
	}
	if one {
		return obs // one release (the usual case): nothing to choose
	}
	newest := map[string]indicators.Observation{}
	mixed := false
	var keys seriesKeys
	for _, o := range obs {
		k := keys.of(&o)
		n, ok := newest[k]
		if ok && n.Release != o.Release {
			mixed = true
		}
		if !ok || o.PublishedAt.After(n.PublishedAt) {
			newest[k] = o
		}
	}
	if !mixed {
		return obs
	}
	out := make([]indicators.Observation, 0, len(obs))
	for _, o := range obs {
		if o.Release == newest[keys.of(&o)].Release {
			out = append(out, o)
		}
	}
	return out
}

// seriesKeys gives figures' series keys (geography|breakdown key), built
// once per series instead of once per figure (a key sorts and joins the
// breakdown): the store gives all figures of a series the same Breakdown
// map, so a key is found again by geography and the map's identity. The
// figures hold their maps while a seriesKeys is used, so an identity is
// never reused for another map meanwhile; a caller's own maps (equal
// content, other identity) only cost a key built again.
type seriesKeys map[seriesIdentity]string

type seriesIdentity struct {
	geo       string
	breakdown uintptr
}

func (k *seriesKeys) of(o *indicators.Observation) string {
	if *k == nil {
		*k = seriesKeys{}
	}
	id := seriesIdentity{o.Geography, reflect.ValueOf(o.Breakdown).Pointer()}
	key, ok := (*k)[id]
	if !ok {
		key = o.Geography + "|" + o.Breakdown.Key()
		(*k)[id] = key
	}
	return key
}
