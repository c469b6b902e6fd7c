package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// Fetcher gets a source's publication over HTTP: each attempt has a
// timeout, network errors and 5xx answers are retried with exponential
// backoff, 4xx answers are not (asking again will not help), and the
// previous ETag and Last-Modified make the request conditional.
type Fetcher struct {
	Client *http.Client
	// Timeout bounds each attempt, including reading the body.
	Timeout time.Duration
	// Attempts is how many times to try in all (at least 1).
	Attempts int
	// Backoff is the wait before the second attempt; it doubles after each.
	Backoff time.Duration
	// MaxBytes caps a payload, so a runaway answer cannot exhaust memory.
	MaxBytes int64
	// UserAgent identifies kpv to publishers.
	UserAgent string
}

// DefaultFetcher suits the publishers' APIs: a minute per attempt, four
// attempts over about a minute of backoff.
func DefaultFetcher() *Fetcher {
	return &Fetcher{Client: http.DefaultClient, Timeout: 60 * time.Second, Attempts: 4, Backoff: 5 * time.Second,
		MaxBytes: MaxWholeBytes, UserAgent: "kpv (Kræftplan V follow-up; +https://github.com/kraeftplan/kpv)"}
}

// payload is what a fetch got: the body, or NotModified when the publisher
// answered 304 to a conditional request. A fetched body is spooled to a
// temporary file, so that a large table is read from disk as it is
// ingested rather than held in memory.
type payload struct {
	Origin       string
	Body         io.ReadSeeker
	ETag         string
	LastModified string
	NotModified  bool
	Attempts     int
}

// close lets go of the body (and so of a spooled file).
func (p payload) close() {
	if c, ok := p.Body.(io.Closer); ok {
		c.Close()
	}
}

// statusError is an HTTP answer that is not a success.
type statusError struct {
	Code int
	URL  string
	Body string
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("%s answered %d %s", e.URL, e.Code, http.StatusText(e.Code))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// retryable: network errors and server errors may pass; client errors and
// an oversize payload will not.
func retryable(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.Code >= 500 || se.Code == http.StatusTooManyRequests
	}
	var tooBig *tooLargeError
	return !errors.As(err, &tooBig)
}

type tooLargeError struct{ max int64 }

func (e *tooLargeError) Error() string { return fmt.Sprintf("payload larger than %d bytes", e.max) }

// Fetch gets src, conditional on prev (the last stored fetch, if any).
func (f *Fetcher) Fetch(ctx context.Context, src *indicators.Source, prev *store.FetchState) (payload, error) {
	base, err := newRequest(src)
	if err != nil {
		return payload{}, fmt.Errorf("source %s: build request: %w", src.ID, err)
	}
	attempts := max(f.Attempts, 1)
	wait := f.Backoff
	var lastErr error
	tried := 0
	for tried < attempts {
		tried++
		p, err := f.once(ctx, base, prev)
		p.Attempts = tried
		if err == nil {
			return p, nil
		}
		lastErr = err
		if !retryable(err) || tried == attempts || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return payload{Attempts: tried}, fmt.Errorf("fetch %s: %w (gave up waiting to retry: %v)", base.URL, err, ctx.Err())
		}
		wait *= 2
	}
	return payload{Attempts: tried}, fmt.Errorf("fetch %s after %d attempt(s): %w", base.URL, tried, lastErr)
}

func (f *Fetcher) once(ctx context.Context, base *http.Request, prev *store.FetchState) (payload, error) {
	if f.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
	}
	req := base.Clone(ctx)
	if base.GetBody != nil {
		body, err := base.GetBody()
		if err != nil {
			return payload{}, err
		}
		req.Body = body
	}
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	if prev != nil && prev.Origin == base.URL.String() {
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return payload{}, err
	}
	defer resp.Body.Close()
	p := payload{Origin: base.URL.String(), ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		p.NotModified = true
		return p, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return payload{}, &statusError{Code: resp.StatusCode, URL: p.Origin, Body: string(snippet)}
	}
	limit := f.MaxBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	spool, err := os.CreateTemp("", "kpv-fetch-*")
	if err != nil {
		return payload{}, fmt.Errorf("spool body: %w", err)
	}
	// Unlinked at once: the open file stays readable and disappears when
	// closed, whatever happens to the run.
	os.Remove(spool.Name())
	n, err := io.Copy(spool, io.LimitReader(resp.Body, limit+1))
	if err != nil {
		spool.Close()
		return payload{}, fmt.Errorf("read body: %w", err)
	}
	if n > limit {
		spool.Close()
		return payload{}, &tooLargeError{limit}
	}
	p.Body = spool
	return p, nil
}
