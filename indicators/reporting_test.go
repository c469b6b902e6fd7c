package indicators

import (
	"strings"
	"testing"
)

// Every indicator of the shipped catalogue has a reporting status that
// names its owner, its expected source and release, and how its figures get
// in; goal 2's, which no publisher carries, tell the owner how to submit.
func TestReportingStatus(t *testing.T) {
	c, err := LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		t.Run(ind.ID, func(t *testing.T) {
			rs := c.ReportingStatus(ind)
			if rs.OwnerNameDA == "" || rs.OwnerNameEN == "" || rs.SourceNameDA == "" || rs.ExpectedDA == "" || rs.ExpectedEN == "" || rs.HowDA == "" || rs.HowEN == "" {
				t.Errorf("incomplete: %+v", rs)
			}
			switch rs.Channel {
			case ChannelFetched, ChannelFile, ChannelSubmission, ChannelDerived:
			default:
				t.Errorf("channel %q", rs.Channel)
			}
		})
	}
	for _, tc := range []struct{ id, channel, how string }{
		{"g2_pro_use", ChannelSubmission, "POST /api/v1/indicators/g2_pro_use/observations"},
		{"g2_involved_decisions_lup", ChannelFile, "kpv ingest lup --file"},
		// A derived indicator names its source by name ("… (NORDCAN)"), not its id.
		{"g3_nordic_rank_by_site", ChannelDerived, "(NORDCAN)"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			ind, ok := c.Indicator(tc.id)
			if !ok {
				t.Fatalf("no indicator %s", tc.id)
			}
			rs := c.ReportingStatus(ind)
			if rs.Channel != tc.channel || !strings.Contains(rs.HowEN, tc.how) || !strings.Contains(rs.HowDA, tc.how) {
				t.Errorf("%s: channel %q, how %q / %q; want %q mentioning %q", tc.id, rs.Channel, rs.HowDA, rs.HowEN, tc.channel, tc.how)
			}
			if tc.channel == ChannelDerived && (strings.Contains(rs.HowDA, ind.Derived.From) || strings.Contains(rs.HowEN, ind.Derived.From)) {
				t.Errorf("%s: how %q names its source by id", tc.id, rs.HowDA)
			}
			if tc.channel == ChannelSubmission && !strings.Contains(rs.HowEN, "--org "+ind.Owner) {
				t.Errorf("%s: how %q does not name the owner's token", tc.id, rs.HowEN)
			}
		})
	}
}
