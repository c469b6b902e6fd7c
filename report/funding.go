package report

import (
	"math"
	"slices"
	"strconv"

	"github.com/kraeftplan/kpv/indicators"
)

// fundingColumn is the column of a funding table that holds year: the
// year itself, or "varigt" (the permanent level) for years after the
// table's last year; "" when the table does not cover the year.
func fundingColumn(t *indicators.FundingTable, year int) string {
	label := strconv.Itoa(year)
	if t.Column(label) >= 0 {
		return label
	}
	if t.Column("varigt") < 0 {
		return ""
	}
	last := 0
	for _, c := range t.Columns {
		if y, err := strconv.Atoi(c); err == nil && y > last {
			last = y
		}
	}
	if last > 0 && year > last {
		return "varigt"
	}
	return ""
}

// initiatives lists the initiatives serving a goal with the funding lines
// (as a whole, recipient "i alt") that pay for each in year, and the
// goal's total per table.
func initiatives(cat *indicators.Catalogue, goal, year int) ([]Initiative, []FundingTotal) {
	out := []Initiative{}
	totals := []FundingTotal{}
	counted := map[string]bool{}
	byTable := map[string]int{} // table → index in totals
	for _, in := range cat.InitiativesOfGoal(goal) {
		x := Initiative{Number: in.Number, NameDA: in.NameDA, NameEN: in.NameEN, Funding: []FundingLine{}}
		for ti := range cat.FundingTables {
			t := &cat.FundingTables[ti]
			col := fundingColumn(t, year)
			if col == "" {
				continue
			}
			for _, row := range t.Rows() {
				if row.Column != col || row.Recipient != "i alt" || !slices.Contains(row.Initiatives, in.Number) {
					continue
				}
				x.Funding = append(x.Funding, FundingLine{Table: t.ID, TableDA: t.TitleDA, TableEN: t.TitleEN, Line: row.Line, NameDA: row.NameDA, NameEN: row.NameEN,
					Column: col, Amount: row.Amount, Unit: t.Unit, Initiatives: row.Initiatives})
				key := t.ID + "|" + row.Line
				if counted[key] {
					continue
				}
				counted[key] = true
				i, ok := byTable[t.ID]
				if !ok {
					i = len(totals)
					byTable[t.ID] = i
					totals = append(totals, FundingTotal{Table: t.ID, TitleDA: t.TitleDA, TitleEN: t.TitleEN, Column: col, Unit: t.Unit})
				}
				totals[i].Lines++
				totals[i].Amount = math.Round((totals[i].Amount+row.Amount)*1000) / 1000
			}
		}
		out = append(out, x)
	}
	return out, totals
}
