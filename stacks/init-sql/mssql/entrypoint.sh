#!/bin/bash
# Starts SQL Server, runs the init scripts once recovery has finished, then stays in the foreground.
# The image has no init-script hook, so this wrapper is the entrypoint of the embedded container.
set -euo pipefail

/opt/mssql/bin/sqlservr &
server_pid=$!
trap 'kill -TERM "$server_pid"; wait "$server_pid"' TERM INT

export SQLCMDPASSWORD="$MSSQL_SA_PASSWORD"
sqlcmd=(/opt/mssql-tools18/bin/sqlcmd -S 127.0.0.1 -U sa -C -b)

# Poll until the server accepts logins after recovery; give up if sqlservr died.
until "${sqlcmd[@]}" -Q "SET NOCOUNT ON; SELECT 1" >/dev/null 2>&1; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "meter-master init: sqlservr exited before accepting connections" >&2
    exit 1
  fi
  sleep 1
done

for script in /opt/meter-master/init/*.sql; do
  echo "meter-master init: running $script"
  "${sqlcmd[@]}" -i "$script" \
    -v DebeziumPassword="$MSSQL_DEBEZIUM_PASSWORD" MeterMasterPassword="$MSSQL_METER_MASTER_PASSWORD"
done
echo "meter-master init: done"

wait "$server_pid"
