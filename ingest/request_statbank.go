package ingest

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/kraeftplan/kpv/indicators"
)

// statbankRequest builds Statistics Denmark's StatBank query:
// POST /v1/data {"table":…,"format":"JSONSTAT","lang":…,"variables":[…]}.
func statbankRequest(target string, q *indicators.Request) (*http.Request, error) {
	type variable struct {
		Code   string   `json:"code"`
		Values []string `json:"values"`
	}
	body := struct {
		Table     string     `json:"table"`
		Format    string     `json:"format"`
		Lang      string     `json:"lang,omitempty"`
		Variables []variable `json:"variables"`
	}{Table: q.Table, Format: "JSONSTAT", Lang: q.Lang, Variables: []variable{}}
	for _, v := range q.Variables {
		body.Variables = append(body.Variables, variable(v))
	}
	return jsonRequest(target, body)
}

// jsonRequest POSTs body as JSON to target.
func jsonRequest(target string, body any) (*http.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}
