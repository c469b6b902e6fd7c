package api

import (
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/kraeftplan/kpv/indicators"
)

// fundingTableView is one funding table filtered to the request.
type fundingTableView struct {
	ID      string              `json:"id"`
	TitleDA string              `json:"title_da"`
	TitleEN string              `json:"title_en"`
	Unit    string              `json:"unit"`
	Source  indicators.Citation `json:"source"`
	// Sums add the returned rows per column; StatedTotals are what the
	// document prints (only for the lines as a whole, recipient "i alt").
	Sums         map[string]float64      `json:"sums"`
	StatedTotals map[string]float64      `json:"stated_totals,omitempty"`
	RoundingNote string                  `json:"rounding_note,omitempty"`
	Rows         []indicators.FundingRow `json:"rows"`
}

// funding serves the funding tables. Filters: year (a column: 2025…2030 or
// "varigt"), recipient ("i alt" — the default: each line as a whole, so the
// rows add up to the table's total — or "regioner", "kommuner", … for the
// "Heraf" parts, or "all"), table, initiative.
func (s *Server) funding(w http.ResponseWriter, r *http.Request) error {
	p := queryParams(r, "year", "recipient", "table", "initiative", "format")
	q := p.q
	initiative, byInitiative := p.int("initiative")
	year, recipient, table := q.Get("year"), q.Get("recipient"), q.Get("table")
	if recipient == "" {
		recipient = "i alt"
	}
	if year != "" && !s.anyColumn(year) {
		p.add("year", "no funding table has a column "+strconv.Quote(year)+" (years 2025–2030, or varigt)")
	}
	if table != "" && !s.hasTable(table) {
		p.add("table", "unknown funding table "+strconv.Quote(table))
	}
	if !s.knownRecipient(recipient) {
		p.add("recipient", "unknown recipient "+strconv.Quote(recipient))
	}
	format := p.format()
	if err := p.err(); err != nil {
		return err
	}

	var tables []fundingTableView
	var all []indicators.FundingRow
	for _, t := range s.cat.FundingTables {
		if table != "" && t.ID != table {
			continue
		}
		v := fundingTableView{ID: t.ID, TitleDA: t.TitleDA, TitleEN: t.TitleEN, Unit: t.Unit, Source: t.Source,
			Sums: map[string]float64{}, Rows: []indicators.FundingRow{}}
		if recipient == "i alt" && !byInitiative {
			v.StatedTotals = map[string]float64{}
			v.RoundingNote = t.RoundingNote
		}
		for i, col := range t.Columns {
			if year != "" && col != year {
				continue
			}
			if v.StatedTotals != nil {
				v.StatedTotals[col] = t.StatedTotals[i]
			}
		}
		for _, row := range t.Rows() {
			if year != "" && row.Column != year || recipient != "all" && row.Recipient != recipient {
				continue
			}
			if byInitiative && !slices.Contains(row.Initiatives, initiative) {
				continue
			}
			v.Rows = append(v.Rows, row)
			v.Sums[row.Column] = math.Round((v.Sums[row.Column]+row.Amount)*1000) / 1000
		}
		if len(v.Rows) == 0 && year != "" && t.Column(year) < 0 {
			continue // this table has no such year
		}
		tables = append(tables, v)
		all = append(all, v.Rows...)
	}
	if tables == nil {
		tables = []fundingTableView{}
	}
	return respond(w, r, format, map[string]any{"year": year, "recipient": recipient, "tables": tables}, fundingTable(all))
}

func (s *Server) anyColumn(c string) bool {
	for _, t := range s.cat.FundingTables {
		if t.Column(c) >= 0 {
			return true
		}
	}
	return false
}

func (s *Server) hasTable(id string) bool {
	for _, t := range s.cat.FundingTables {
		if t.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) knownRecipient(rec string) bool {
	if rec == "all" {
		return true
	}
	for _, t := range s.cat.FundingTables {
		for _, row := range t.Rows() {
			if row.Recipient == rec {
				return true
			}
		}
	}
	return false
}
