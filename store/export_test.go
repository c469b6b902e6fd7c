package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// MigrateTo applies the migrations up to version (the migration test
// writes figures in an older schema); MigrateDownTo undoes them back to it.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	defer p.Close()
	_, err = p.UpTo(ctx, version)
	return err
}

func (s *Store) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	defer p.Close()
	_, err = p.DownTo(ctx, version)
	return err
}

// Query runs a query for a test's own checks.
func (s *Store) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return s.pool.Query(ctx, sql, args...)
}

// SplitReadsFrom makes Visible read the figures in parts from a table of
// pages blocks, and work on them side by side however few (the parallel
// read, on a test's small table), until the returned function restores it.
func SplitReadsFrom(pages int64) (restore func()) {
	old, oldFigures := splitFromPages, splitFromFigures
	splitFromPages, splitFromFigures = pages, 1
	return func() { splitFromPages, splitFromFigures = old, oldFigures }
}
