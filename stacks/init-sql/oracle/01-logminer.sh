#!/bin/bash
# gvenzl/oracle-free runs /container-entrypoint-initdb.d once, on an empty data volume.
# Archive log mode and supplemental logging, as Debezium's LogMiner adapter requires.
set -euo pipefail
mkdir -p /opt/oracle/oradata/recovery_area
sqlplus -s / as sysdba <<'SQL'
WHENEVER SQLERROR EXIT SQL.SQLCODE
ALTER SYSTEM SET db_recovery_file_dest_size = 10G;
ALTER SYSTEM SET db_recovery_file_dest = '/opt/oracle/oradata/recovery_area' SCOPE = SPFILE;
SHUTDOWN IMMEDIATE
STARTUP MOUNT
ALTER DATABASE ARCHIVELOG;
ALTER DATABASE OPEN;
ALTER PLUGGABLE DATABASE ALL OPEN;
ALTER PLUGGABLE DATABASE ALL SAVE STATE;
ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;
EXIT
SQL
