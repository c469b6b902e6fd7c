-- Two clocks per figure (DESIGN.md, December 2026): when the publisher
-- released it, next to when kpv recorded it, and the publisher's release
-- (NORDCAN "9.2", "9.6") as a label.
--
-- published_at: a snapshot row's citation date (the first day of the month
-- or year where only that is known); a fetched figure's publisher date
-- (JSON-stat "updated", else Last-Modified), else the fetch; a submission's
-- date given by the owner, else its time. NULL only for figures recorded
-- before this migration: readers take recorded_at for them, which is what
-- kpv knew.
--
-- A yearly report's default cut-off is "published by": the latest revision
-- of each figure recorded by the report's as_of (now, by default) whose
-- published_at (or recorded_at) lies before the end of the year. as_of
-- still reproduces a report as kpv held it at a moment.
--
-- release: the publisher's release label, '' where the publisher has none.
-- A new release's recomputed periods are new revisions carrying the new
-- label; ranks and changes are computed within one release.

-- +goose Up
ALTER TABLE observations ADD COLUMN published_at timestamptz;
ALTER TABLE observations ADD COLUMN release text NOT NULL DEFAULT '';
CREATE INDEX observations_published ON observations (published_at);

-- The view's * was expanded when it was made: make it again so it carries
-- the new columns (appended, so CREATE OR REPLACE is allowed).
CREATE OR REPLACE VIEW current_observations AS
SELECT DISTINCT ON (indicator_id, period, geography, breakdown) *
FROM observations
ORDER BY indicator_id, period, geography, breakdown, revision DESC;

-- +goose Down
DROP VIEW current_observations;
DROP INDEX observations_published;
ALTER TABLE observations DROP COLUMN release;
ALTER TABLE observations DROP COLUMN published_at;
CREATE VIEW current_observations AS
SELECT DISTINCT ON (indicator_id, period, geography, breakdown) *
FROM observations
ORDER BY indicator_id, period, geography, breakdown, revision DESC;
