#!/bin/bash
# docker-entrypoint-initdb.d hook: creates the Debezium login with the replication grants Debezium documents.
set -euo pipefail
pw=${MYSQL_DEBEZIUM_PASSWORD//\'/\'\'}
# Default connection: the init-time server's socket in the container; MYSQL_HOST/MYSQL_TCP_PORT in tests.
mysql -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
CREATE USER IF NOT EXISTS 'debezium'@'%' IDENTIFIED BY '${pw}';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'debezium'@'%';
FLUSH PRIVILEGES;
SQL
# Incremental snapshots (resync): Debezium writes its watermarks to the signal table 01 created.
# Only when that table exists, so the script also runs against a server without the demo database.
db=${MYSQL_DATABASE:-meterdb}
has_signal=$(mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -N -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '${db}' AND table_name = 'debezium_signal'")
if [ "$has_signal" = "1" ]; then
  mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -e "GRANT INSERT, DELETE ON \`${db}\`.debezium_signal TO 'debezium'@'%'; FLUSH PRIVILEGES;"
fi
