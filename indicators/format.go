package indicators

import "strings"

// Format is how a source's figures reach kpv: read by the ingest runner
// from the publisher's file or API, or submitted through the API. Each
// format has its reader in package ingest (ingest/format_*.go, registered
// in ingest/formats.go); a test there fails when one is missing.
type Format string

// The formats kpv can read.
const (
	// FormatJSONStat is a statistics office's JSON-stat answer (Statistics
	// Denmark's StatBank, the PxWeb offices), asked for with a request.
	FormatJSONStat Format = "jsonstat"
	// FormatNordcanSurvival is NORDCAN's survival export (web table or the
	// long computation output).
	FormatNordcanSurvival Format = "nordcan-survival"
	// FormatTable is a CSV or XLSX table: LUP appendices, the Barometer
	// survey, eSundhed exports.
	FormatTable Format = "table"
	// FormatSubmission is figures no publisher's API carries, submitted by
	// their owners through the API.
	FormatSubmission Format = "submission"
	// FormatNordcanAPI is the JSON answer of NORDCAN's incidence and
	// mortality endpoint ({"dataset":[…],"error":…}).
	FormatNordcanAPI Format = "nordcan-api"
)

// Formats lists every format, in the order messages name them.
func Formats() []Format {
	return []Format{FormatJSONStat, FormatNordcanSurvival, FormatTable, FormatSubmission, FormatNordcanAPI}
}

// Known reports whether f is one of Formats.
func (f Format) Known() bool {
	for _, k := range Formats() {
		if f == k {
			return true
		}
	}
	return false
}

// Fetched reports whether the runner reads f from a URL, a file or a
// shipped snapshot (and so needs a url, a schedule and a mapping).
func (f Format) Fetched() bool {
	return f.Known() && f != FormatSubmission
}

// Submitted reports whether figures of f arrive through the API only:
// there is nothing to fetch, schedule or map.
func (f Format) Submitted() bool { return f == FormatSubmission }

// TakesRequest reports whether a source of f takes a request: block (the
// query sent to a statistics office's API).
func (f Format) TakesRequest() bool { return f == FormatJSONStat }

// TakesMapping reports whether a source of f takes a mapping: block.
func (f Format) TakesMapping() bool { return f.Fetched() }

// RequiredColumn is the mapping.columns key f cannot be read without, and
// what it must name there; "" if none beyond those every mapping needs.
func (f Format) RequiredColumn() (field, names string) {
	switch f {
	case FormatJSONStat:
		return "period", "the dimension that holds the period"
	case FormatTable:
		return "value", "the value column"
	case FormatNordcanAPI:
		return "value", "the rate field to store (asr_e2013, asr_n, …)"
	}
	return "", ""
}

// formatList names the formats for messages.
func formatList() string {
	var names []string
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}
