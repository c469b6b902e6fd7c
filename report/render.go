package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "embed"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/view"
)

// Formats are the report's formats, the default first.
var Formats = []string{"json", "csv", "html", "xlsx"}

// ContentType is the media type of a format.
func ContentType(format string) string {
	switch format {
	case "csv":
		return "text/csv; charset=utf-8"
	case "html":
		return "text/html; charset=utf-8"
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/json; charset=utf-8"
}

// FileName is the report's file name in a format, e.g. kpv-report-2025.html.
func FileName(year int, format string) string {
	return fmt.Sprintf("kpv-report-%d.%s", year, format)
}

// Render writes the report in a format: json, csv, html or xlsx. The output
// depends only on the report, so the same figures give the same bytes —
// except the XLSX's cover, which also says when it was generated.
func Render(r *Report, format string) ([]byte, error) {
	switch format {
	case "json":
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err := enc.Encode(r)
		return buf.Bytes(), err
	case "csv":
		return r.CSV(view.DialectExcelDA)
	case CSVProgram:
		return r.CSV(view.DialectProgram)
	case "html":
		return r.HTML()
	case "xlsx":
		return r.XLSX()
	}
	return nil, fmt.Errorf("unknown format %q; one of %s", format, strings.Join(Formats, ", "))
}

// CSVHeader is the CSV's header: one row per indicator and breakdown,
// Denmark's series first, then the regions' (goals 1 and 2).
var CSVHeader = []string{"year", "cut_off", "goal", "indicator", "geography", "breakdown", "breakdown_da", "breakdown_en", "unit",
	"baseline_period", "baseline", "baseline_origin", "previous_period", "previous", "latest_period", "latest", "ci_lower", "ci_upper",
	"change", "change_since_baseline", "target_kind", "target", "target_year", "gap_to_target",
	"status", "status_da", "status_en", "reason_da", "reason_en", "comparison", "freshness",
	"point_status", "change_significance", "change_ci_lower", "change_ci_upper", "trend_apc", "trend_ci_lower", "trend_ci_upper", "trend_significance",
	"projected_value", "reached_year", "pathway_value", "distance_from_pathway", "status_since_baseline", "status_last_5_years"}

// CSVProgram is the internal name of the CSV for programs
// (format=csv&dialect=program): Render takes it as a format.
const CSVProgram = "csv-program"

// CSVHeaderDA is the header of the CSV for a Danish Excel: CSVHeader's
// columns in Danish, with the indicator's name after its id.
var CSVHeaderDA = []string{"år", "skæringstidspunkt", "mål", "indikator", "indikatornavn", "geografi", "opdeling", "opdeling_da", "opdeling_en", "enhed",
	"udgangspunkt_periode", "udgangspunkt", "udgangspunkt_oprindelse", "forrige_periode", "forrige", "seneste_periode", "seneste", "nedre_95", "øvre_95",
	"ændring", "ændring_siden_udgangspunkt", "måltype", "mål_værdi", "målår", "afstand_til_mål",
	"status", "status_da", "status_en", "begrundelse_da", "begrundelse_en", "sammenligning", "aktualitet",
	"punktstatus", "ændringens_signifikans", "ændring_nedre_95", "ændring_øvre_95", "trend_apc", "trend_nedre_95", "trend_øvre_95", "trendens_signifikans",
	"fremskrevet_værdi", "nået_år", "forløbsværdi", "afstand_fra_forløb", "status_siden_udgangspunkt", "status_seneste_5_år"}

// csvNumeric are CSVHeader's columns that hold a figure: in the Danish
// dialect they are rounded as shown and written with a decimal comma.
var csvNumeric = map[string]bool{"baseline": true, "previous": true, "latest": true, "ci_lower": true, "ci_upper": true, "change": true,
	"change_since_baseline": true, "target": true, "gap_to_target": true, "change_ci_lower": true, "change_ci_upper": true, "trend_apc": true,
	"trend_ci_lower": true, "trend_ci_upper": true, "projected_value": true, "pathway_value": true, "distance_from_pathway": true}

// CSV writes one row per indicator and breakdown, empty where there is no
// figure. For programs (view.DialectProgram): CSVHeader, numbers with a
// point and no rounding. For a Danish Excel (view.DialectExcelDA, the
// default): CSVHeaderDA with the indicator's name, a byte order mark,
// semicolons, and numbers rounded as shown with a decimal comma.
func (r *Report) CSV(d view.CSVDialect) ([]byte, error) {
	var buf bytes.Buffer
	w := d.Writer(&buf)
	danish := d != view.DialectProgram
	if danish {
		_ = w.Write(CSVHeaderDA)
	} else {
		_ = w.Write(CSVHeader)
	}
	names := map[string]string{}
	for _, g := range r.Goals {
		for _, in := range g.Indicators {
			names[in.ID] = in.NameDA
		}
	}
	// toDA turns a program row into the Danish one.
	toDA := func(row []string) []string {
		out := make([]string, 0, len(row)+1)
		for i, c := range row {
			if csvNumeric[CSVHeader[i]] && c != "" {
				if v, err := strconv.ParseFloat(c, 64); err == nil {
					c = d.Number(v)
				}
			}
			switch CSVHeader[i] {
			case "cut_off":
				c = view.TimeDA(r.CutOff)
			case "unit":
				c = indicators.Unit(c).NameDA()
			}
			out = append(out, c)
			if CSVHeader[i] == "indicator" {
				out = append(out, names[c])
			}
		}
		return out
	}
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	val := func(v *view.Value) (period, value string) {
		if v == nil {
			return "", ""
		}
		return v.Period, strconv.FormatFloat(v.Value, 'f', -1, 64)
	}
	write := func(g Goal, in view.Indicator, row view.Row, comparison string) {
		bp, bv := val(row.Baseline)
		pp, pv := val(row.Previous)
		lp, lv := val(row.Latest)
		var lo, hi, origin string
		if row.Latest != nil && row.Latest.CI != nil {
			lo, hi = num(&row.Latest.CI.Lower), num(&row.Latest.CI.Upper)
		}
		if row.Baseline != nil {
			origin = row.Baseline.Origin
		}
		ty := ""
		if in.Target.Year != 0 {
			ty = strconv.Itoa(in.Target.Year)
		}
		rec := append([]string{strconv.Itoa(r.Year), r.CutOff.Format(time.RFC3339Nano), strconv.Itoa(g.ID), in.ID, row.Geography,
			row.Breakdown.Key(), row.BreakdownDA, row.BreakdownEN, string(in.Unit), bp, bv, origin, pp, pv, lp, lv, lo, hi,
			num(row.Change), num(row.ChangeSinceBaseline), string(in.Target.Kind), num(in.Target.Value), ty, num(row.GapToTarget),
			string(row.Status), row.StatusDA, row.StatusEN, row.ReasonDA, row.ReasonEN, comparison, string(in.Freshness.State)}, defenceColumns(row)...)
		if danish {
			rec = toDA(rec)
		}
		_ = w.Write(rec)
	}
	for _, g := range r.Goals {
		for _, in := range g.Indicators {
			for _, row := range in.Rows {
				write(g, in, row, "")
			}
			for _, reg := range g.Regional {
				if reg.Indicator != in.ID {
					continue
				}
				for _, rr := range reg.Regions {
					write(g, in, rr.Row, string(rr.Comparison))
				}
			}
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

//go:embed report.html
var pageTemplate string

var page = func() *template.Template {
	t := template.New("report").Funcs(view.Funcs).Funcs(template.FuncMap{
		"date":        func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
		"reportStyle": func() template.CSS { return template.CSS(view.ReportStyle()) },
		"join":        joinInts,
		"runDA":       RunWordDA,
		"percent":     func(f float64) float64 { return f * 100 },
		"runEN":       RunWordEN,
	})
	template.Must(t.New("partials").Parse(view.Partials))
	return template.Must(t.Parse(pageTemplate))
}()

// htmlView is what the page template reads: the report and its charts.
type htmlView struct {
	*Report
	Charts map[string]template.HTML
}

// HTML renders the printable page: Danish headings with English below,
// one chart per indicator and per comparison, no JavaScript.
func (r *Report) HTML() ([]byte, error) {
	v := htmlView{Report: r, Charts: map[string]template.HTML{}}
	for _, g := range r.Goals {
		for _, in := range g.Indicators {
			v.Charts["ind-"+in.ID] = view.IndicatorChart(in, r.Year)
		}
		for _, reg := range g.Regional {
			var in view.Indicator // the indicator's entry holds Denmark's figure
			if i := slices.IndexFunc(g.Indicators, func(x view.Indicator) bool { return x.ID == reg.Indicator }); i >= 0 {
				in = g.Indicators[i]
			}
			if len(reg.Regions) > 0 {
				v.Charts["reg-"+reg.Indicator] = view.RegionalChart(in, reg)
			}
		}
		for i, n := range g.Nordic {
			v.Charts[fmt.Sprintf("nordic-%d", i)] = view.NordicChart(n)
		}
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, v)
	return buf.Bytes(), err
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
