package ingest

// Format nordcan-survival: NORDCAN's survival exports.

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest/tabular"
)

// NORDCAN publishes survival in two shapes (samples of both in testdata/):
//
//   - the web table export: semicolon-separated, one column per country, a
//     header row per table naming the cancer entity (and sex), the period
//     in the first column and cells "estimate[lower-upper]", sometimes with
//     a space before "[" and a trailing "*";
//   - the long computation output of the NORDCAN survival programs
//     (entity;entity_display_order;entity_description_en;end;cns;locns;
//     upcns;sex;period_5;country), with cns in percent, period_5 the first
//     year of a 5-year period, sex 1 or 2 and country a name.
//
// readNordcan tells them apart by the header.
func readNordcan(b *batch, name string, data []byte) error {
	g, err := tabular.ReadCSV(name, data, tabular.Options{Comma: sniffComma(data)})
	if err != nil {
		return err
	}
	for _, row := range g.Rows {
		for _, c := range row {
			if strings.EqualFold(strings.TrimSpace(c), "cns") {
				return readNordcanLong(b, g)
			}
		}
		if len(row) > 0 && strings.Join(row, "") != "" {
			break
		}
	}
	return readNordcanWide(b, g)
}

// estimateCell is a web-table cell: "95.2[94.3-96.2]", "93.0 [92.1-93.9]",
// "94.1[93.5-94.7]*" or a bare estimate "67.2".
var estimateCell = regexp.MustCompile(`^([0-9]+(?:[.,][0-9]+)?)\s*(?:\[\s*([0-9]+(?:[.,][0-9]+)?)\s*[-–]\s*([0-9]+(?:[.,][0-9]+)?)\s*\])?\s*\*?$`)

