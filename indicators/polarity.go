package indicators

// Polarity says which direction of an indicator's value is better.
type Polarity string

// The polarities an indicator may have.
const (
	HigherIsBetter Polarity = "higher_is_better"
	LowerIsBetter  Polarity = "lower_is_better"
)

// polarityWords are each polarity's words, Danish and English; a polarity
// missing here is rejected by the catalogue check.
var polarityWords = map[Polarity][2]string{
	HigherIsBetter: {"højere er bedre", "higher is better"},
	LowerIsBetter:  {"lavere er bedre", "lower is better"},
}

// Valid reports whether p is a known polarity.
func (p Polarity) Valid() bool { _, ok := polarityWords[p]; return ok }

// Words are "lavere er bedre" / "lower is better" and the like.
func (p Polarity) Words() (da, en string) { w := polarityWords[p]; return w[0], w[1] }

// BadAbove reports whether values above a level are the bad side of it:
// the direction thresholds are breached in and ranks are sorted by
// (ascending, best first).
func (p Polarity) BadAbove() bool { return p == LowerIsBetter }

// Better reports whether a is strictly better than b.
func (p Polarity) Better(a, b float64) bool {
	if p.BadAbove() {
		return a < b
	}
	return a > b
}

// Improvement is a change signed so that a positive value is better.
func (p Polarity) Improvement(change float64) float64 {
	if p.BadAbove() {
		return -change
	}
	return change
}

// BreachOp is the PromQL comparison by which a value breaches a threshold:
// at or beyond it in the bad direction.
func (p Polarity) BreachOp() string {
	if p.BadAbove() {
		return ">="
	}
	return "<="
}
