package pages

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"

	"github.com/xuri/excelize/v2"

	"github.com/kraeftplan/kpv/assess"
	"github.com/kraeftplan/kpv/view"
)

// An indicator page's figures as a spreadsheet: exactly the rows the page
// shows (every figure of Denmark's series, each series' latest first),
// with the indicator's name, unit and status on every row or the cover.
// The CSV is for a Danish Excel by default (semicolons, decimal comma, a
// UTF-8 byte order mark); ?dialect=program gives commas and decimal points
// without the mark, for programs.

func exportHeader() []string {
	return []string{"indikator", "indikatornavn", "serie", "periode", "udgangspunkt", "tal", "enhed", "nedre_95", "oevre_95", "status", "hentet_fra",
		"udgiver", "titel", "udgivet", "udgave", "adresse", "indlaest", "for_sig"}
}

// publicationCells are a figure's publication as the page shows it:
// publisher, title, date, release, address and when kpv loaded it (the
// catalogue for a catalogue baseline).
func publicationCells(r chartTableRow) []string {
	if r.Baseline {
		return []string{"kataloget", "", "", "", "", ""}
	}
	p := r.Pub
	if p == nil {
		return []string{"", "", "", "", "", ""}
	}
	loaded := ""
	if p.LoadedAt != nil {
		loaded = view.TimeDA(*p.LoadedAt)
	}
	return []string{p.Publisher, p.Title, p.PublishedDA, p.Release, p.URL, loaded}
}

func exportRows(in view.Indicator, t chartTable, num func(float64) string, yes string) [][]string {
	var out [][]string
	for _, r := range append(slices.Clone(t.Rows), t.Apart...) {
		lo, hi := "", ""
		if r.CI != nil {
			lo, hi = num(r.CI.Lower), num(r.CI.Upper)
		}
		base := ""
		if r.Baseline {
			base = yes
		}
		apart := ""
		if r.Apart {
			apart = yes
		}
		out = append(out, append(append([]string{in.ID, in.NameDA, r.Series, r.Period, base, num(r.Value), in.Unit.NameDA(), lo, hi, in.StatusDA, in.SourceDA}, publicationCells(r)...), apart))
	}
	return out
}

func (p *Pages) indicatorCSV(w http.ResponseWriter, r *http.Request, in view.Indicator, t chartTable) {
	d, err := view.Dialect(r.URL.Query().Get("dialect"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var buf bytes.Buffer
	cw := d.Writer(&buf)
	_ = cw.Write(exportHeader())
	for _, row := range exportRows(in, t, d.Number, "ja") {
		_ = cw.Write(row)
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, in.ID))
	_, _ = w.Write(buf.Bytes())
}

func (p *Pages) indicatorXLSX(w http.ResponseWriter, r *http.Request, in view.Indicator, t chartTable, snap *assess.Snapshot) {
	f := excelize.NewFile()
	defer f.Close()
	cover := "Indikator"
	_ = f.SetSheetName("Sheet1", cover)
	set := func(sheet string, row int, vals ...any) {
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, row)
			_ = f.SetCellValue(sheet, cell, v)
		}
	}
	set(cover, 1, in.NameDA)
	set(cover, 2, in.NameEN)
	set(cover, 4, "Status", in.StatusDA, in.StatusEN)
	set(cover, 5, "Begrundelse", in.ReasonDA)
	set(cover, 6, "Reason", in.ReasonEN)
	set(cover, 7, "Mål / target", in.Target.TextDA, in.Target.TextEN)
	set(cover, 8, "Enhed / unit", in.Unit.NameDA(), in.Unit.NameEN())
	set(cover, 9, "Kilde / source", in.SourceDA, in.SourceEN)
	if def, ok := p.cat.Indicator(in.ID); ok {
		if sum, ok := snap.Goal(def.Goal); ok && sum.Verdict != nil {
			set(cover, 11, fmt.Sprintf("Vurdering af mål %d", def.Goal), sum.Verdict.LabelDA, sum.Verdict.ReasonDA)
			set(cover, 12, fmt.Sprintf("Verdict on goal %d", def.Goal), sum.Verdict.LabelEN, sum.Verdict.ReasonEN)
		}
	}
	set(cover, 14, "Vurderet / assessed", view.TimeDA(snap.ComputedAt))
	_ = f.SetColWidth(cover, "A", "A", 24)
	_ = f.SetColWidth(cover, "B", "C", 40)

	const data = "Tal"
	_, _ = f.NewSheet(data)
	hdr := exportHeader()
	row := make([]any, len(hdr))
	for i, h := range hdr {
		row[i] = h
	}
	set(data, 1, row...)
	for i, r := range append(slices.Clone(t.Rows), t.Apart...) {
		vals := []any{in.ID, in.NameDA, r.Series, r.Period, "", view.RoundShown(r.Value), in.Unit.NameDA(), nil, nil, in.StatusDA, in.SourceDA}
		if r.Baseline {
			vals[4] = "ja"
		}
		if r.CI != nil {
			vals[7], vals[8] = view.RoundShown(r.CI.Lower), view.RoundShown(r.CI.Upper)
		}
		for _, c := range publicationCells(r) {
			vals = append(vals, c)
		}
		if r.Apart {
			vals = append(vals, "ja")
		} else {
			vals = append(vals, "")
		}
		set(data, i+2, vals...)
	}
	_ = f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		p.log.Error("indicator xlsx", "indicator", in.ID, "err", err)
		http.Error(w, "the workbook could not be written", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, in.ID))
	_, _ = w.Write(buf.Bytes())
}
