package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/kraeftplan/kpv/indicators"
	"github.com/kraeftplan/kpv/store"
)

// chunkWriter copies a streamed batch's chunks on a goroutine of its own,
// so that the next chunk is read and checked while Postgres inserts the
// last one. The transaction stays on one connection: only this goroutine
// uses it until close. At most chunkBuffers chunks are held besides the
// one the batch is reading, so memory stays flat.
type chunkWriter struct {
	w     *store.ObservationWriter
	queue chan heldChunk // chunks to copy, in order
	free  chan heldChunk // buffers copied and free again
	done  chan struct{}  // closed when the goroutine has ended

	mu     sync.Mutex
	err    error // the first failed copy; later chunks are skipped
	closed bool
}

type heldChunk struct {
	obs   []indicators.Observation
	lines []int
}

// chunkBuffers is how many chunks the writer holds besides the batch's
// own: the one being copied while the batch reads the next.
const chunkBuffers = 1

func newChunkWriter(ctx context.Context, w *store.ObservationWriter) *chunkWriter {
	c := &chunkWriter{w: w, queue: make(chan heldChunk, chunkBuffers-1), free: make(chan heldChunk, chunkBuffers), done: make(chan struct{})}
	for range chunkBuffers {
		c.free <- heldChunk{}
	}
	go func() {
		defer close(c.done)
		for h := range c.queue {
			if c.failed() == nil {
				c.fail(c.copy(ctx, h))
			}
			c.free <- h
		}
	}()
	return c
}

// copy copies one chunk; a panic is an error of the run, as it was when
// the copy ran inside the adapter (whose recover caught it).
func (c *chunkWriter) copy(ctx context.Context, h heldChunk) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("copy of a chunk failed (panic: %v); nothing was written", r)
			slog.Error("ingest copy panic", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	return c.w.Copy(ctx, h.obs, h.lines)
}

func (c *chunkWriter) fail(err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

func (c *chunkWriter) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// write hands a chunk to the goroutine. The batch reuses obs and lines
// once write returns, so they are copied into a free buffer (waiting for
// one while both are in use). A copy that failed is returned by the next
// write, which stops the reading.
func (c *chunkWriter) write(obs []indicators.Observation, lines []int) error {
	if err := c.failed(); err != nil {
		return err
	}
	h := <-c.free
	h.obs = append(h.obs[:0], obs...)
	h.lines = append(h.lines[:0], lines...)
	c.queue <- h
	return nil
}

// close waits for every chunk handed over to be copied and returns the
// first error: a failed copy, else err (what ended the reading). It may
// be called more than once.
func (c *chunkWriter) close(err error) error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	<-c.done
	if werr := c.failed(); werr != nil {
		return werr
	}
	return err
}
