package api

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/store"
)

// The version a request is given comes from a read that started after the
// request asked (a read already running might not see a write the client
// saw committed), and the requests that arrive while a read runs share the
// one next read instead of a read each: under load, one read per round trip.
func TestVersionReadsShareTheNextRead(t *testing.T) {
	const waiting = 20
	var started atomic.Int64
	release := make(chan struct{}) // closed to let every read finish
	first := make(chan struct{})   // closed when the first read has started
	var once sync.Once
	reads := newVersionReads(func(ctx context.Context, indicator string) (store.IndicatorVersion, error) {
		n := started.Add(1)
		once.Do(func() { close(first) })
		<-release
		return store.IndicatorVersion{MaxChange: n}, nil
	})
	ctx := context.Background()

	firstDone := make(chan store.IndicatorVersion)
	go func() {
		v, err := reads.get(ctx, "x")
		if err != nil {
			t.Error(err)
		}
		firstDone <- v
	}()
	<-first // the first read runs; everyone from here on asked after it started

	var wg, ready sync.WaitGroup
	got := make([]store.IndicatorVersion, waiting)
	for i := range got {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			v, err := reads.get(ctx, "x")
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	// Every waiting request is about to ask; give them time to ask, and to
	// start reads of their own, were they to (the bug this test guards
	// against: a read per request).
	ready.Wait()
	time.Sleep(100 * time.Millisecond)
	if n := started.Load(); n != 1 {
		t.Errorf("%d reads started while the first ran; want the waiting requests to wait for it", n)
	}
	close(release)
	if v := <-firstDone; v.MaxChange != 1 {
		t.Errorf("the first request got read %d, want 1", v.MaxChange)
	}
	wg.Wait()
	for i, v := range got {
		if v.MaxChange != 2 {
			t.Errorf("request %d, which asked while read 1 ran, got read %d: want read 2, started after it asked", i, v.MaxChange)
		}
	}
	if n := started.Load(); n != 2 {
		t.Errorf("%d reads for 1 + %d requests, want 2", n, waiting)
	}
	// Another indicator is read on its own, not behind x's reads.
	if v, err := reads.get(ctx, "y"); err != nil || v.MaxChange != 3 {
		t.Errorf("y: got read %d (%v), want 3", v.MaxChange, err)
	}
}
