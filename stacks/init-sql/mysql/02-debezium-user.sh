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
