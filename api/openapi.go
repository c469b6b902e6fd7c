package api

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// OpenAPISpec is kpv's OpenAPI 3 document as written (YAML): every
// endpoint, its parameters, responses and security. The contract test
// checks that it covers every route and that real responses match it.
//
//go:embed openapi.yaml
var OpenAPISpec []byte

// openAPIJSON is the document served at /openapi.json, loaded and
// converted once.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	doc, err := LoadOpenAPI()
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
})

// LoadOpenAPI parses the embedded document.
func LoadOpenAPI() (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromData(OpenAPISpec)
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	if err := queryParams(r).err(); err != nil {
		return err
	}
	b, err := openAPIJSON()
	if err != nil {
		return err
	}
	writeETagged(w, r, "application/json; charset=utf-8", append(b, '\n'))
	return nil
}
