package ingest

import (
	"io"
	"net/http"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/ingest/tabular"
)

// format is what ingest does with one catalogue format. Each lives in its
// own file (format_*.go); a new format is that file, its entry below and
// its constant in indicators/format.go. TestEveryFormatIsRegistered fails
// when a format of the catalogue has no entry here.
type format struct {
	// read reads a publication held whole into b; nil for a format whose
	// figures are submitted, not fetched.
	read func(b *batch, name string, data []byte) error
	// json says the publication is a JSON document; to the other formats
	// a JSON answer means the URL or file is the wrong one.
	json bool
	// streams, if set, says whether a publication (its name and first
	// bytes) is read as it goes by stream rather than whole: the bulk case.
	streams func(name string, head []byte) bool
	// stream reads a publication row by row into b; header, if set, is told
	// where cells are once the header is found.
	stream func(b *batch, name string, in io.ReadSeeker, header func(where func(row int) string)) error
	// request builds the HTTP request for a source; nil is a plain GET of
	// its URL.
	request func(src *indicators.Source) (*http.Request, error)
}

// formats is the registry: every indicators.Format has an entry.
var formats = map[indicators.Format]format{
	indicators.FormatJSONStat:        {read: readJSONStat, json: true, request: jsonstatRequest},
	indicators.FormatNordcanSurvival: {read: readNordcan},
	indicators.FormatTable:           {read: readTableData, streams: tabular.IsCSV, stream: readCSVTable},
	// Figures arrive through the API (ReadSubmittedCSV); nothing to fetch.
	indicators.FormatSubmission: {},
	// NORDCAN's incidence and mortality endpoint; the release is in the
	// catalogue's URL, so a plain GET.
	indicators.FormatNordcanAPI: {read: readNordcanAPI, json: true},
}

// newRequest builds the HTTP request for a source: its format's request
// builder (the statistics offices' APIs), else a plain GET.
func newRequest(src *indicators.Source) (*http.Request, error) {
	if f := formats[src.Format]; f.request != nil {
		return f.request(src)
	}
	return plainGet(src)
}

func plainGet(src *indicators.Source) (*http.Request, error) {
	return http.NewRequest(http.MethodGet, src.URL, nil)
}
