-- +goose Up
-- kpv_grafana: the read-only role Grafana's PostgreSQL data source logs in
-- as (grafana/provisioning/datasources/kpv.yaml). Roles belong to the whole
-- cluster while this migration runs once per database, so the role is
-- created only when missing (two databases migrating at once may race:
-- the loser's duplicate is ignored), and the grants are per database.
--
-- The role is created without a password, so it cannot log in with one
-- until the deployment sets it (ALTER ROLE kpv_grafana PASSWORD '…'); the
-- project-local development cluster trusts loopback connections.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpv_grafana') THEN
        IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
            RAISE EXCEPTION 'migration 00003: role kpv_grafana (Grafana''s read-only role) is missing and % may not create roles: as a superuser, run CREATE ROLE kpv_grafana LOGIN, then kpv migrate again', current_user;
        END IF;
        BEGIN
            CREATE ROLE kpv_grafana LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created meanwhile by another database's migration
        END;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO kpv_grafana', current_database());
END
$$;
-- +goose StatementEnd
GRANT USAGE ON SCHEMA public TO kpv_grafana;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO kpv_grafana;
-- Tables later migrations create are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO kpv_grafana;

-- +goose Down
-- Revokes in this database only: other databases of the cluster may still
-- use the role, so it is not dropped.
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM kpv_grafana;
REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM kpv_grafana;
REVOKE USAGE ON SCHEMA public FROM kpv_grafana;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM kpv_grafana', current_database());
END
$$;
-- +goose StatementEnd
