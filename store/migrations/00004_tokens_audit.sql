-- +goose Up
-- API tokens for submissions and administration. Only the SHA-256 of a
-- token is kept: tokens are 32 random bytes, so a fast hash is enough (no
-- dictionary to guess from) and lookup is one index probe.
CREATE TABLE api_tokens (
    id            bigserial   PRIMARY KEY,
    token_sha256  bytea       NOT NULL UNIQUE,
    name          text        NOT NULL DEFAULT '',
    role          text        NOT NULL CHECK (role IN ('submitter', 'admin')),
    org           text        NOT NULL REFERENCES organisations(id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);

-- The audit log (created with the schema) gets who by token and
-- organisation, the HTTP status answered, the run a write made and the
-- request it came with.
ALTER TABLE audit_log
    ADD COLUMN token_id    bigint REFERENCES api_tokens(id),
    ADD COLUMN org         text,
    ADD COLUMN status      int,
    ADD COLUMN run_id      bigint REFERENCES ingest_runs(id),
    ADD COLUMN request_id  text,
    ADD COLUMN remote_addr text;
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);

-- Grafana's read-only role (00003) reads every table by default; token
-- hashes and the audit log (who wrote what, from where) are not for
-- dashboards.
REVOKE ALL ON api_tokens, audit_log FROM kpv_grafana;

-- +goose Down
DROP INDEX audit_log_at;
ALTER TABLE audit_log
    DROP COLUMN token_id, DROP COLUMN org, DROP COLUMN status,
    DROP COLUMN run_id, DROP COLUMN request_id, DROP COLUMN remote_addr;
DROP TABLE api_tokens;
