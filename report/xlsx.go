package report

import (
	"bytes"
	"fmt"
	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/view"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// The XLSX report, for officials who pass tables around in spreadsheets: a
// cover sheet (title, year, cut-off, when it was generated, the summary and
// the sources and runs the figures come from), one sheet per goal (each
// indicator's series with status and reason, then every period's figure),
// one for the regions, one for the Nordic tables and one for the
// initiatives and their funding. Figures are numbers, not text, with their
// unit in the column header; a figure the publisher withheld is marked
// Suppressed, never written as 0.

// Suppressed marks a withheld figure in a cell.
const Suppressed = "undertrykt / suppressed"

// Sheet names (Excel allows 31 characters, no : \ / ? * [ ]).
const (
	SheetCover       = "Forside - Cover"
	SheetRegions     = "Regioner - Regions"
	SheetNordic      = "Norden - Nordic"
	SheetInitiatives = "Initiativer - Initiatives"
)

// SheetGoal is the sheet of goal n.
func SheetGoal(n int) string { return fmt.Sprintf("Mål %d - Goal %d", n, n) }

// unitHeader is a unit as a column header says it.
func unitHeader(unit indicators.Unit) string {
	if unit == indicators.UnitPercent {
		return "%"
	}
	return unit.NameDA() + " / " + unit.NameEN()
}

// diffUnit is the unit of a change between two values of unit.
func diffUnit(unit indicators.Unit) indicators.Unit { return unit.Change() }

// sheet writes rows top to bottom.
type sheet struct {
	f     *excelize.File
	name  string
	row   int
	err   error
	bold  int
	head  int
	title int
	wrap  int
}

// put writes one row; nil leaves a cell empty, *float64 is a number or empty.
func (s *sheet) put(style int, vals ...any) {
	s.row++
	if s.err != nil {
		return
	}
	cells := make([]any, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case *float64:
			if v != nil {
				cells[i] = *v
			}
		case *int:
			if v != nil {
				cells[i] = *v
			}
		case time.Time:
			cells[i] = v.UTC().Format("2006-01-02 15:04:05 UTC")
		case *time.Time:
			if v != nil {
				cells[i] = v.UTC().Format("2006-01-02 15:04:05 UTC")
			}
		default:
			cells[i] = v
		}
	}
	first, _ := excelize.CoordinatesToCellName(1, s.row)
	if s.err = s.f.SetSheetRow(s.name, first, &cells); s.err != nil || style == 0 || len(vals) == 0 {
		return
	}
	last, _ := excelize.CoordinatesToCellName(len(vals), s.row)
	s.err = s.f.SetCellStyle(s.name, first, last, style)
}

func (s *sheet) blank() { s.row++ }

// freeze keeps the rows down to the current one in view while scrolling.
func (s *sheet) freeze() {
	if s.err != nil {
		return
	}
	top, _ := excelize.CoordinatesToCellName(1, s.row+1)
	s.err = s.f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: s.row, TopLeftCell: top, ActivePane: "bottomLeft"})
}

