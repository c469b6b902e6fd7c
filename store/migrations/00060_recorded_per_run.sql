-- When a figure was recorded is its run's, not its own (issue 18).
--
-- Every figure a run writes is written in the run's one transaction and
-- stamped with that transaction's start (now()): the same instant for all
-- of them. Kept on each figure it was eight bytes a figure repeated a
-- million times; kept on the run it is eight bytes a run. The figure's
-- publication date, which a publisher gives row by row, stays on the
-- figure (empty for figures recorded before kpv kept it: they count as
-- published when recorded).
--
-- The move checks that every run's figures share one recording time and
-- stops, naming the run, if one does not. The views keep their columns.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    bad record;
BEGIN
    SELECT run_id, count(DISTINCT recorded_at) AS n INTO bad
    FROM (SELECT run_id, recorded_at FROM figures UNION ALL SELECT run_id, recorded_at FROM figure_history) f
    GROUP BY run_id HAVING count(DISTINCT recorded_at) > 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'migration 00060: the figures of run % were recorded at % different times: the recording time cannot be kept as the run''s',
            bad.run_id, bad.n;
    END IF;
END
$$;
-- +goose StatementEnd

ALTER TABLE ingest_runs ADD COLUMN recorded_at timestamptz;
COMMENT ON COLUMN ingest_runs.recorded_at IS 'the start of the transaction that wrote the run''s figures: when each of them was recorded';
UPDATE ingest_runs r SET recorded_at = f.recorded_at
FROM (SELECT DISTINCT run_id, recorded_at FROM figures
      UNION SELECT DISTINCT run_id, recorded_at FROM figure_history) f
WHERE f.run_id = r.id;

DROP VIEW current_observations;
DROP VIEW observations;
ALTER TABLE figures DROP COLUMN recorded_at;
ALTER TABLE figure_history DROP COLUMN recorded_at;

-- The old table's rows and columns, every revision.
CREATE VIEW observations AS
SELECT f.id, s.indicator_id, p.period, p.period_start, p.period_end, s.geography, s.breakdown, s.dims,
       f.revision, f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper, f.suppressed,
       r.source_id, f.run_id, r.recorded_at, f.published_at, f.release
FROM (SELECT * FROM figures UNION ALL SELECT * FROM figure_history) f
JOIN series s ON s.id = f.series_id
JOIN periods p ON p.id = f.period_id
JOIN ingest_runs r ON r.id = f.run_id;

-- The latest revision of every figure.
CREATE VIEW current_observations AS
SELECT f.id, s.indicator_id, p.period, p.period_start, p.period_end, s.geography, s.breakdown, s.dims,
       f.revision, f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper, f.suppressed,
       r.source_id, f.run_id, r.recorded_at, f.published_at, f.release
FROM figures f
JOIN series s ON s.id = f.series_id
JOIN periods p ON p.id = f.period_id
JOIN ingest_runs r ON r.id = f.run_id;

GRANT SELECT ON observations, current_observations TO kpv_grafana;

-- +goose Down
DROP VIEW current_observations;
DROP VIEW observations;
ALTER TABLE figures ADD COLUMN recorded_at timestamptz;
ALTER TABLE figure_history ADD COLUMN recorded_at timestamptz;
UPDATE figures f SET recorded_at = COALESCE(r.recorded_at, r.started_at) FROM ingest_runs r WHERE r.id = f.run_id;
UPDATE figure_history f SET recorded_at = COALESCE(r.recorded_at, r.started_at) FROM ingest_runs r WHERE r.id = f.run_id;
ALTER TABLE figures ALTER COLUMN recorded_at SET NOT NULL, ALTER COLUMN recorded_at SET DEFAULT now();
ALTER TABLE figure_history ALTER COLUMN recorded_at SET NOT NULL, ALTER COLUMN recorded_at SET DEFAULT now();
ALTER TABLE ingest_runs DROP COLUMN recorded_at;

CREATE VIEW observations AS
SELECT f.id, s.indicator_id, p.period, p.period_start, p.period_end, s.geography, s.breakdown, s.dims,
       f.revision, f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper, f.suppressed,
       r.source_id, f.run_id, f.recorded_at, f.published_at, f.release
FROM (SELECT * FROM figures UNION ALL SELECT * FROM figure_history) f
JOIN series s ON s.id = f.series_id
JOIN periods p ON p.id = f.period_id
JOIN ingest_runs r ON r.id = f.run_id;

CREATE VIEW current_observations AS
SELECT f.id, s.indicator_id, p.period, p.period_start, p.period_end, s.geography, s.breakdown, s.dims,
       f.revision, f.value, f.numerator, f.denominator, f.ci_lower, f.ci_upper, f.suppressed,
       r.source_id, f.run_id, f.recorded_at, f.published_at, f.release
FROM figures f
JOIN series s ON s.id = f.series_id
JOIN periods p ON p.id = f.period_id
JOIN ingest_runs r ON r.id = f.run_id;

GRANT SELECT ON observations, current_observations TO kpv_grafana;