func readNordcanWide(b *batch, g *tabular.Grid) error {
	var cols []nordcanCol // per column; country "" for none
	var headings, spans []string
	entity, sex, end := b.m.Fixed["cancer_site"], b.m.Fixed["sex"], ""
	// A figure's meaning is stated, never guessed: the sex and follow-up
	// the command or the catalogue states (stated*) must agree with what
	// the file says; titleEnd is a follow-up a title row states for every
	// table below it.
	statedSex, statedEnd, titleEnd := b.m.Fixed["sex"], b.m.FollowUp, ""
	wantEnd, filterEnd := b.m.Filter["end"]
	kept, skipped := 0, map[string]bool{} // figures kept; follow-ups left out
	for r, row := range g.Rows {
		if isBlank(row) {
			continue
		}
		first := strings.TrimSpace(row[0])
		_, perr := indicators.ParsePeriod(first)
		isPeriod := perr == nil
		if !isPeriod && looksLikeFigures(row[1:]) {
			b.reject(g.Pos(r, 0, first), "period", "%q is not a diagnosis period such as 2016-2020: %v", first, perr)
			continue
		}
		// A spanning row says which follow-up the columns below hold.
		if s := spanRow(row); !isPeriod && s != nil && !isBlank(row[1:]) {
			spans = s
			continue
		}
		if isPeriod {
			// figures, below
		} else if h, err := b.readHeading(first); err != nil {
			return fmt.Errorf("%s: %w", g.Pos(r, 0, ""), err)
		} else if err := agrees(h.sex, statedSex, "sex", "sex"); err != nil {
			return fmt.Errorf("%s: %w", g.Pos(r, 0, first), err)
		} else if isBlank(row[1:]) {
			// A row with only its first cell filled is a label ("Males")
			// or a title row ("5-year relative survival").
			entity, sex = cmp.Or(h.entity, entity), cmp.Or(h.sex, sex)
			titleEnd = cmp.Or(h.end, titleEnd)
			continue
		} else {
			// A heading row names the entity (and sex) first, then countries.
			cs, bad, err := b.headingColumns(row, spans, h.sex)
			if err != nil {
				return fmt.Errorf("%s: %w", g.Pos(r, 0, ""), err)
			}
			if bad > 0 {
				b.reject(g.Pos(r, bad, row[bad]), "geography", "%q is not a country in the catalogue", strings.TrimSpace(row[bad]))
				return nil
			}
			for _, c := range cs {
				if err := agrees(c.sex, statedSex, "sex", "sex"); c.country != "" && err != nil {
					return fmt.Errorf("%s: men and women side by side under repeated country names: %w", g.Pos(r, 0, first), err)
				}
			}
			entity, sex = cmp.Or(h.entity, entity), cmp.Or(h.sex, sex)
			cols, headings, end, spans = cs, row, h.end, nil
			continue
		}
		if cols == nil {
			return fmt.Errorf("%s: figures before a heading row naming the countries", g.Pos(r, 0, ""))
		}
		for c := 1; c < len(row); c++ {
			if c >= len(cols) || cols[c].country == "" {
				if strings.TrimSpace(row[c]) != "" {
					b.reject(g.Pos(r, c, ""), "geography", "a figure in a column with no country heading")
				}
				continue
			}
			// The follow-up the file states for this column, checked
			// against the one stated for it and the one the source keeps.
			fileEnd := cmp.Or(cols[c].end, end, titleEnd)
			if err := agrees(fileEnd, statedEnd, "follow-up", "--follow-up"); err != nil {
				return fmt.Errorf("%s: %w", g.Pos(r, c, headings[c]), err)
			}
			colEnd := cmp.Or(fileEnd, statedEnd)
			if filterEnd && colEnd == "" {
				return fmt.Errorf("%s: the file does not state its survival follow-up (not in the heading %q, no spanning heading row such as \"5-years survival\", no title row) and source %s keeps %s-year survival: state it in the file or with --follow-up %s",
					g.Pos(r, 0, ""), strings.TrimSpace(headings[0]), b.src.ID, wantEnd, wantEnd)
			}
			if filterEnd && colEnd != wantEnd {
				skipped[colEnd] = true
				continue
			}
			kept++
			where := g.Pos(r, c, headings[c])
			figSex := cmp.Or(cols[c].sex, sex)
			if figSex == "" {
				figSex = b.defaulted("sex", "total", "neither the file nor the command states the sex; state it with --set sex=female or sex=male")
			}
			fields := map[string]string{"period": first, "geography": cols[c].country, "sex": figSex, "cancer_site": entity}
			cell := strings.TrimSpace(row[c])
			if tabular.IsSuppressed(cell) {
				b.addValue(where, fields, nil, nil, nil)
				continue
			}
			m := estimateCell.FindStringSubmatch(cell)
			if m == nil {
				b.reject(where, "value", "%q is not an estimate with its interval, like 95.2[94.3-96.2]", cell)
				continue
			}
			est, lo, hi := decimal(m[1]), decimal(m[2]), decimal(m[3])
			b.addValue(where, fields, est, lo, hi)
		}
	}
	if kept == 0 && len(skipped) > 0 {
		return fmt.Errorf("%s: the file holds %s-year survival only; source %s keeps %s-year survival (its mapping's filter end: %s)",
			g.Name, strings.Join(slices.Sorted(maps.Keys(skipped)), "- and "), b.src.ID, wantEnd, wantEnd)
	}
	return nil
}

// agrees checks what the file says of a figure (got) against what the
// command or catalogue states (stated); either may be "".
func agrees(got, stated, what, how string) error {
	if got == "" || stated == "" || got == stated {
		return nil
	}
	if what == "follow-up" {
		return fmt.Errorf("the file holds %s-year survival, but %s states %s-year", got, how, stated)
	}
	return fmt.Errorf("the file holds figures for %s=%s, but the command or the catalogue states %s=%s", what, got, what, stated)
}

