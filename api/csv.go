package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/kraeftplan/kpv/indicators"
)

func num(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// fundingTable is the funding lines' CSV form.
func fundingTable(rows []indicators.FundingRow) table {
	header := []string{"table", "line", "parent", "name_da", "name_en", "recipient", "initiatives", "column", "amount_mdkk"}
	return table{"kpv-funding.csv", header, func(add func(...string)) {
		for _, r := range rows {
			inits := make([]string, len(r.Initiatives))
			for i, n := range r.Initiatives {
				inits[i] = strconv.Itoa(n)
			}
			add(r.Table, r.Line, r.Parent, r.NameDA, r.NameEN, r.Recipient, strings.Join(inits, " "),
				r.Column, strconv.FormatFloat(r.Amount, 'f', -1, 64))
		}
	}}
}

// observationsTable is the figures' CSV form, one row per observation; a
// suppressed figure has an empty value and suppressed=true, never 0.
func observationsTable(name string, obs []indicators.Observation) table {
	header := []string{"indicator", "period", "period_start", "period_end", "geography", "breakdown", "value", "numerator",
		"denominator", "ci_lower", "ci_upper", "suppressed", "revision", "source", "run_id", "recorded_at"}
	return table{name, header, func(add func(...string)) {
		for _, o := range obs {
			add(o.Indicator, o.Period, o.PeriodStart.Format(time.DateOnly), o.PeriodEnd.Format(time.DateOnly),
				o.Geography, o.Breakdown.Key(), num(o.Value), num(o.Numerator), num(o.Denominator), num(o.CILower), num(o.CIUpper),
				strconv.FormatBool(o.Suppressed), strconv.Itoa(o.Revision), o.Source, strconv.FormatInt(o.RunID, 10),
				o.RecordedAt.UTC().Format(time.RFC3339))
		}
	}}
}
