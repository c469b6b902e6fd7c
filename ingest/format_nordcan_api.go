package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// NORDCAN's web app asks a JSON endpoint for incidence and mortality
// (../shared/leads/README.md; no published contract, the release is in the
// path): GET https://gco-api.iarc.fr/api/nordcan/v2/{release}/data/population/
// {types}/{sexes}/{countries}/{cancers}/?ages_group=0_17&year_start=…&year_end=…
// It answers {"dataset":[{country, label, sex, type, year, cancer, asr,
// asr_e, asr_e2013, asr_n, crude_rate, total, total_pop}, …], "error": …}.
//
// mapping.columns.value names the rate to store (asr_e2013: European
// standard population 2013, as Eurostat's; asr_n the Nordic 2000 one);
// mapping.filter.type keeps incidence (0) or mortality (1).

// nordcanAPIFields are the fields every row must have: a row without one
// means NORDCAN changed its answer, and the run fails naming it.
var nordcanAPIFields = []string{"country", "sex", "type", "year", "cancer"}

func readNordcanAPI(b *batch, name string, data []byte) error {
	var doc struct {
		Dataset []map[string]json.RawMessage `json:"dataset"`
		Error   json.RawMessage              `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("%s: not a NORDCAN answer ({\"dataset\":[…],\"error\":…}): %v", name, err)
	}
	if e := strings.TrimSpace(string(doc.Error)); e != "" && e != "null" && e != "false" && e != `""` {
		return fmt.Errorf("%s: NORDCAN answered with an error: %.200s", name, e)
	}
	if doc.Dataset == nil {
		return fmt.Errorf("%s: the answer has no \"dataset\" list (its shape changed, or this is not NORDCAN's data endpoint)", name)
	}
	valueField := b.m.Columns["value"]
	if valueField == "" {
		return fmt.Errorf("%s: the mapping must name the rate to store in columns.value (asr, asr_e, asr_e2013, asr_n, crude_rate)", name)
	}
	for i, row := range doc.Dataset {
		where := fmt.Sprintf("%s: dataset[%d]", name, i)
		var missing []string
		for _, f := range append(slices.Clone(nordcanAPIFields), valueField) {
			if _, ok := row[f]; !ok {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			have := make([]string, 0, len(row))
			for k := range row {
				have = append(have, k)
			}
			slices.Sort(have)
			return fmt.Errorf("%s: NORDCAN's answer changed shape: no field %s (the row has %s)", where, strings.Join(missing, ", "), strings.Join(have, ", "))
		}
		text := func(f string) string {
			var s string
			if json.Unmarshal(row[f], &s) == nil {
				return s
			}
			return strings.TrimSpace(string(row[f]))
		}
		keep := true
		for f, want := range b.m.Filter {
			if _, ok := row[f]; !ok {
				return fmt.Errorf("%s: the mapping filters on %q, which NORDCAN's answer does not have", where, f)
			}
			if text(f) != want {
				keep = false
			}
		}
		if !keep {
			continue
		}
		sex, ok := sexWords[text("sex")]
		if !ok {
			b.reject(where, "sex", "sex %q is not 1, 2 or 0", text("sex"))
			continue
		}
		fields := map[string]string{"period": text("year"), "geography": text("country"), "sex": sex, "cancer_site": text("cancer")}
		raw := text(valueField)
		if raw == "null" || raw == "" {
			b.addValue(where, fields, nil, nil, nil)
			continue
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			b.reject(where, "value", "%s %q is not a number", valueField, raw)
			continue
		}
		b.addValue(where, fields, &v, nil, nil)
	}
	return nil
}
