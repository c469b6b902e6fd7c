package followup

import (
	"strconv"

	"github.com/kraeftplan/kpv/indicators"
)

// RecipientOrg is the organisation that reports spending for a funding
// recipient: the regions' joint organisation, KL for the municipalities,
// the ministry for the state's own lines.
func RecipientOrg(recipient string) string {
	switch recipient {
	case "kommuner":
		return "kl"
	case "", "i alt", "staten":
		return "ism"
	}
	return recipient
}

// SpendingLine is a line spending is reported on: a part ("Heraf …") by
// its recipient, or a line without parts by the ministry.
type SpendingLine struct {
	ID          string
	NameDA      string
	NameEN      string
	Recipient   string // organisation
	Initiatives []int
	Allocated   float64
}

// SpendingLines lists the lines of the plan's table reported on for year
// (the amounts of its column for that year, or "varigt" after 2030).
func SpendingLines(cat *indicators.Catalogue, year int) ([]SpendingLine, string) {
	var t *indicators.FundingTable
	for i := range cat.FundingTables {
		if cat.FundingTables[i].ID == FundingTable {
			t = &cat.FundingTables[i]
		}
	}
	if t == nil {
		return nil, ""
	}
	col := t.Column(strconv.Itoa(year))
	label := strconv.Itoa(year)
	if col < 0 {
		col, label = t.Column("varigt"), "varigt"
	}
	if col < 0 {
		return nil, ""
	}
	var out []SpendingLine
	for _, l := range t.Lines {
		if len(l.Parts) == 0 {
			out = append(out, SpendingLine{l.ID, l.NameDA, l.NameEN, RecipientOrg(l.Recipient), l.Initiatives, l.Amounts[col]})
			continue
		}
		for _, p := range l.Parts {
			inits := p.Initiatives
			if len(inits) == 0 {
				inits = l.Initiatives
			}
			out = append(out, SpendingLine{p.ID, l.NameDA + " – " + p.NameDA, l.NameEN + " – " + p.NameEN, RecipientOrg(p.Recipient), inits, p.Amounts[col]})
		}
	}
	return out, label
}

// Reconciliation ties the money by recipient to the plan's own total for
// the year: a line split between recipients ("Heraf regioner …") can keep
// a remainder its parts do not name (palliation 117, of which
// municipalities 73 and regions 43: 1 left), and the plan prints its total
// rounded ("I alt 618"; the lines add up to 617.6). Every amount comes
// from the plan's table: the remainders are the line less its parts, and
// the plan does not say who receives them.
type Reconciliation struct {
	// Remainders are the split lines' remainders, one per line with one;
	// Unattributed is their sum.
	Remainders   []Remainder `json:"remainders"`
	Unattributed float64     `json:"unattributed"`
	// LinesTotal is the sum of the table's lines (the recipients' lines
	// plus the remainders); StatedTotal is the plan's printed "I alt", and
	// Rounding the difference (stated less lines).
	LinesTotal  float64 `json:"lines_total"`
	StatedTotal float64 `json:"stated_total"`
	Rounding    float64 `json:"rounding"`
	// NoteDA is the plan's own note on its rounding.
	NoteDA string `json:"rounding_note_da,omitempty"`
}

// Remainder is what a split line keeps beyond its parts.
type Remainder struct {
	Line   string  `json:"line"`
	NameDA string  `json:"name_da"`
	NameEN string  `json:"name_en"`
	Amount float64 `json:"amount"`
}

// Reconcile works out the plan table's remainders and rounding for year
// (its column, or "varigt" after 2030); the zero value without the table.
func Reconcile(cat *indicators.Catalogue, year int) Reconciliation {
	rc := Reconciliation{Remainders: []Remainder{}}
	var t *indicators.FundingTable
	for i := range cat.FundingTables {
		if cat.FundingTables[i].ID == FundingTable {
			t = &cat.FundingTables[i]
		}
	}
	if t == nil {
		return rc
	}
	col := t.Column(strconv.Itoa(year))
	if col < 0 {
		col = t.Column("varigt")
	}
	if col < 0 {
		return rc
	}
	for _, l := range t.Lines {
		if len(l.Parts) == 0 {
			continue
		}
		rest := l.Amounts[col]
		for _, p := range l.Parts {
			rest -= p.Amounts[col]
		}
		if rest = round3(rest); rest != 0 {
			rc.Remainders = append(rc.Remainders, Remainder{Line: l.ID, NameDA: l.NameDA, NameEN: l.NameEN, Amount: rest})
			rc.Unattributed = round3(rc.Unattributed + rest)
		}
	}
	rc.LinesTotal = t.Sum()[col]
	if col < len(t.StatedTotals) {
		rc.StatedTotal = t.StatedTotals[col]
		rc.Rounding = round3(rc.StatedTotal - rc.LinesTotal)
	}
	rc.NoteDA = t.RoundingNote
	return rc
}

// latest returns the latest revision per subject of kind for year, and
// the revision counts.
