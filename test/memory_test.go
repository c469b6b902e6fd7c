package test

// Bounded memory on any file: the real kpv binary given a hostile file
// refuses it with a message naming the bound and the file, writes nothing,
// and stays within 256 MiB while doing so (its peak resident set, as the
// kernel counts it).

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kraeftplan/kpv/internal/pgtest"
	"github.com/kraeftplan/kpv/internal/testkit"
)

// hostileXLSX writes a workbook of a few hundred kilobytes whose one sheet
// unpacks to about unpacked bytes of repeated cells, streamed through
// archive/zip so that the test itself never holds it.
func hostileXLSX(t *testing.T, path string, unpacked int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Rows of 100 inline-string cells of 4,000 characters each (Excel
	// allows 32,767), which deflate packs a thousand to one.
	cell := `<c t="inlineStr"><is><t>` + strings.Repeat("x", 4000) + `</t></is></c>`
	row := "<row>" + strings.Repeat(cell, 100) + "</row>"
	err = testkit.WriteXLSX(f, func(w *bufio.Writer) {
		for n := int64(0); n < unpacked; n += int64(len(row)) {
			w.WriteString(row)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cellsXLSX writes a workbook of rows×cols number cells.
func cellsXLSX(t *testing.T, path string, rows, cols int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := "<row>" + strings.Repeat(`<c><v>1</v></c>`, cols) + "</row>"
	err = testkit.WriteXLSX(f, func(w *bufio.Writer) {
		for range rows {
			w.WriteString(row)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// longLineCSV writes a CSV file of size bytes: a header line and then one
// line that never ends, as NUL bytes of a sparse file (nothing to write).
func longLineCSV(t *testing.T, path string, size int64) {
	t.Helper()
	head := "År;Region;Antal besvarelser;Antal i høj eller meget høj grad;Andel i høj eller meget høj grad (%)\n2024;Region Hovedstaden;"
	if err := os.WriteFile(path, []byte(head), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

// peakRun runs the command and returns its combined output, its error and
// its peak resident set in MiB. The process is killed once its resident
// set passes kill MiB (so that an unbounded reader fails the test rather
// than the machine); the peak is then at least that.
func peakRun(t *testing.T, cmd *exec.Cmd, kill int64) (out string, peak int64, killed bool, err error) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	kills := make(chan bool, 1)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				kills <- false
				return
			case <-tick.C:
				if rssMiB(cmd.Process.Pid) > kill {
					_ = cmd.Process.Kill()
					kills <- true
					return
				}
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	killed = <-kills
	peak = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss / 1024 // KiB on Linux
	b, _ := os.ReadFile(f.Name())
	return string(b), peak, killed, err
}

// rssMiB is a process's resident set now, from /proc; 0 if gone.
func rssMiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb / 1024
		}
	}
	return 0
}

func TestHostileFilesAreRefusedInBoundedMemory(t *testing.T) {
	bin := buildKPV(t)
	db := pgtest.NewDatabase(t)
	env := []string{"KPV_DATABASE_URL=" + db, "KPV_LOG_LEVEL=warn"}
	runKPV(t, bin, env, "migrate")
	const limit = 256 // MiB, the bound
	dir := t.TempDir()
	for _, c := range []struct {
		name, file string
		write      func(path string)
		want       []string
	}{
		{"xlsx unpacking to 480 MiB", "lup.xlsx", func(p string) { hostileXLSX(t, p, 480<<20) },
			[]string{"lup.xlsx: the workbook unpacks to 480.1 MiB", "more than the 16.0 MiB kpv reads", "nothing was read"}},
		{"xlsx within the unpacked bound, beyond a sheet's cells", "lup-cells.xlsx", func(p string) { cellsXLSX(t, p, 1000, 1000) },
			[]string{`lup-cells.xlsx: sheet "Tabel 1": the sheet has more than 300000 cells`, "nothing was read"}},
		{"csv of 1 GiB without a line break", "lup.csv", func(p string) { longLineCSV(t, p, 1<<30) },
			[]string{"lup.csv: the row after row 1 runs on for more than 1.0 MiB", "more than kpv reads as one row", "nothing was read"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			c.write(path)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "ingest", "lup", "--file", path)
			cmd.Env = append(os.Environ(), env...)
			out, peak, killed, err := peakRun(t, cmd, 4*limit)
			t.Logf("%s: file of %d bytes; kpv ingest exited with %v at a peak of %d MiB\n%s", c.file, st.Size(), err, peak, out)
			if killed {
				t.Fatalf("kpv ingest passed %d MiB and was killed", 4*limit)
			}
			if err == nil {
				t.Fatal("kpv ingest accepted the file")
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if peak > limit {
				t.Errorf("peak resident set %d MiB, want at most %d", peak, limit)
			}
			var figures, failed int
			if err := pgxCount(db, `SELECT (SELECT count(*) FROM observations), (SELECT count(*) FROM ingest_runs WHERE outcome = 'failed')`, &figures, &failed); err != nil {
				t.Fatal(err)
			}
			if figures != 0 || failed == 0 {
				t.Errorf("%d figures stored, %d failed runs logged; want none stored and the run logged as failed", figures, failed)
			}
		})
	}
}
