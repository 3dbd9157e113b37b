#!/bin/bash
# The image's own healthcheck.sh only says the database is open; the pipeline also needs archive log
# mode and the demo table, which exist only once every init script has finished.
set -euo pipefail
healthcheck.sh >/dev/null
out=$(sqlplus -s / as sysdba <<'SQL'
SET HEADING OFF FEEDBACK OFF PAGESIZE 0
SELECT 'LOG_MODE=' || log_mode FROM v$database;
ALTER SESSION SET CONTAINER = FREEPDB1;
SELECT 'DEMO_TABLE=' || COUNT(*) FROM all_tables WHERE owner = 'METERS' AND table_name = 'METER_ASSETS';
SELECT 'DBZ_USER=' || COUNT(*) FROM cdb_users WHERE username = 'C##DBZUSER';
EXIT
SQL
)
grep -q 'LOG_MODE=ARCHIVELOG' <<<"$out" || { echo "archive log mode is not on"; exit 1; }
grep -q 'DEMO_TABLE=1' <<<"$out" || { echo "METERS.METER_ASSETS does not exist yet"; exit 1; }
grep -q 'DBZ_USER=1' <<<"$out" || { echo "the Debezium LogMiner user does not exist yet"; exit 1; }
