-- +goose Up
-- The plan's own follow-up (issue 16): status reports per initiative,
-- spending per funding line and commentary on indicators, each a
-- submission for a year. Nothing is updated in place: every submission is
-- a new row, the latest per (kind, subject, year) by a moment is what was
-- held then, and the earlier ones are its history.
CREATE TABLE plan_submissions (
    id           bigserial   PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('status', 'spending', 'commentary')),
    -- initiative:5, funding:senfoelger-regioner, indicator:g1_unmet_need
    subject      text        NOT NULL,
    year         int         NOT NULL CHECK (year BETWEEN 2025 AND 2100),
    org          text        NOT NULL REFERENCES organisations(id),
    token_id     bigint      REFERENCES api_tokens(id),
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    body         jsonb       NOT NULL
);
CREATE INDEX plan_submissions_key ON plan_submissions (kind, subject, year, id DESC);
CREATE INDEX plan_submissions_year ON plan_submissions (year, recorded_at);

-- A published (approved) report: the exact bytes served for each format,
-- with their SHA-256, frozen. A corrected report is a new version.
CREATE TABLE published_reports (
    year         int         NOT NULL,
    version      int         NOT NULL CHECK (version >= 1),
    format       text        NOT NULL CHECK (format IN ('json', 'csv', 'html', 'xlsx')),
    body         bytea       NOT NULL,
    sha256       text        NOT NULL,
    cut_off      timestamptz NOT NULL,
    approved_at  timestamptz NOT NULL DEFAULT now(),
    token_id     bigint      REFERENCES api_tokens(id),
    org          text        NOT NULL,
    changes      jsonb       NOT NULL DEFAULT '[]',
    PRIMARY KEY (year, version, format)
);

-- Published is published: the database itself refuses to change one.
-- +goose StatementBegin
CREATE FUNCTION published_reports_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published report % version % is frozen: approve a new version instead', OLD.year, OLD.version;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER published_reports_frozen BEFORE UPDATE OR DELETE ON published_reports
    FOR EACH ROW EXECUTE FUNCTION published_reports_frozen();

-- Grafana reads the submissions (status, money); the frozen report bytes
-- are served by kpv, not dashboards.
REVOKE ALL ON published_reports FROM kpv_grafana;

-- +goose Down
DROP TABLE published_reports;
DROP FUNCTION published_reports_frozen();
DROP TABLE plan_submissions;