// looksLikeFigures reports whether a row's cells are estimates rather than
// country names, so a row with a bad period is reported as such.
func looksLikeFigures(cells []string) bool {
	for _, c := range cells {
		if c = strings.TrimSpace(c); c != "" {
			return estimateCell.MatchString(c)
		}
	}
	return false
}

// countryColumns reads a heading row's countries, one per column from the
// second; bad is the column of a cell that names no country (0 if none).
func (b *batch) countryColumns(row []string) (cs []string, bad int) {
	cs = make([]string, len(row))
	for i := 1; i < len(row); i++ {
		c := strings.TrimSpace(row[i])
		if c == "" {
			continue
		}
		geo, ok := b.cat.Geography(c)
		if !ok || geo.Kind != "country" {
			return nil, i
		}
		cs[i] = geo.Code
	}
	return cs, 0
}

// decimal parses a NORDCAN number ("95.2", or "95,2" from a Danish
// spreadsheet); "" gives nil.
func decimal(s string) *float64 {
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		return nil
	}
	return &v
}

func readNordcanLong(b *batch, g *tabular.Grid) error {
	head := -1
	for r, row := range g.Rows {
		if !isBlank(row) {
			head = r
			break
		}
	}
	col := map[string]int{}
	for i, h := range g.Rows[head] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	periodCol, years := "period_5", 5
	if _, ok := col["period_5"]; !ok {
		if _, ok := col["period_10"]; ok {
			periodCol, years = "period_10", 10
		}
	}
	var missing []string
	for _, want := range []string{"entity", "cns", "locns", "upcns", "sex", periodCol, "country"} {
		if _, ok := col[want]; !ok {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: NORDCAN survival output lacks the column(s) %s", g.Pos(head, 0, ""), strings.Join(missing, ", "))
	}
	for k := range b.m.Filter {
		if _, ok := col[strings.ToLower(k)]; !ok {
			return fmt.Errorf("%s: the mapping filters on column %q, which the file does not have", g.Pos(head, 0, ""), k)
		}
	}
	cell := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	kept, allProportions := 0, true
rows:
	for r := head + 1; r < len(g.Rows); r++ {
		row := g.Rows[r]
		if isBlank(row) {
			continue
		}
		for k, v := range b.m.Filter {
			if cell(row, strings.ToLower(k)) != v {
				continue rows
			}
		}
		where := fmt.Sprintf("%s: row %d", g.Name, r+1)
		sex, ok := sexWords[strings.ToLower(cell(row, "sex"))]
		if !ok {
			b.reject(where, "sex", "sex %q is not 1, 2 or a name of a sex", cell(row, "sex"))
			continue
		}
		period := cell(row, periodCol)
		if y, err := strconv.Atoi(period); err == nil {
			period = fmt.Sprintf("%d-%d", y, y+years-1) // NORDCAN gives the period's first year
		} else {
			period = strings.ReplaceAll(period, "_", "-")
		}
		fields := map[string]string{"period": period, "geography": cell(row, "country"), "sex": sex, "cancer_site": cell(row, "entity")}
		var nums [3]*float64
		for i, name := range []string{"cns", "locns", "upcns"} {
			text := cell(row, name)
			if text == "" || tabular.IsSuppressed(text) {
				continue
			}
			v, err := parseFloat(text)
			if err != nil {
				b.reject(where, name, "%v", err)
				continue rows
			}
			nums[i] = &v
		}
		if nums[0] != nil && *nums[0] > 1 {
			allProportions = false
		}
		kept++
		b.addValue(where, fields, nums[0], nums[1], nums[2])
	}
	// NORDCAN's output is in percent; proportions would pass the range
	// check as tiny percentages, so say so rather than store them.
	if kept > 0 && allProportions && b.m.Scale == 0 {
		return fmt.Errorf("%s: every cns value is at most 1, so they look like proportions, not percent: set the source's mapping.scale to 100", g.Name)
	}
	return nil
}

func isBlank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
