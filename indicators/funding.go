package indicators

import "math"

// Sum adds the table's top-level lines in each column. Parts ("Heraf …")
// are already inside their line and are not added again.
func (t *FundingTable) Sum() []float64 {
	sums := make([]float64, len(t.Columns))
	for _, l := range t.Lines {
		for i := range sums {
			if i < len(l.Amounts) {
				sums[i] += l.Amounts[i]
			}
		}
	}
	for i := range sums {
		sums[i] = math.Round(sums[i]*1000) / 1000
	}
	return sums
}

// Column returns the index of a column heading ("2025", "varigt"), or -1.
func (t *FundingTable) Column(label string) int {
	for i, c := range t.Columns {
		if c == label {
			return i
		}
	}
	return -1
}

// FundingRow is one amount of one line in one column, flattened for the API
// and the database.
type FundingRow struct {
	Table       string  `json:"table"`
	Line        string  `json:"line"`
	Parent      string  `json:"parent,omitempty"`
	NameDA      string  `json:"name_da"`
	NameEN      string  `json:"name_en"`
	Recipient   string  `json:"recipient"`
	Initiatives []int   `json:"initiatives"`
	Column      string  `json:"column"`
	Amount      float64 `json:"amount"`
}

// Rows flattens the table; top-level lines have recipient "i alt" (the line
// as a whole), parts their own recipient. A part inherits its line's
// initiatives.
func (t *FundingTable) Rows() []FundingRow {
	var out []FundingRow
	var walk func(l FundingLine, parent string, inits []int)
	walk = func(l FundingLine, parent string, inits []int) {
		if len(l.Initiatives) > 0 {
			inits = l.Initiatives
		}
		rec := l.Recipient
		if parent == "" && rec == "" {
			rec = "i alt"
		}
		for i, col := range t.Columns {
			if i < len(l.Amounts) {
				out = append(out, FundingRow{t.ID, l.ID, parent, l.NameDA, l.NameEN, rec, inits, col, l.Amounts[i]})
			}
		}
		for _, p := range l.Parts {
			walk(p, l.ID, inits)
		}
	}
	for _, l := range t.Lines {
		walk(l, "", nil)
	}
	return out
}
