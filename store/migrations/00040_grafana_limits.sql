-- +goose Up
-- kpv_grafana reads for dashboards and nothing else: no temporary tables,
-- no large objects, read-only transactions by default, a statement
-- timeout, an idle-in-transaction timeout and a connection limit, so a
-- dashboard (or whoever has its password) cannot fill the disk, hold locks
-- or take every connection. Role settings belong to the cluster and need
-- CREATEROLE; where kpv's user lacks it, a superuser runs the ALTER ROLE
-- below (the migration says so and goes on).
-- +goose StatementBegin
DO $$
DECLARE
    attempt int := 0;
BEGIN
    -- kpv itself stages every batch in a temporary table; other roles,
    -- kpv_grafana among them, get none (superusers are not limited).
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), current_user);
    IF (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        -- The role's rows are the cluster's, and other databases migrate
        -- too, perhaps at this moment (each test package under make test
        -- does): of two concurrent updates of one row, the later fails with
        -- "tuple concurrently updated". So the role is altered only where
        -- it differs, and a collision is tried again, a moment later, on
        -- what the other committed.
        LOOP
            BEGIN
                IF (SELECT rolconnlimit <> 10 FROM pg_roles WHERE rolname = 'kpv_grafana') THEN
                    ALTER ROLE kpv_grafana CONNECTION LIMIT 10;
                END IF;
                IF NOT (SELECT coalesce(rolconfig, '{}') @> ARRAY['statement_timeout=30s', 'idle_in_transaction_session_timeout=60s',
                        'default_transaction_read_only=on', 'temp_file_limit=256MB'] FROM pg_roles WHERE rolname = 'kpv_grafana') THEN
                    ALTER ROLE kpv_grafana SET statement_timeout = '30s';
                    ALTER ROLE kpv_grafana SET idle_in_transaction_session_timeout = '60s';
                    ALTER ROLE kpv_grafana SET default_transaction_read_only = on;
                    ALTER ROLE kpv_grafana SET temp_file_limit = '256MB';
                END IF;
                EXIT;
            EXCEPTION WHEN internal_error THEN
                attempt := attempt + 1;
                IF SQLERRM <> 'tuple concurrently updated' OR attempt >= 20 THEN
                    RAISE;
                END IF;
                PERFORM pg_sleep(0.01 * attempt);
            END;
        END LOOP;
    ELSE
        RAISE NOTICE 'migration 00040: % may not alter roles: as a superuser, run ALTER ROLE kpv_grafana CONNECTION LIMIT 10 and SET statement_timeout = ''30s'', idle_in_transaction_session_timeout = ''60s'', default_transaction_read_only = on', current_user;
    END IF;
    -- Creating large objects takes no privilege; only a superuser can
    -- take the functions away (in this database).
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        REVOKE EXECUTE ON FUNCTION pg_catalog.lo_create(oid), pg_catalog.lo_creat(integer), pg_catalog.lo_from_bytea(oid, bytea),
            pg_catalog.lo_import(text), pg_catalog.lo_import(text, oid) FROM PUBLIC;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
    IF (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        ALTER ROLE kpv_grafana CONNECTION LIMIT -1;
        ALTER ROLE kpv_grafana RESET statement_timeout;
        ALTER ROLE kpv_grafana RESET idle_in_transaction_session_timeout;
        ALTER ROLE kpv_grafana RESET default_transaction_read_only;
        ALTER ROLE kpv_grafana RESET temp_file_limit;
    END IF;
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        GRANT EXECUTE ON FUNCTION pg_catalog.lo_create(oid), pg_catalog.lo_creat(integer), pg_catalog.lo_from_bytea(oid, bytea),
            pg_catalog.lo_import(text), pg_catalog.lo_import(text, oid) TO PUBLIC;
    END IF;
END
$$;
-- +goose StatementEnd
