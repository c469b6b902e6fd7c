package indicators

import "testing"

// Every unit an indicator may have says how the report, the alerts and
// Grafana write it, and what it allows: a new unit cannot ship half done.
func TestUnitsAreComplete(t *testing.T) {
	for _, u := range Units() {
		t.Run(string(u), func(t *testing.T) {
			s := units[u]
			if s.nameDA == "" || s.nameEN == "" || s.verb == "" || s.grafana == "" || s.change == "" {
				t.Errorf("incomplete entry: %+v", s)
			}
			if lo, hi := u.Bounds(); !(lo < hi) {
				t.Errorf("bounds [%v, %v]", lo, hi)
			}
		})
	}
}

func TestUnitText(t *testing.T) {
	for _, c := range []struct {
		unit                 Unit
		suffix, change, da   string
		in, out              float64
		inPoints, shareOfAll bool
	}{
		{UnitPercent, "\u00a0%", "\u00a0pp", " %", 47.2, 100.5, true, true},
		{UnitPercentagePoints, "\u00a0pp", "\u00a0pp", " procentpoint", -3, -101, true, false},
		{UnitRank, "", "", ". plads", 1, 0, false, false},
		{UnitRegions, "", "", " regioner", 5, 6, false, false},
	} {
		t.Run(string(c.unit), func(t *testing.T) {
			da, _ := c.unit.Words()
			if c.unit.Suffix() != c.suffix || c.unit.Change().Suffix() != c.change || da != c.da {
				t.Errorf("suffix %q, change %q, Danish %q", c.unit.Suffix(), c.unit.Change().Suffix(), da)
			}
			if !c.unit.Contains(c.in) || c.unit.Contains(c.out) {
				t.Errorf("Contains(%v) or !Contains(%v) fails", c.in, c.out)
			}
			if c.unit.ChangeInPoints() != c.inPoints || c.unit.Share() != c.shareOfAll {
				t.Errorf("ChangeInPoints %v, Share %v", c.unit.ChangeInPoints(), c.unit.Share())
			}
		})
	}
	if Unit("promille").Valid() {
		t.Error("an unknown unit is valid")
	}
}
