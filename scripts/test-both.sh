#!/usr/bin/env bash
# `make test` with DATABASE_URL_POSTGRES set: the SQLite and the PostgreSQL passes at the same time
# (two cores: about the time of the longer pass instead of the sum). The PostgreSQL pass prints as it
# goes; the SQLite pass writes var/test-sqlite.log, printed when both are done. Exits non-zero if
# either failed. TEST_PASSES_PARALLEL=0 runs them one after the other instead (Makefile).
#   scripts/test-both.sh <uv> [pytest arguments…]
set -uo pipefail
UV="$1"; shift
mkdir -p var
base="$(mktemp -d)"; sqlite=""
trap 'kill "$sqlite" 2>/dev/null; rm -rf "$base"' EXIT
# Each pass its own temporary folder: pytest prunes old numbered folders of a shared one.
"$UV" run --frozen pytest -p no:cacheprovider --basetemp="$base/sqlite" "$@" > var/test-sqlite.log 2>&1 &
sqlite=$!
echo "== PostgreSQL suite (the SQLite suite runs beside it, into var/test-sqlite.log) =="
DATABASE_URL="$DATABASE_URL_POSTGRES" \
CALSREG_TEST_CLOCK_SHIFT_DAYS="${CALSREG_TEST_CLOCK_SHIFT_DAYS_POSTGRES:-${CALSREG_TEST_CLOCK_SHIFT_DAYS:-}}" \
	"$UV" run --frozen pytest -p no:cacheprovider --basetemp="$base/postgres" "$@"
postgres=$?
wait "$sqlite"
sqlite_status=$?
echo "== SQLite suite =="
cat var/test-sqlite.log
echo "== SQLite suite: exit ${sqlite_status}; PostgreSQL suite: exit ${postgres} =="
[ "$sqlite_status" -eq 0 ] && [ "$postgres" -eq 0 ]