// widths sets the columns' widths, from column A.
func (s *sheet) widths(w ...float64) {
	for i, x := range w {
		if s.err != nil {
			return
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		s.err = s.f.SetColWidth(s.name, col, col, x)
	}
}

func valueOf(v *view.Value) (period any, value *float64) {
	if v == nil {
		return nil, nil
	}
	x := v.Value
	return v.Period, &x
}

func ciOf(v *view.Value) (lo, hi *float64) {
	if v == nil || v.CI == nil {
		return nil, nil
	}
	l, h := v.CI.Lower, v.CI.Upper
	return &l, &h
}

func suppressedMark(b bool) any {
	if b {
		return Suppressed
	}
	return nil
}

// XLSX renders the report as a workbook.
func (r *Report) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE7F0"}}, Border: []excelize.Border{{Type: "bottom", Color: "555555", Style: 1}}})
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	wrap, _ := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	newSheet := func(name string) (*sheet, error) {
		if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		return &sheet{f: f, name: name, bold: bold, head: head, title: title, wrap: wrap}, nil
	}
	if err := f.SetSheetName("Sheet1", SheetCover); err != nil {
		return nil, err
	}
	sheets := []*sheet{{f: f, name: SheetCover, bold: bold, head: head, title: title, wrap: wrap}}
	r.xlsxCover(sheets[0])
	for _, g := range r.Goals {
		s, err := newSheet(SheetGoal(g.ID))
		if err != nil {
			return nil, err
		}
		r.xlsxGoal(s, g)
		sheets = append(sheets, s)
	}
	for _, x := range []struct {
		name string
		fill func(*sheet)
	}{{SheetRegions, r.xlsxRegions}, {SheetNordic, r.xlsxNordic}, {SheetInitiatives, r.xlsxInitiatives}} {
		s, err := newSheet(x.name)
		if err != nil {
			return nil, err
		}
		x.fill(s)
		sheets = append(sheets, s)
	}
	for _, s := range sheets {
		if s.err != nil {
			return nil, fmt.Errorf("report %d, sheet %q: %w", r.Year, s.name, s.err)
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: r.TitleDA + " / " + r.TitleEN, Creator: "kpv",
		// The cut-off, not the clock: the same report gives the same bytes.
		Created: r.CutOff.UTC().Format(time.RFC3339), Modified: r.CutOff.UTC().Format(time.RFC3339), Language: "da-DK"}); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (r *Report) xlsxCover(s *sheet) {
	s.widths(40, 40, 40, 28, 24, 40)
	s.put(s.title, r.TitleDA)
	s.put(s.bold, r.TitleEN)
	s.freeze()
	s.blank()
	s.put(0, "År / year", r.Year)
	s.put(0, "Tal registreret til og med / figures recorded by (cut-off)", r.CutOff)
	s.put(0, "Skæringstid valgt som / cut-off rule", CutOffRuleWords(r.CutOffRule))
	s.put(0, "Perioder afsluttet senest / periods ending by", r.PeriodsEndingBy)
	s.put(0, "Katalogversion / catalogue version", r.CatalogueVersion)
	s.put(0, "Antal tal / figures", r.Figures)
	s.put(s.wrap, "Undertrykte tal / suppressed figures",
		"Et tal, som udgiveren har undertrykt, står som \""+Suppressed+"\", aldrig som 0. / A figure the publisher withheld reads \""+Suppressed+"\", never 0.")
	s.blank()
	s.put(s.bold, "Vurdering pr. mål / verdict per goal")
	s.put(s.head, "Mål / goal", "Vurdering / verdict", "Verdict", "Begrundelse / reason", "Reason")
	for _, v := range r.Verdicts {
		s.put(s.wrap, fmt.Sprintf("%d: %s", v.Goal, v.ShortDA), v.LabelDA, v.LabelEN, v.ReasonDA, v.ReasonEN)
	}
	s.blank()
	s.put(s.bold, "Oversigt / summary")
	s.put(s.head, "Mål / goal", "Mål (kort) / goal (short)", "", "Indikatorer / indicators", "På rette spor / on track", "Ikke på rette spor / off track",
		"Uden tal / no figures", "Tal, der ikke afgør det endnu / figures not deciding yet")
	for _, g := range r.Summary {
		s.put(s.wrap, g.Goal, g.ShortDA, g.ShortEN, g.Indicators, g.OnTrack, g.OffTrack, g.NotAssessable, g.Undecided)
	}
	s.blank()
	s.put(s.bold, "Kilder / sources (citations)")
	s.put(s.head, "Kilde / source", "Navn / name", "Name", "Udgiver / publisher", "Seneste vellykkede kørsel / last successful run", "Indikatorer / indicators")
	seen := map[string]bool{}
	for _, g := range r.Goals {
		for _, src := range g.Sources {
			if seen[src.ID] {
				continue
			}
			seen[src.ID] = true
			s.put(s.wrap, src.ID, src.NameDA, src.NameEN, src.Publisher, src.LastSuccess, strings.Join(src.Indicators, ", "))
		}
	}
	s.blank()
	s.put(s.bold, "Kørsler, tallene kommer fra / runs the figures come from")
	s.put(s.head, "Kørsel / run", "Kilde / source", "Type / kind", "Udfald / outcome", "Afsluttet / finished", "Tal i rapporten / figures used")
	for _, run := range r.Runs {
		s.put(0, run.ID, r.SourceName(run.Source), RunWordDA(run.Kind)+" / "+RunWordEN(run.Kind), RunWordDA(run.Outcome)+" / "+RunWordEN(run.Outcome), run.FinishedAt, run.Figures)
	}
}

// goalColumns are a goal sheet's indicator table.
func goalColumns() []any {
	return []any{"Indikator / indicator", "Navn / name", "Name", "Enhed / unit", "Opdeling / breakdown",
		"Udgangspunkt, periode / baseline period", "Udgangspunkt / baseline [enhed / unit]", "Udgangspunkt fra / baseline from",
		"Forrige periode / previous period", "Forrige / previous [enhed / unit]",
		"Seneste periode / latest period", "Seneste / latest [enhed / unit]", "Nedre 95 % / lower 95 % [enhed / unit]", "Øvre 95 % / upper 95 % [enhed / unit]",
		"Senere periode / later period", "Ændring / change [ændringsenhed / change unit]", "Ændring siden udgangspunkt / change since baseline [ændringsenhed / change unit]",
		"Mål / target", "Målværdi / target value [enhed / unit]", "Målår / target year", "Afstand til mål / gap to target [ændringsenhed / change unit]",
		"Status", "Status (en)", "Begrundelse / reason", "Reason", "Grundlag for målet / basis of the target (citation)",
		"Aktualitet / freshness", "Ansvarlig / owner", "Kilde / source", "Ændringsenhed / change unit"}
}

func (r *Report) xlsxGoal(s *sheet, g Goal) {
	s.widths(30, 40, 40, 12, 20, 14, 14, 12, 14, 14, 14, 14, 12, 12, 22, 14, 16, 24, 12, 10, 14, 18, 18, 60, 60, 50, 24, 24, 24, 16)
	s.put(s.title, fmt.Sprintf("Mål %d: %s / Goal %d: %s", g.ID, g.ShortDA, g.ID, g.ShortEN))
	s.put(s.wrap, g.NameDA+" / "+g.NameEN)
	s.put(s.head, goalColumns()...)
	s.freeze()
	first := s.row + 1
	for _, in := range g.Indicators {
		for _, row := range in.Rows {
			bp, bv := valueOf(row.Baseline)
			pp, pv := valueOf(row.Previous)
			lp, lv := valueOf(row.Latest)
			lo, hi := ciOf(row.Latest)
			var origin, ty any
			if row.Baseline != nil {
				origin = row.Baseline.Origin
			}
			if in.Target.Year != 0 {
				ty = in.Target.Year
			}
			s.put(0, in.ID, in.NameDA, in.NameEN, unitHeader(in.Unit), row.BreakdownDA+" / "+row.BreakdownEN,
				bp, bv, origin, pp, pv, lp, lv, lo, hi, suppressedMark(row.LatestSuppressed),
				row.Change, row.ChangeSinceBaseline, in.Target.TextDA+" / "+in.Target.TextEN, in.Target.Value, ty, row.GapToTarget,
				row.StatusDA, row.StatusEN, row.ReasonDA, row.ReasonEN, in.Target.Basis,
				in.Freshness.LabelDA+" / "+in.Freshness.LabelEN, in.OwnerDA, in.SourceDA, unitHeader(diffUnit(in.Unit)))
		}
	}
	if s.err == nil && s.row >= first {
		last, _ := excelize.CoordinatesToCellName(len(goalColumns()), s.row)
		s.err = s.f.AutoFilter(s.name, fmt.Sprintf("A%d:%s", first-1, last), nil)
	}
	s.blank()
	s.put(s.bold, "Serier / series: Danmarks tal for hver periode / Denmark's figure for each period")
	s.put(s.head, "Indikator / indicator", "Navn / name", "Name", "Enhed / unit", "Opdeling / breakdown", "Periode / period",
		"Værdi / value [enhed / unit]", "Nedre 95 % / lower 95 %", "Øvre 95 % / upper 95 %")
	for _, in := range g.Indicators {
		for _, row := range in.Rows {
			for _, h := range row.History {
				x := h
				lo, hi := ciOf(&x)
				s.put(0, in.ID, in.NameDA, in.NameEN, unitHeader(in.Unit), row.BreakdownDA+" / "+row.BreakdownEN, h.Period, &x.Value, lo, hi)
			}
			if row.LatestSuppressed {
				s.put(0, in.ID, in.NameDA, in.NameEN, unitHeader(in.Unit), row.BreakdownDA+" / "+row.BreakdownEN,
					"senere end / after "+periodOr(row.Latest), Suppressed)
			}
		}
	}
}

func periodOr(v *view.Value) string {
	if v == nil {
		return "–"
	}
	return v.Period
}

func (r *Report) xlsxRegions(s *sheet) {
	s.widths(30, 40, 12, 10, 22, 22, 20, 12, 12, 12, 12, 22, 12, 12, 14, 18, 18, 60, 60)
	s.put(s.title, "Regionerne mod Danmark / the regions against Denmark")
	s.put(s.head, "Indikator / indicator", "Navn / name", "Enhed / unit", "Region", "Navn / name", "Name", "Opdeling / breakdown", "Periode / period",
		"Værdi / value [enhed / unit]", "Nedre 95 % / lower 95 % [enhed / unit]", "Øvre 95 % / upper 95 % [enhed / unit]", "Senere periode / later period",
		"Danmark nedre 95 % / Denmark lower 95 %", "Danmark øvre 95 % / Denmark upper 95 %", "Danmarks interval fra / Denmark's interval from",
		"Sammenligning / comparison", "Comparison", "Begrundelse / reason", "Reason")
	s.freeze()
	for _, g := range r.Goals {
		for _, reg := range g.Regional {
			for _, rr := range reg.Regions {
				_, v := valueOf(rr.Latest)
				lo, hi := ciOf(rr.Latest)
				var nlo, nhi *float64
				if rr.National != nil {
					a, b := rr.National.Lower, rr.National.Upper
					nlo, nhi = &a, &b
				}
				s.put(0, reg.Indicator, reg.NameDA, unitHeader(reg.Unit), rr.Geography, rr.NameDA, rr.NameEN,
					rr.BreakdownDA+" / "+rr.BreakdownEN, rr.Period, v, lo, hi, suppressedMark(rr.LatestSuppressed), nlo, nhi, rr.NationalFrom,
					rr.ComparisonDA, rr.ComparisonEN, rr.WhyDA, rr.WhyEN)
			}
		}
	}
}

func (r *Report) xlsxNordic(s *sheet) {
	s.widths(28, 24, 24, 12, 12, 12, 10, 16, 16, 10, 14, 14, 14, 14, 12, 14, 16, 12, 10, 20)
	s.put(s.title, "Danmark blandt de nordiske lande / Denmark among the Nordic countries")
	s.put(s.head, "Indikator / indicator", "Kræftform / cancer site", "Cancer site", "Køn / sex", "Sex", "Periode / period",
		"Land / country", "Navn / name", "Name", "Rang / rank", "5-års overlevelse / 5-year survival (%)", "Nedre 95 % / lower 95 % (%)", "Øvre 95 % / upper 95 % (%)",
		"Danmarks rang / Denmark's rank", "Lande sammenlignet / countries compared", "Førende / leader", "Danmarks afstand til førende / Denmark's gap to the leader (procentpoint / percentage points)",
		"Statistisk lige med førende / tie with leader", "I toppen / at the top", "Uden tal / missing")
	s.freeze()
	yesNo := func(b bool) string {
		if b {
			return "ja / yes"
		}
		return "nej / no"
	}
	for _, g := range r.Goals {
		for _, n := range g.Nordic {
			tie := "ukendt / unknown"
			if n.Tie != nil {
				tie = yesNo(*n.Tie)
			}
			for _, c := range n.Countries {
				v := c.Value
				var lo, hi *float64
				if c.CI != nil {
					a, b := c.CI.Lower, c.CI.Upper
					lo, hi = &a, &b
				}
				gap := n.GapToLeader
				s.put(0, n.Indicator, n.CancerSiteDA, n.CancerSiteEN, n.SexDA, n.SexEN, n.Period, c.Country, c.NameDA, c.NameEN, c.Rank,
					&v, lo, hi, n.Rank, n.Compared, n.Leader, &gap, tie, yesNo(n.AtTop), strings.Join(n.Missing, ", "))
			}
		}
	}
}

func (r *Report) xlsxInitiatives(s *sheet) {
	s.widths(10, 12, 50, 50, 22, 12, 50, 50, 18, 16, 20)
	units := map[string]bool{}
	for _, g := range r.Goals {
		for _, in := range g.Initiatives {
			for _, l := range in.Funding {
				units[l.Unit] = true
			}
		}
		for _, t := range g.Funding {
			units[t.Unit] = true
		}
	}
	unit := "se kolonne / see column: Enhed / unit"
	if len(units) == 1 {
		for u := range units {
			unit = u
		}
	}
	s.put(s.title, fmt.Sprintf("Initiativer og finansiering %d / initiatives and funding %d", r.Year, r.Year))
	s.put(s.head, "Mål / goal", "Initiativ / initiative", "Navn / name", "Name", "Finansieringstabel / funding table", "Linje / line",
		"Linjens navn / line name", "Line name", "Kolonne / column", "Beløb / amount ("+unit+")", "Linjen betaler for initiativ / line pays for initiatives", "Enhed / unit")
	s.freeze()
	for _, g := range r.Goals {
		for _, in := range g.Initiatives {
			if len(in.Funding) == 0 {
				s.put(0, g.ID, in.Number, in.NameDA, in.NameEN, "ingen linje / no line")
				continue
			}
			for _, l := range in.Funding {
				amount := l.Amount
				s.put(0, g.ID, in.Number, in.NameDA, in.NameEN, l.TableDA, l.Line, l.NameDA, l.NameEN, l.Column, &amount, joinInts(l.Initiatives), l.Unit)
			}
		}
	}
	s.blank()
	s.put(s.bold, "Målets andel af hver tabel, hver linje talt én gang / each goal's share of each table, each line counted once")
	s.put(s.head, "Mål / goal", "Finansieringstabel / funding table", "Funding table", "Kolonne / column", "Linjer / lines", "Beløb / amount ("+unit+")", "Enhed / unit")
	for _, g := range r.Goals {
		for _, t := range g.Funding {
			amount := t.Amount
			s.put(0, g.ID, t.TitleDA, t.TitleEN, t.Column, t.Lines, &amount, t.Unit)
		}
	}
}
