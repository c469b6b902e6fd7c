package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProgressOnATerminal: with a (fake) terminal the line is redrawn in
// place at most every 200 ms, with rows, rate and share of the file, and
// ends in a one-line summary.
func TestProgressOnATerminal(t *testing.T) {
	var out bytes.Buffer
	clock := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	p := &progress{w: &out, tty: true, label: "lup", now: func() time.Time { return clock }, every: 200 * time.Millisecond}
	const size = 48 << 20
	p.Progress(0, 4096, size) // starts the clock, draws
	clock = clock.Add(100 * time.Millisecond)
	p.Progress(1000, 65536, size) // within 200 ms: not drawn
	clock = clock.Add(1900 * time.Millisecond)
	p.Progress(40000, 12<<20, size) // 2 s in: 20,000 rows/s, a quarter
	clock = clock.Add(48 * time.Second)
	p.Finished(999600, size)

	got := out.String()
	draws := strings.Split(got, "\r\x1b[K")
	if len(draws) != 4 { // "", two progress lines, the summary
		t.Fatalf("want two progress lines and the summary, each after a line reset; got %q", got)
	}
	if want := "lup: 0 rows, 0 rows/s, 4.0 kB of 48.0 MB (0 %)"; draws[1] != want {
		t.Errorf("first line %q, want %q", draws[1], want)
	}
	if want := "lup: 40,000 rows, 20,000 rows/s, 12.0 MB of 48.0 MB (25 %)"; draws[2] != want {
		t.Errorf("second line %q, want %q", draws[2], want)
	}
	if want := "lup: read 999,600 rows (48.0 MB) in 50s, 19,992 rows/s\n"; draws[3] != want {
		t.Errorf("summary %q, want %q", draws[3], want)
	}
	if strings.Count(got, "\n") != 1 {
		t.Errorf("progress lines must be redrawn in place, only the summary ends a line: %q", got)
	}
}

// TestProgressSilentWithoutATerminal: output to a file (a log, a pipe, a
// scheduled run) gets nothing at all.
func TestProgressSilentWithoutATerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "ingest.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := newProgress(f, "lup")
	if p.tty {
		t.Fatal("a regular file was taken for a terminal")
	}
	p.Progress(10, 100, 1000)
	p.Finished(10, 1000)
	if st, _ := f.Stat(); st.Size() != 0 {
		t.Errorf("wrote %d bytes to a file that is not a terminal", st.Size())
	}
	// The same, through the fake flag: nothing written.
	var out bytes.Buffer
	q := &progress{w: &out, tty: false, label: "lup", now: time.Now, every: time.Millisecond}
	q.Progress(10, 100, 1000)
	q.Finished(10, 1000)
	if out.Len() != 0 {
		t.Errorf("wrote %q without a terminal", out.String())
	}
}

// A small file read whole gets only the summary, with no line to clear.
func TestProgressSummaryOnly(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out, tty: true, label: "barometer", now: time.Now, every: time.Second}
	p.Finished(1234, 2048)
	if got := out.String(); !strings.HasPrefix(got, "barometer: read 1,234 rows (2.0 kB) in ") || strings.Contains(got, "\r") {
		t.Errorf("summary %q", got)
	}
}
