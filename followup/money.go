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

// latest returns the latest revision per subject of kind for year, and
// the revision counts.
