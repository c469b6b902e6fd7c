package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"
)

// progress shows how `kpv ingest --file` reads a large file, on one line
// rewritten in place (rows read, rate, share of the file), then a one-line
// summary. It writes nothing unless its output is a terminal: a log file,
// a pipe or a scheduled run sees only the usual outcome line.
type progress struct {
	w       io.Writer
	tty     bool
	label   string
	now     func() time.Time
	start   time.Time
	last    time.Time // when the line was last drawn
	drawn   bool      // a progress line is on screen
	every   time.Duration
	started bool
}

// newProgress writes to f when f is a terminal, else stays silent.
func newProgress(f *os.File, label string) *progress {
	return &progress{w: f, tty: term.IsTerminal(int(f.Fd())), label: label, now: time.Now, every: 200 * time.Millisecond}
}

// Progress redraws the line at most every p.every.
func (p *progress) Progress(rows int, read, size int64) {
	if !p.tty {
		return
	}
	now := p.now()
	if !p.started {
		p.start, p.started = now, true
	}
	if p.drawn && now.Sub(p.last) < p.every {
		return
	}
	p.last, p.drawn = now, true
	// \r and "erase to end of line": the line shrinks without leftovers.
	fmt.Fprintf(p.w, "\r\x1b[K%s: %s rows, %s rows/s, %s of %s (%s)",
		p.label, thousands(int64(rows)), thousands(int64(rate(rows, now.Sub(p.start)))), bytesText(read), bytesText(size), share(read, size))
}

// Finished replaces the progress line with the summary.
func (p *progress) Finished(rows int, size int64) {
	if !p.tty {
		return
	}
	now := p.now()
	if !p.started {
		p.start = now
	}
	el := now.Sub(p.start)
	clear := ""
	if p.drawn {
		clear = "\r\x1b[K"
	}
	fmt.Fprintf(p.w, "%s%s: read %s rows (%s) in %s, %s rows/s\n",
		clear, p.label, thousands(int64(rows)), bytesText(size), el.Round(100*time.Millisecond), thousands(int64(rate(rows, el))))
	p.drawn = false
}

func rate(rows int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(rows) / d.Seconds()
}

func share(read, size int64) string {
	if size <= 0 {
		return "–"
	}
	return strconv.FormatFloat(100*float64(min(read, size))/float64(size), 'f', 0, 64) + " %"
}

// thousands groups digits with commas: 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return neg + s
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
