package ingest

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// The NORDCAN web exports lay their columns out in more ways than one
// country per column (../shared/leads/README.md):
//
//   - men and women side by side under repeated country names
//     ("Colon;Denmark;Finland;Norway;Sweden;Denmark;Finland;Norway;Sweden":
//     the first block is men, the second women);
//   - 1-year and 5-year survival side by side under a spanning heading row
//     ("1-year survival,,,,,5-years survival,,,");
//   - the follow-up in the table's label ("Prostate 5y").
//
// nordcanCol is what one column holds; the reader keeps the columns whose
// follow-up is the one the mapping filters on (end: "5").

type nordcanCol struct{ country, sex, end string }

// trailingFollowUp finds a follow-up written after the entity with no
// separator: "Prostate 5y".
var trailingFollowUp = regexp.MustCompile(`(?i)\s+(\d+)\s*-?\s*(?:y|yrs?|years?)\b(?:\s+(?:relative\s+|net\s+)?survival)?$`)

// spanRow reads a spanning heading row: every filled cell names a
// follow-up, and each covers the columns up to the next. It returns the
// follow-up of every column, or nil if the row is not one.
func spanRow(row []string) []string {
	spans, cur, found := make([]string, len(row)), "", false
	for i, c := range row {
		c = strings.TrimSpace(c)
		if c != "" {
			end, ok := parseFollowUp(c)
			if !ok {
				return nil
			}
			cur, found = end, true
		}
		spans[i] = cur
	}
	if !found {
		return nil
	}
	return spans
}

// headingColumns reads a heading row's countries, with the sex and
// follow-up of each column. A country named again within the same follow-up
// block starts the women's block. bad is the column of a cell naming no
// country (0 if none).
func (b *batch) headingColumns(row, spans []string, labelSex string) (cols []nordcanCol, bad int, err error) {
	codes, bad := b.countryColumns(row)
	if bad > 0 {
		return nil, bad, nil
	}
	cols = make([]nordcanCol, len(row))
	seen := map[[2]string]int{}
	repeated := false
	for i := 1; i < len(row); i++ {
		if codes[i] == "" {
			continue
		}
		end := ""
		if i < len(spans) {
			end = spans[i]
		}
		k := [2]string{codes[i], end}
		n := seen[k]
		seen[k] = n + 1
		cols[i] = nordcanCol{country: codes[i], end: end}
		switch n {
		case 0:
		case 1:
			repeated = true
			cols[i].sex = "female"
		default:
			return nil, 0, fmt.Errorf("column %d: %s is named %d times in the heading; NORDCAN puts at most two blocks (men, then women) side by side", i+1, strings.TrimSpace(row[i]), n+1)
		}
	}
	if !repeated {
		return cols, 0, nil
	}
	if labelSex != "" {
		return nil, 0, fmt.Errorf("the heading names the sex (%s) but repeats the countries as if men and women stood side by side", labelSex)
	}
	for i := range cols {
		if cols[i].country != "" && cols[i].sex == "" {
			cols[i].sex = "male"
		}
	}
	return cols, 0, nil
}

// sniffComma tells a comma-separated NORDCAN export from a semicolon one by
// its first filled line (the prostate export is comma-separated).
func sniffComma(data []byte) rune {
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if !bytes.ContainsRune(line, ';') && bytes.ContainsRune(line, ',') {
			return ','
		}
		return ';'
	}
	return ';'
}
