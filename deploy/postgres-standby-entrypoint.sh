#!/usr/bin/env bash
# The entrypoint of postgres-standby (docker-compose.yml): a hot standby streaming from the primary.
#
# On an empty volume it first copies the primary with pg_basebackup -R (a standby.signal file, and
# primary_conninfo for the `replicator` role deploy/postgres-primary-init.sh makes), trying again
# every 2 s until the primary answers; then it hands over to the image's own entrypoint, which
# finds a database there and starts the server on it. A volume that holds a database (a standby
# already, or a promoted one) is started as it is.
#
# The copy goes to "$PGDATA.partial" and becomes PGDATA by a rename once pg_basebackup is done, so a
# copy cut short (the container stopped, the primary lost mid-way) is never started as a database:
# the next start throws it away and copies again. Both are on the volume, so PGDATA must be a
# directory inside the volume, not its mount point.
set -Eeuo pipefail

: "${PGDATA:?PGDATA: the data directory of the standby, inside its volume}"
: "${POSTGRES_REPLICATION_PASSWORD:?set POSTGRES_REPLICATION_PASSWORD in .env}"
PRIMARY_HOST=${POSTGRES_PRIMARY_HOST:-postgres}
PRIMARY_PORT=${POSTGRES_PRIMARY_PORT:-5432}

# The image starts as root; like its own entrypoint, give the data to postgres and go on as postgres
# (pg_basebackup's files must be the server's, and the server refuses to run as root).
if [ "$(id -u)" = 0 ]; then
	volume=$(dirname "$PGDATA")
	mkdir -p "$volume"
	chown postgres:postgres "$volume"
	exec gosu postgres bash "${BASH_SOURCE[0]}" "$@"
fi

# As PID 1 the shell would ignore `docker stop`'s signal until the copy ended; waiting on a child
# in the background lets the trap end it at once (the partial copy is thrown away next time).
trap 'exit 143' TERM INT

copy_primary() {
	rm -rf "$PGDATA.partial"
	# -R: standby.signal and primary_conninfo; -X stream: the WAL written during the copy, so it
	# starts consistent; -c fast: a checkpoint now, not a spread one minutes long; -w: never prompt.
	PGPASSWORD=$POSTGRES_REPLICATION_PASSWORD pg_basebackup --host "$PRIMARY_HOST" --port "$PRIMARY_PORT" --username replicator \
		--pgdata "$PGDATA.partial" -R -X stream -c fast -w &
	wait $!
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	until copy_primary; do
		echo "postgres-standby: no copy of $PRIMARY_HOST:$PRIMARY_PORT yet; trying again in 2 s" >&2
		sleep 2 &
		wait $!
	done
	chmod 700 "$PGDATA.partial"
	rm -rf "$PGDATA"
	mv "$PGDATA.partial" "$PGDATA"
	echo "postgres-standby: copied $PRIMARY_HOST:$PRIMARY_PORT; starting as its standby" >&2
fi

exec docker-entrypoint.sh "$@"
