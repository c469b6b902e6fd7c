package api

import (
	"net/http"
)

// maxAnonymousWrites is how many write requests without a token kpv
// handles at once. Each is refused, but each refusal is audited: without a
// bound, anonymous clients decide how fast kpv writes its audit log.
const maxAnonymousWrites = 16

// limitAnonymousWrites answers 503 with Retry-After to an anonymous write
// beyond maxAnonymousWrites at once, without auditing it; reads and
// requests with a token are not limited.
func limitAnonymousWrites(next http.Handler) http.Handler {
	slots := make(chan struct{}, maxAnonymousWrites)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		default:
			w.Header().Set("Retry-After", "1")
			writeProblem(w, r, Problem{Type: problemUnavailable, Title: "Busy", Status: http.StatusServiceUnavailable,
				Detail: "too many requests without a token at once; writes need a token"})
		}
	})
}
