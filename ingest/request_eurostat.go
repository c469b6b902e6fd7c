package ingest

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/kraeftplan/kpv/indicators"
)

// eurostatRequest builds a query to Eurostat's dissemination API:
// GET …/statistics/1.0/data/{dataset}?lang=EN&unit=RT&geo=DK&geo=FI…, a
// parameter repeated for each value (Eurostat does not take lists), the
// answer JSON-stat 2.0. Variables are dimension codes (geo, sex, icd10…)
// or Eurostat's own time filters (sinceTimePeriod, untilTimePeriod).
func eurostatRequest(target string, q *indicators.Request) (*http.Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("eurostat request: url %q is not an http(s) address", target)
	}
	params := u.Query()
	if q.Lang != "" {
		params.Set("lang", q.Lang)
	}
	for _, v := range q.Variables {
		params.Del(v.Code)
		for _, val := range v.Values {
			params.Add(v.Code, val)
		}
	}
	u.RawQuery = params.Encode()
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}
