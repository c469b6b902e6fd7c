package api

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/kraeftplan/kpv/indicators"
)

// secretParams are query parameters whose values are never logged: a
// client that puts its token in the URL (kpv reads it only from the
// Authorization header) must not leave it in the server's log.
var secretParams = []string{"token", "access_token", "api_key", "apikey", "key", "secret", "password", "auth", "authorization"}

// tokenShape is anything shaped like a kpv token (kpv_ and its secret).
var tokenShape = regexp.MustCompile(`kpv_[A-Za-z0-9_\-]+`)

// redactedURI is u's path and query for the log, with secret parameters'
// values and anything shaped like a kpv token replaced, cut to an excerpt.
func redactedURI(u *url.URL) string {
	path := tokenShape.ReplaceAllString(u.Path, "REDACTED") // a token pasted into the path
	if u.RawQuery == "" {
		return indicators.Excerpt(path)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return indicators.Excerpt(path + "?[unparsable query withheld]")
	}
	for name, vs := range q {
		secret := false
		for _, s := range secretParams {
			secret = secret || strings.EqualFold(name, s)
		}
		for i, v := range vs {
			if secret || strings.Contains(v, "kpv_") {
				vs[i] = "REDACTED"
			}
		}
	}
	return indicators.Excerpt(path + "?" + q.Encode())
}
