-- +goose Up
-- Which kpv process opened a run (its application_name, unique per process:
-- kpv:HOST:PID:RANDOM). A run still marked running whose process has no
-- session left in pg_stat_activity belongs to a process that stopped, and
-- kpv serve closes it as interrupted when it starts (several replicas may
-- share the database: a live replica's runs keep their sessions).
ALTER TABLE ingest_runs ADD COLUMN process text;
COMMENT ON COLUMN ingest_runs.process IS 'application_name of the kpv process that opened the run (NULL before migration 00090)';

-- +goose Down
ALTER TABLE ingest_runs DROP COLUMN process;
