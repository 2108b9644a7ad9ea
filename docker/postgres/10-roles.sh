#!/bin/sh
# Run once, when the database volume is first created (the postgres image runs
# /docker-entrypoint-initdb.d/ as its superuser). Two roles: mis_owner owns the
# schema and runs migrations; mis_app is what the web server, worker and beat
# connect as. mis_app gets its table rights from `manage.py grant_app_role`
# after each migrate: it may read and add to the access log, never change,
# empty or alter it (docs/governance.md).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE mis_owner LOGIN PASSWORD '${MIS_OWNER_DB_PASSWORD}';
CREATE ROLE mis_app LOGIN PASSWORD '${MIS_APP_DB_PASSWORD}';
CREATE DATABASE mis OWNER mis_owner;
REVOKE ALL ON DATABASE mis FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE mis TO mis_app;
SQL
