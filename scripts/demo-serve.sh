#!/usr/bin/env bash
# Start the demo: the task worker (sends mail to the local outbox, webhooks to the demo service), the
# demo information-sharing service (demo_service/, its own port) and the web server, together; the
# worker reads the help desk's mailboxes set in var/demo-mailbox.env (scripts/demo-mailbox.sh).
# Ctrl-C stops all three, and the demo's IMAP server.
set -euo pipefail
UV="${1:-uv}"; HOST="${2:-127.0.0.1}"; PORT="${3:-8000}"; SERVICE_PORT="${4:-8001}"

PIDS=()
stop() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash scripts/demo-mailbox.sh stop || true
}
trap stop EXIT INT TERM

if [ -f var/demo-mailbox.env ]; then
  set -a
  # shellcheck disable=SC1091
  . var/demo-mailbox.env
  set +a
fi

# The supervised worker pool: a worker that dies is restarted.
"$UV" run --frozen python manage.py run_workers --interval 1 &
PIDS+=($!)
"$UV" run --frozen python -m demo_service runserver "${HOST}:${SERVICE_PORT}" --noreload &
PIDS+=($!)
# The demo data was written before the service subscribed: it catches up from the feed once calsreg answers.
(
  for _ in $(seq 60); do
    sleep 1
    "$UV" run --frozen python -m demo_service catch_up 2>/dev/null && exit 0
  done
  echo "demo service: could not catch up from calsreg's event feed" >&2
) &
PIDS+=($!)

cat <<MSG

  calsreg demo is starting on http://${HOST}:${PORT}/
    portal (public):   http://${HOST}:${PORT}/
    help desk:         http://${HOST}:${PORT}/desk/   (logins above; mail sent is under 送信メール)
    mailboxes:         ${CALSREG_MAILBOXES:-none} (read by the worker)
    API docs:          http://${HOST}:${PORT}/api/docs
  情報共有システム（デモ）: http://${HOST}:${SERVICE_PORT}/   (sign in with the demo contractor's ID above)
  Press Ctrl-C to stop the web server, the task worker and the demo service.

MSG
# The production server (config/gunicorn.conf.py), two processes are plenty for a demo; static files
# are the collected ones (make demo ran collectstatic).
CALSREG_STATIC_COLLECTED=1 CALSREG_WEB_WORKERS="${CALSREG_WEB_WORKERS:-2}" \
  "$UV" run --frozen python -m gunicorn -c config/gunicorn.conf.py --bind "${HOST}:${PORT}"
