package ingest

import "io"

// ProgressReporter is told how a local file is read, for a person waiting
// at a terminal (kpv ingest --file). It is never called for scheduled runs.
type ProgressReporter interface {
	// Progress is called as a streamed CSV table is read: rows read so far
	// (good and bad) and bytes read of the file's size.
	Progress(rows int, read, size int64)
	// Finished is called once reading and parsing ended, before the run's
	// outcome is logged: the rows read (or figures parsed, for a file read
	// whole) and the file's size.
	Finished(rows int, size int64)
}

// countingReader tells onRead the position after every read.
type countingReader struct {
	r      io.ReadSeeker
	pos    int64
	onRead func(pos int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.pos += int64(n)
	if n > 0 {
		c.onRead(c.pos)
	}
	return n, err
}

func (c *countingReader) Seek(off int64, whence int) (int64, error) {
	pos, err := c.r.Seek(off, whence)
	if err == nil {
		c.pos = pos
	}
	return pos, err
}
