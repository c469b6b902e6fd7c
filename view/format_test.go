package view

import "testing"

func TestNumDA(t *testing.T) {
	for v, want := range map[float64]string{67.2: "67,2", -1.5: "−1,5", 3: "3", 0.004: "0", 1234.567: "1234,57", -0.001: "0"} {
		if got := numDA(v); got != want {
			t.Errorf("numDA(%v) = %q, want %q", v, got, want)
		}
	}
}
