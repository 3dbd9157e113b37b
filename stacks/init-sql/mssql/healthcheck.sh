#!/bin/bash
# Healthy only when SQL Server Agent runs (a stopped Agent yields no CDC events and no error)
# and CDC is enabled on every captured table given as an argument (schema.table in MeterSource).
set -euo pipefail
export SQLCMDPASSWORD="$MSSQL_SA_PASSWORD"
checks="IF NOT EXISTS (SELECT 1 FROM master.dbo.sysprocesses WHERE program_name LIKE N'SQLAgent%') RAISERROR('SQL Server Agent is not running', 16, 1);"
for table in "$@"; do
  checks+=" IF NOT EXISTS (SELECT 1 FROM MeterSource.sys.tables t JOIN MeterSource.sys.schemas s ON s.schema_id = t.schema_id WHERE s.name + N'.' + t.name = N'${table}' AND t.is_tracked_by_cdc = 1) RAISERROR('CDC is not enabled on ${table}', 16, 1);"
done
if [ -f /opt/meter-master/init/20-meter-master.sql ]; then
  checks+=" IF DB_ID(N'MeterMaster') IS NULL RAISERROR('database MeterMaster is missing', 16, 1);"
fi
exec /opt/mssql-tools18/bin/sqlcmd -S 127.0.0.1 -U sa -C -b -h -1 -Q "SET NOCOUNT ON; ${checks}"
