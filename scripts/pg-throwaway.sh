#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, CI and the benchmarks.
#
#   scripts/pg-throwaway.sh start <dir>   initdb in <dir>, start on a free port of 127.0.0.1,
#                                         create database "calsreg", print its DATABASE_URL
#   scripts/pg-throwaway.sh stop <dir>    stop the server and remove <dir>
#
# <dir> must be empty or missing on start; stop removes only a directory that start prepared (it
# holds a marker file). The socket lives in <dir>, never in /var/run/postgresql. initdb refuses to
# run as root, so as root the cluster runs as the "postgres" system user (or "nobody" if there is
# none; PG_THROWAWAY_USER=<user> chooses another). The data is throwaway: fsync is off and
# authentication is "trust" on 127.0.0.1 and the socket.
# initdb, pg_ctl and createdb come from PATH (PostgreSQL 15 on our machines).
set -euo pipefail

MARKER=".calsreg-pg-throwaway"
DB_USER="calsreg"
DB_NAME="calsreg"

die() {
  echo "pg-throwaway: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start|stop <dir>" >&2
  exit 2
}

[ $# -eq 2 ] || usage
action="$1"
dir="$2"
[ -n "$dir" ] || usage

# Whom the server runs as: ourselves, or an unprivileged system user when we are root.
run_as="${PG_THROWAWAY_USER:-}"
if [ -z "$run_as" ] && [ "$(id -u)" -eq 0 ]; then
  if id postgres >/dev/null 2>&1; then run_as="postgres"; else run_as="nobody"; fi
fi

as_cluster_user() {
  if [ -z "$run_as" ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u "$run_as" -- "$@"
  else
    su "$run_as" -s /bin/sh -c "$(printf '%q ' "$@")"
  fi
}

bin_dir() {
  local initdb
  initdb="$(command -v initdb)" || die "initdb is not on PATH (install PostgreSQL 15)"
  dirname "$(readlink -f "$initdb")"
}

start() {
  local bin port attempt url
  bin="$(bin_dir)"
  command -v pg_ctl >/dev/null 2>&1 || die "pg_ctl is not on PATH"

  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd -P)"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  touch "$dir/$MARKER"
  if [ -n "$run_as" ]; then
    chown -R "$run_as" "$dir"
    chmod 700 "$dir"
    as_cluster_user test -w "$dir" || die "user $run_as cannot write to $dir (is a parent directory private?)"
  fi

  as_cluster_user "$bin/initdb" -D "$dir/data" -U "$DB_USER" --auth=trust --encoding=UTF8 \
    --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  }

  # Try random high ports until one is free: the server itself is the only reliable test.
  for attempt in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    # pg_ctl starts the server in a session of its own, so a Ctrl-C meant for the caller does not
    # shut it down behind the caller's back; the caller stops it with "stop".
    if as_cluster_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s \
      -o "-p $port -h 127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null 2>&1; then
      echo "$port" >"$dir/port"
      break
    fi
    if ! grep -q "Address already in use\|could not create any TCP/IP sockets\|lock file .* already exists" \
      "$dir/server.log" 2>/dev/null; then
      cat "$dir/server.log" >&2 2>/dev/null || true
      die "the server did not start"
    fi
    port=""
    : >"$dir/server.log"
  done
  [ -n "${port:-}" ] || die "no free port found after $attempt attempts"

  if ! as_cluster_user "$bin/createdb" -h "$dir" -p "$port" -U "$DB_USER" "$DB_NAME"; then
    as_cluster_user "$bin/pg_ctl" -D "$dir/data" -m immediate -s stop >/dev/null 2>&1 || true
    die "createdb failed (server log: $dir/server.log)"
  fi

  url="postgres://$DB_USER@127.0.0.1:$port/$DB_NAME"
  echo "$url" >"$dir/url"
  echo "$url"
}

stop() {
  [ -d "$dir" ] || return 0
  if [ -z "$(ls -A "$dir")" ]; then # created by the caller, start never ran
    rmdir "$dir"
    return 0
  fi
  [ -f "$dir/$MARKER" ] || die "$dir was not prepared by $0 start; not touching it"
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_cluster_user "$(bin_dir)/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >/dev/null 2>&1 ||
      echo "pg-throwaway: pg_ctl stop failed (server already gone?)" >&2
  fi
  rm -rf "$dir"
}

case "$action" in
start) start ;;
stop) stop ;;
*) usage ;;
esac
