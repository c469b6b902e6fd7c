package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"
)

// maxRequestID is the longest client X-Request-Id kpv keeps.
const maxRequestID = 64

// requestID names each request in the log and the audit log: the client's
// X-Request-Id if it is short and of a safe alphabet (letters, digits,
// '.', '_', ':', '-'), else one kpv makes. An id taken unchecked once let an
// anonymous client write a megabyte of audit per refused request, and a
// formula into the admin's audit CSV. The id is sent back in the answer.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(middleware.RequestIDHeader)
		if !safeRequestID(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = "kpv-" + hex.EncodeToString(b)
		}
		w.Header().Set(middleware.RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), middleware.RequestIDKey, id)))
	})
}

func safeRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
