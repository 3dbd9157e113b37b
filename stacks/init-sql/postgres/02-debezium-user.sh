#!/bin/bash
# docker-entrypoint-initdb.d hook: passes the password from the environment as a psql variable.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v debezium_password="$POSTGRES_DEBEZIUM_PASSWORD" \
  -f /opt/meter-master/init/debezium-user.sql
