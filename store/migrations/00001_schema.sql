-- +goose Up
-- The plan catalogue, synchronised from indicators/catalogue.yaml on start.
-- The file is the source of truth; these tables let SQL clients (Grafana,
-- analysts) join figures to the plan.
CREATE TABLE catalogue_syncs (
    id          bigserial PRIMARY KEY,
    version     text        NOT NULL,
    sha256      text        NOT NULL,
    synced_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE goals (
    id        int  PRIMARY KEY,
    key       text NOT NULL UNIQUE,
    name_da   text NOT NULL,
    name_en   text NOT NULL,
    short_da  text NOT NULL,
    short_en  text NOT NULL,
    source    jsonb NOT NULL
);

CREATE TABLE focus_areas (
    id       int  PRIMARY KEY,
    name_da  text NOT NULL,
    name_en  text NOT NULL
);

CREATE TABLE initiatives (
    number      int  PRIMARY KEY,
    name_da     text NOT NULL,
    name_en     text NOT NULL,
    focus_area  int  NOT NULL REFERENCES focus_areas(id),
    goals       int[] NOT NULL,
    summary_da  text NOT NULL,
    summary_en  text NOT NULL,
    lead        text[] NOT NULL,
    source      jsonb NOT NULL
);

-- One row per funding line (or part) and column, as printed.
CREATE TABLE funding (
    table_id     text    NOT NULL,
    line_id      text    NOT NULL,
    parent_id    text,
    name_da      text    NOT NULL,
    name_en      text    NOT NULL,
    recipient    text    NOT NULL,
    initiatives  int[]   NOT NULL,
    column_label text    NOT NULL,
    amount_mdkk  numeric NOT NULL,
    PRIMARY KEY (table_id, line_id, column_label)
);

CREATE TABLE organisations (
    id       text PRIMARY KEY,
    name_da  text NOT NULL,
    name_en  text NOT NULL,
    kind     text NOT NULL,
    region   text,
    active   boolean NOT NULL DEFAULT true
);

CREATE TABLE geographies (
    code         text PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('country', 'region')),
    name_da      text NOT NULL,
    name_en      text NOT NULL,
    iso_numeric  int,
    active       boolean NOT NULL DEFAULT true
);

CREATE TABLE sources (
    id         text PRIMARY KEY,
    name_da    text NOT NULL,
    name_en    text NOT NULL,
    publisher  text NOT NULL,
    format     text NOT NULL,
    url        text,
    schedule   text,
    release    jsonb NOT NULL,
    active     boolean NOT NULL DEFAULT true
);

-- Indicators are never deleted (observations refer to them); one removed
-- from the catalogue is marked inactive.
CREATE TABLE indicators (
    id          text PRIMARY KEY,
    goal_id     int  NOT NULL REFERENCES goals(id),
    name_da     text NOT NULL,
    name_en     text NOT NULL,
    unit        text NOT NULL,
    polarity    text NOT NULL CHECK (polarity IN ('higher_is_better', 'lower_is_better')),
    owner       text NOT NULL REFERENCES organisations(id),
    source_id   text NOT NULL REFERENCES sources(id),
    breakdowns  text[] NOT NULL,
    spec        jsonb NOT NULL,
    active      boolean NOT NULL DEFAULT true
);

-- The run log: every ingest run and every submitted batch, successful or not.
CREATE TABLE ingest_runs (
    id           bigserial PRIMARY KEY,
    source_id    text        NOT NULL REFERENCES sources(id),
    kind         text        NOT NULL CHECK (kind IN ('ingest', 'submission', 'test')),
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    outcome      text        NOT NULL DEFAULT 'running'
                 CHECK (outcome IN ('running', 'success', 'unchanged', 'failed', 'interrupted')),
    read_count      int NOT NULL DEFAULT 0,
    inserted_count  int NOT NULL DEFAULT 0,
    revised_count   int NOT NULL DEFAULT 0,
    unchanged_count int NOT NULL DEFAULT 0,
    rejected_count  int NOT NULL DEFAULT 0,
    error        text,
    detail       jsonb
);
CREATE INDEX ingest_runs_source_started ON ingest_runs (source_id, started_at DESC);

-- Observations: every revision of every figure. A figure is keyed by
-- indicator, period, geography and breakdown; writing the same value again
-- adds nothing, a changed value adds the next revision. Nothing is deleted.
CREATE TABLE observations (
    id             bigserial PRIMARY KEY,
    indicator_id   text    NOT NULL REFERENCES indicators(id),
    period         text    NOT NULL,
    period_start   date    NOT NULL,
    period_end     date    NOT NULL,
    geography      text    NOT NULL REFERENCES geographies(code),
    breakdown      text    NOT NULL DEFAULT '',   -- canonical "k=v,k=v", sorted
    dims           jsonb   NOT NULL DEFAULT '{}', -- the same as an object, for filtering
    revision       int     NOT NULL CHECK (revision >= 1),
    value          double precision,              -- NULL when suppressed
    numerator      double precision,
    denominator    double precision,
    ci_lower       double precision,
    ci_upper       double precision,
    suppressed     boolean NOT NULL DEFAULT false,
    source_id      text    NOT NULL REFERENCES sources(id),
    run_id         bigint  NOT NULL REFERENCES ingest_runs(id),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (indicator_id, period, geography, breakdown, revision),
    CHECK (suppressed = (value IS NULL)),
    CHECK (ci_lower IS NULL OR ci_upper IS NULL OR ci_lower <= ci_upper)
);
CREATE INDEX observations_key_latest ON observations (indicator_id, geography, breakdown, period, revision DESC);
CREATE INDEX observations_run ON observations (run_id);

-- The latest revision of every figure.
CREATE VIEW current_observations AS
SELECT DISTINCT ON (indicator_id, period, geography, breakdown) *
FROM observations
ORDER BY indicator_id, period, geography, breakdown, revision DESC;

-- Who wrote what, when, with what outcome.
CREATE TABLE audit_log (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text NOT NULL,
    action   text NOT NULL,
    target   text NOT NULL,
    outcome  text NOT NULL,
    detail   jsonb
);

-- +goose Down
DROP TABLE audit_log;
DROP VIEW current_observations;
DROP TABLE observations;
DROP TABLE ingest_runs;
DROP TABLE indicators;
DROP TABLE sources;
DROP TABLE geographies;
DROP TABLE organisations;
DROP TABLE funding;
DROP TABLE initiatives;
DROP TABLE focus_areas;
DROP TABLE goals;
DROP TABLE catalogue_syncs;
