-- The login Debezium uses. Run with: psql -v debezium_password=... (never a literal here).
SELECT format('CREATE ROLE debezium WITH LOGIN REPLICATION PASSWORD %L', :'debezium_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'debezium') \gexec
SELECT format('ALTER ROLE debezium WITH PASSWORD %L', :'debezium_password') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO debezium', current_database()) \gexec
GRANT USAGE ON SCHEMA public TO debezium;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO debezium;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO debezium;
-- Incremental snapshots: Debezium writes its window watermarks to the signal table, and resync
-- (which logs in as this user) inserts the execute-snapshot signal.
GRANT INSERT, DELETE ON public.debezium_signal TO debezium;
