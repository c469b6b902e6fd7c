package api

import (
	"testing"

	"github.com/kraeftplan/kpv/internal/testkit"
)

// An incremental report builder holds two assessments (188 MiB at a
// million figures): only the liveBuilders years most recently asked for
// keep one, and a year asked for again keeps the builder it had.
func TestLiveReportBuildersAreBounded(t *testing.T) {
	cat := testkit.Catalogue(t)
	c := &reportCache{}
	b2026 := c.liveBuilder(cat, 2026)
	c.liveBuilder(cat, 2025)
	if c.liveBuilder(cat, 2026) != b2026 {
		t.Error("2026 asked for again got a new builder; want the one it had")
	}
	c.liveBuilder(cat, 2027) // 2025 is now the least recently asked for
	if len(c.live) != liveBuilders {
		t.Errorf("%d builders kept, want %d", len(c.live), liveBuilders)
	}
	if c.live[2025] != nil || c.live[2026] != b2026 || c.live[2027] == nil {
		t.Errorf("kept years %v, want 2026 (the same builder) and 2027", c.liveUsed)
	}
}
