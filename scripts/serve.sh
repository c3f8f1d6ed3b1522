#!/usr/bin/env bash
# Run calsreg the production way on one machine: gunicorn (config/gunicorn.conf.py) and the task
# workers, together. Ctrl-C or SIGTERM stops both (gunicorn finishes the requests under way); if the
# web server dies, the workers are stopped and the script exits non-zero so a supervisor notices.
# The database must be migrated first (`make migrate`, docs/deploy.md: upgrades).
#   scripts/serve.sh [python command…]   (default: python3; `make serve` passes `uv run --frozen python`)
set -uo pipefail
PYTHON=("$@"); [ ${#PYTHON[@]} -gt 0 ] || PYTHON=(python3)
# Serve only the collected (and compressed) static files; collectstatic must have run.
export CALSREG_STATIC_COLLECTED="${CALSREG_STATIC_COLLECTED:-1}"

WEB=""; WORKERS=""
stop() {
  trap - INT TERM
  for pid in $WEB $WORKERS; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null
}
trap 'stop; exit 0' INT TERM

# The supervised pool (CALSREG_WORKER_POOL): a worker that dies is restarted by run_workers itself.
"${PYTHON[@]}" manage.py run_workers &
WORKERS=$!
"${PYTHON[@]}" -m gunicorn -c config/gunicorn.conf.py &
WEB=$!

# Wait for either child; whichever ends first, the other is stopped.
wait -n "$WEB" "$WORKERS"
status=$?
if ! kill -0 "$WEB" 2>/dev/null; then
  echo "serve: the web server exited (status $status); stopping the workers" >&2
else
  echo "serve: the task workers exited (status $status); stopping the web server" >&2
fi
stop
exit $(( status == 0 ? 1 : status ))
