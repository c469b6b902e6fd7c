-- +goose Up
-- What kpv last fetched from each source, for conditional requests
-- (ETag / Last-Modified) and so that an unchanged publication is not parsed
-- again. The hash covers the payload and the source's mapping.
CREATE TABLE source_fetches (
    source_id      text        PRIMARY KEY REFERENCES sources(id),
    origin         text        NOT NULL,
    etag           text,
    last_modified  text,
    content_sha256 text        NOT NULL,
    checked_at     timestamptz NOT NULL,
    changed_at     timestamptz NOT NULL,
    run_id         bigint      REFERENCES ingest_runs(id)
);

-- Scheduled ticks claimed by a replica: the first replica to insert a
-- source's tick runs it, so N replicas run each scheduled job once.
CREATE TABLE source_ticks (
    source_id  text        NOT NULL REFERENCES sources(id),
    due_at     timestamptz NOT NULL,
    claimed_by text        NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, due_at)
);

-- +goose Down
DROP TABLE source_ticks;
DROP TABLE source_fetches;
