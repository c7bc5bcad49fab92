#!/usr/bin/env bash
# Lets the compose file's hot standby (postgres-standby) replicate from this primary: a `replicator`
# role that may only stream WAL, with its password from .env, and a pg_hba.conf line that admits it
# to replication connections from any address (the image's `host all all all` line does not cover
# them: `all` matches no replication connection).
#
# The postgres image runs it from /docker-entrypoint-initdb.d when it creates the database (an
# empty volume), as the postgres user against a server on the local socket. It may be run again,
# on a database made before it existed too:
#   docker compose exec -u postgres postgres bash /docker-entrypoint-initdb.d/replication.sh
# The image runs executable scripts and sources the others into its own shell (which has set -e
# already): either way a failure here stops the initialisation, and nothing here exits otherwise.
set -e

if [ -z "${POSTGRES_REPLICATION_PASSWORD:-}" ]; then
	echo "postgres-primary-init: POSTGRES_REPLICATION_PASSWORD is not set" >&2
	false
fi

replication_psql() {
	psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" "$@"
}

# The password travels as a psql variable, quoted by psql (:'password'), never spliced into SQL.
replication_psql --set password="$POSTGRES_REPLICATION_PASSWORD" <<-'SQL'
	SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator') AS missing \gset
	\if :missing
	  CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
	\else
	  ALTER ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
	\endif
SQL

HBA_LINE="host replication replicator all scram-sha-256"
if ! grep -qxF "$HBA_LINE" "$PGDATA/pg_hba.conf"; then
	printf '\n# The standby (deploy/postgres-primary-init.sh)\n%s\n' "$HBA_LINE" >>"$PGDATA/pg_hba.conf"
fi
# pg_hba.conf is read at start and on reload: a server already running takes the line now.
replication_psql --quiet --tuples-only --command "SELECT pg_reload_conf()" >/dev/null
