package view

import "testing"

func TestNumDA(t *testing.T) {
	for v, want := range map[float64]string{67.2: "67,2", -1.5: "−1,5", 3: "3", 0.004: "0", 1234.567: "1.234,57", -0.001: "0", 15432: "15.432", -1234567.8: "−1.234.567,8", 617.6: "617,6"} {
		if got := numDA(v); got != want {
			t.Errorf("numDA(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestAfterLabel(t *testing.T) {
	for _, c := range []struct{ label, reason, want string }{
		{"Kan ikke afgøres endnu", "Kan ikke afgøres endnu efter reglen: 4 af 7 har tal.", "Efter reglen: 4 af 7 har tal."},
		{"Cannot be decided yet", "Cannot be decided yet by the rule: 4 of 7 have figures.", "By the rule: 4 of 7 have figures."},
		{"Ikke på rette spor", "Ikke på rette spor efter reglen: én indikator.", "Efter reglen: én indikator."},
		{"På rette spor", "Ikke på rette spor efter reglen.", "Ikke på rette spor efter reglen."},
	} {
		if got := AfterLabel(c.label, c.reason); got != c.want {
			t.Errorf("AfterLabel(%q, %q) = %q, want %q", c.label, c.reason, got, c.want)
		}
	}
}

func TestSummaryLine(t *testing.T) {
	one := GoalSummary{Indicators: 1, OffTrack: 1}
	if got := one.LineDA(); got != "1 indikator: 0 på rette spor, 1 ikke på rette spor, 0 med tal, der endnu ikke afgør det, 0 uden tal." {
		t.Errorf("LineDA: %q", got)
	}
	if got := one.LineEN(); got != "1 indicator: 0 on track, 1 off track, 0 with figures that do not decide it yet, 0 without figures." {
		t.Errorf("LineEN: %q", got)
	}
	if got := (GoalSummary{Indicators: 10, OffTrack: 1, Undecided: 5, NotAssessable: 4}).LineDA(); got != "10 indikatorer: 0 på rette spor, 1 ikke på rette spor, 5 med tal, der endnu ikke afgør det, 4 uden tal." {
		t.Errorf("LineDA: %q", got)
	}
}
