package ingest

// Format nordcan-survival: NORDCAN's survival exports.

import (
	"cmp"
	"fmt"
	"regexp"
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

// labelSeparators split a heading like "Colon - Males" or "Colon (Females)".
var labelSeparators = regexp.MustCompile(`\s+[-–]\s+|,\s*|\s*[()]\s*`)

// sexWords are how NORDCAN and Danish tables name the sexes.
var sexWords = map[string]string{
	"males": "male", "male": "male", "men": "male", "mænd": "male", "1": "male",
	"females": "female", "female": "female", "women": "female", "kvinder": "female", "2": "female",
	"both sexes": "total", "both": "total", "begge køn": "total", "i alt": "total", "total": "total", "0": "total", "3": "total",
}

// labelParts reads a table heading such as "Colon", "Colon - Males",
// "Colon (Females)" or "Males" into a cancer entity code and a sex.
func (b *batch) labelParts(label string) (entity, sex string, ok bool) {
	for _, part := range labelSeparators.Split(label, -1) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if s, isSex := sexWords[strings.ToLower(part)]; isSex {
			sex = s
		} else if e, isEntity := b.cat.CancerEntity(part); isEntity {
			entity = strconv.Itoa(e.Code)
		} else {
			return "", "", false
		}
	}
	return entity, sex, entity != "" || sex != ""
}

func readNordcanWide(b *batch, g *tabular.Grid) error {
	var cols []nordcanCol // per column; country "" for none
	var headings, spans []string
	entity, sex, end := b.m.Fixed["cancer_site"], b.m.Fixed["sex"], ""
	wantEnd, filterEnd := b.m.Filter["end"]
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
		if s := spanRow(row); !isPeriod && s != nil {
			spans = s
			continue
		}
		// A heading row names the entity (and sex) first, then countries.
		if !isPeriod && !isBlank(row[1:]) {
			label, labelEnd := splitFollowUp(first)
			labelSex := ""
			if label != "" {
				e, s, ok := b.labelParts(label)
				if !ok {
					b.reject(g.Pos(r, 0, first), "cancer_site", "%q names no cancer entity or sex in the catalogue", first)
					return nil
				}
				if e != "" {
					entity = e
				}
				if s != "" {
					sex, labelSex = s, s
				}
			}
			cs, bad, err := b.headingColumns(row, spans, labelSex)
			if err != nil {
				return fmt.Errorf("%s: %w", g.Pos(r, 0, ""), err)
			}
			if bad > 0 {
				b.reject(g.Pos(r, bad, row[bad]), "geography", "%q is not a country in the catalogue", strings.TrimSpace(row[bad]))
				return nil
			}
			cols, headings, end, spans = cs, row, labelEnd, nil
			continue
		}
		// A row with only its first cell filled is a label ("Males"),
		// unless that cell is a period whose figures are all missing.
		if !isPeriod {
			e, s, ok := b.labelParts(first)
			if !ok {
				b.reject(g.Pos(r, 0, first), "cancer_site", "%q names no cancer entity or sex in the catalogue", first)
				continue
			}
			if e != "" {
				entity = e
			}
			if s != "" {
				sex = s
			}
			continue
		}
		if cols == nil {
			return fmt.Errorf("%s: figures before a heading row naming the countries", g.Pos(r, 0, ""))
		}
		if sex == "" {
			sex = "total"
		}
		for c := 1; c < len(row); c++ {
			if c >= len(cols) || cols[c].country == "" {
				if strings.TrimSpace(row[c]) != "" {
					b.reject(g.Pos(r, c, ""), "geography", "a figure in a column with no country heading")
				}
				continue
			}
			// Keep only the follow-up the mapping asks for, where the
			// table says which one a column holds.
			if colEnd := cmp.Or(cols[c].end, end); filterEnd && colEnd != "" && colEnd != wantEnd {
				continue
			}
			where := g.Pos(r, c, headings[c])
			fields := map[string]string{"period": first, "geography": cols[c].country, "sex": cmp.Or(cols[c].sex, sex), "cancer_site": entity}
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
	return nil
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
