package api

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/kraeftplan/kpv/store"
)

// The page cache holds no more than its bound however many pages are
// asked for, dropping the least recently served first, and does not keep
// a page too large for it.
func TestPageCacheStaysWithinItsBound(t *testing.T) {
	const bound = 1 << 20
	c := newPageCache(bound)
	ctx := context.Background()
	v := store.IndicatorVersion{MaxChange: 1, SumChange: 1, Series: 1}
	renders := 0
	page := func(n int) func() (renderedPage, error) {
		return func() (renderedPage, error) {
			renders++
			return newRenderedPage("application/json", bytes.Repeat([]byte("x"), n)), nil
		}
	}
	for i := range 200 {
		if _, err := c.get(ctx, fmt.Sprint("/page", i), v, page(20_000)); err != nil {
			t.Fatal(err)
		}
		// The first page is served often, so it stays.
		if _, err := c.get(ctx, "/page0", v, page(20_000)); err != nil {
			t.Fatal(err)
		}
	}
	if c.pages.size > bound {
		t.Errorf("the cache holds %d bytes, over its bound of %d", c.pages.size, bound)
	}
	if _, ok := c.pages.entries["/page0"]; !ok {
		t.Error("the most often served page was dropped")
	}
	if _, ok := c.pages.entries["/page1"]; ok {
		t.Error("the least recently served page is still kept")
	}
	if renders != 200 {
		t.Errorf("%d renders for 200 pages, one of them asked for 200 times", renders)
	}
	if _, err := c.get(ctx, "/huge", v, page(bound/4)); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.pages.entries["/huge"]; ok {
		t.Error("a page of a quarter of the bound was kept")
	}
}
