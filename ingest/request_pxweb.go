package ingest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kraeftplan/kpv/indicators"
)

// pxwebV1Request builds the query of the PxWeb API v1 (Statistics Norway,
// Sweden, Finland, Iceland): POST TABLE.px
// {"query":[{"code":…,"selection":{"filter":"item","values":[…]}}],"response":{"format":"json-stat2"}}.
func pxwebV1Request(target string, q *indicators.Request) (*http.Request, error) {
	type selection struct {
		Filter string   `json:"filter"`
		Values []string `json:"values"`
	}
	type query struct {
		Code      string    `json:"code"`
		Selection selection `json:"selection"`
	}
	body := struct {
		Query    []query           `json:"query"`
		Response map[string]string `json:"response"`
	}{Query: []query{}, Response: map[string]string{"format": "json-stat2"}}
	for _, v := range q.Variables {
		sel := selection{Filter: "item", Values: v.Values}
		if slices.Equal(v.Values, []string{"*"}) {
			sel.Filter = "all"
		}
		body.Query = append(body.Query, query{v.Code, sel})
	}
	return jsonRequest(target, body)
}

// pxwebV2Request builds the query of the PxWeb API v2:
// GET /tables/{id}/data?lang=…&outputFormat=json-stat2&valuecodes[X]=a,b.
func pxwebV2Request(target string, q *indicators.Request) (*http.Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	params := u.Query()
	params.Set("outputFormat", "json-stat2")
	if q.Lang != "" {
		params.Set("lang", q.Lang)
	}
	for _, v := range q.Variables {
		params.Set("valuecodes["+v.Code+"]", strings.Join(v.Values, ","))
	}
	u.RawQuery = params.Encode()
	return http.NewRequest(http.MethodGet, u.String(), nil)
}
