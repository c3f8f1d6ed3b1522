#!/usr/bin/env bash
# Start the demo: the task worker (sends mail to the local outbox) and the web server, together.
# Ctrl-C stops both.
set -euo pipefail
UV="${1:-uv}"; HOST="${2:-127.0.0.1}"; PORT="${3:-8000}"

"$UV" run --frozen python manage.py run_worker --interval 1 &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  calsreg demo is starting on http://${HOST}:${PORT}/
    portal (public):   http://${HOST}:${PORT}/
    help desk:         http://${HOST}:${PORT}/desk/   (logins above; mail sent is under 送信メール)
    API docs:          http://${HOST}:${PORT}/api/docs
  Press Ctrl-C to stop the web server and the task worker.

MSG
"$UV" run --frozen python manage.py runserver "${HOST}:${PORT}" --noreload
