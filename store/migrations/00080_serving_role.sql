-- +goose Up
-- kpv_app: the role kpv serves as (kpv serve, kpv ingest, kpv token). It owns
-- nothing: the tables belong to the role that runs the migrations, so kpv_app
-- cannot TRUNCATE, ALTER or drop them, nor switch their triggers off (that
-- takes ownership, and session_replication_role takes a superuser). It reads
-- and writes rows as kpv needs:
--   - published versions of the yearly report and the audit log: SELECT and
--     INSERT only (a published version never changes; neither does the audit);
--   - the plan's focus areas, initiatives and funding lines: also DELETE (the
--     catalogue sync replaces them whole);
--   - the migrations' own version table: SELECT only.
-- Roles belong to the whole cluster: the role is created when missing (as for
-- kpv_grafana, 00003); a deployment sets its password.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpv_app') THEN
        IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
            RAISE EXCEPTION 'migration 00080: role kpv_app (the role kpv serves as) is missing and % may not create roles: as a superuser, run CREATE ROLE kpv_app LOGIN, then kpv migrate again', current_user;
        END IF;
        BEGIN
            CREATE ROLE kpv_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created meanwhile by another database's migration
        END;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO kpv_app', current_database());
END
$$;
-- +goose StatementEnd
GRANT USAGE ON SCHEMA public TO kpv_app;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO kpv_app;
REVOKE INSERT, UPDATE ON goose_db_version FROM kpv_app;
REVOKE UPDATE ON published_reports, audit_log FROM kpv_app;
GRANT DELETE ON focus_areas, initiatives, funding TO kpv_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO kpv_app;
-- Tables and sequences later migrations create are kpv's to read and write;
-- a migration that wants less says so with its own REVOKE. The migrating role
-- may be another than the one that ran 00003 (a cluster made before kpv had
-- an owner role): Grafana's reader is granted its default again for it.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO kpv_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO kpv_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO kpv_grafana;

-- +goose Down
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM kpv_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE ON TABLES FROM kpv_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM kpv_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM kpv_app;
REVOKE USAGE ON SCHEMA public FROM kpv_app;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM kpv_app', current_database());
END
$$;
-- +goose StatementEnd
