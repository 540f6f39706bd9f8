#!/bin/bash
# faultline's PostgreSQL entrypoint.
# First start: initialise the cluster, then create one database and one owner per entry of
# PG_DATABASES ("name:password,name:password"). Every start: exec postgres in the foreground.
# The log line "database system is ready to accept connections" appears once per start.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set (the superuser postgres password)}"

fail() { echo "faultline-postgres: $*" >&2; exit 1; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  # --no-sync: nothing is served before this script ends, and the first checkpoint syncs.
  initdb --no-sync --username=postgres --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  {
    echo "host all all 0.0.0.0/0 scram-sha-256"
    echo "host all all ::/0 scram-sha-256"
  } >> "$PGDATA/pg_hba.conf"
  {
    echo "listen_addresses = '*'"
    echo "unix_socket_directories = '/tmp'"
    echo "max_connections = ${PG_MAX_CONNECTIONS:-200}"
    echo "shared_buffers = 64MB"
    echo "fsync = ${PG_FSYNC:-on}"
  } >> "$PGDATA/postgresql.conf"

  sql=""
  names=""
  IFS=',' read -r -a entries <<< "${PG_DATABASES:-}"
  for entry in "${entries[@]}"; do
    [ -z "$entry" ] && continue
    name=${entry%%:*}
    pass=${entry#*:}
    [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || fail "PG_DATABASES entry '$entry': database name must match [a-z_][a-z0-9_]* (format name:password,name:password)"
    [ "$pass" != "$entry" ] && [ -n "$pass" ] || fail "PG_DATABASES entry '$entry' has no password (format name:password,name:password)"
    pass_sql=${pass//\'/\'\'}
    sql+="CREATE ROLE \"$name\" LOGIN PASSWORD '$pass_sql';"$'\n'
    sql+="CREATE DATABASE \"$name\" OWNER \"$name\";"$'\n'
    names+="$name "
  done
  if [ -n "$sql" ]; then
    # Single-user mode: no listener, so no client can connect before the databases exist.
    printf '%s' "$sql" | postgres --single -c fsync=off -D "$PGDATA" postgres >/dev/null
  fi
  echo "faultline-postgres: initialised $PGDATA; databases: ${names:-none}"
fi

exec postgres -D "$PGDATA" "$@"
