#!/usr/bin/env bash
# The demo's help-desk mailboxes (reception, replies), read by the system.
#
#   scripts/demo-mailbox.sh start <env-file>   write the mailbox settings for the demo into <env-file>
#   scripts/demo-mailbox.sh stop               stop the demo's IMAP server, if one runs
#
# With Dovecot installed: a throwaway IMAP server in var/demo-imap (scripts/imap-throwaway.sh) with one
# user per mailbox, reached by STARTTLS with its self-signed certificate. Without it: one Maildir per
# mailbox in var/demo-maildir (the documented local alternative; the same reader after the fetch).
# A CALSREG_MAILBOXES already set in the environment is left as it is (nothing is written).
# DOVECOT names the dovecot binary (as for scripts/imap-throwaway.sh); DOVECOT=none uses the Maildirs.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOVECOT="${DOVECOT:-$(command -v dovecot || echo /usr/sbin/dovecot)}"
IMAP_DIR="var/demo-imap"
MAILDIR_DIR="var/demo-maildir"
MAILBOXES=(reception replies)

case "${1:-}" in
start)
  env_file="${2:?usage: $0 start <env-file>}"
  mkdir -p var
  : >"$env_file"
  chmod 600 "$env_file"
  if [ -n "${CALSREG_MAILBOXES:-}" ]; then
    echo "demo mailboxes: using CALSREG_MAILBOXES=${CALSREG_MAILBOXES} from the environment"
    exit 0
  fi
  echo "CALSREG_MAILBOXES=$(IFS=,; echo "${MAILBOXES[*]}")" >>"$env_file"
  if [ -x "$DOVECOT" ]; then
    bash scripts/imap-throwaway.sh stop "$IMAP_DIR" # one left by a demo that did not stop cleanly
    users=()
    for name in "${MAILBOXES[@]}"; do users+=("$name:$name-demo-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"); done
    bash scripts/imap-throwaway.sh start "$IMAP_DIR" "${users[@]}" >/dev/null
    # shellcheck disable=SC1091
    . "$IMAP_DIR/server.env"
    scheme="imap+starttls"
    [ -n "$IMAP_CA_FILE" ] || scheme="imap" # no openssl: plain IMAP on 127.0.0.1 only
    for pair in "${users[@]}"; do
      name="${pair%%:*}"
      upper="$(echo "$name" | tr '[:lower:]' '[:upper:]')"
      {
        echo "CALSREG_MAILBOX_${upper}_URL=${scheme}://${name}@${IMAP_HOST}:${IMAP_PORT}/INBOX"
        echo "CALSREG_MAILBOX_${upper}_PASSWORD=${pair#*:}"
        [ -z "$IMAP_CA_FILE" ] || echo "CALSREG_MAILBOX_${upper}_CA_FILE=${IMAP_CA_FILE}"
      } >>"$env_file"
    done
    echo "demo mailboxes: IMAP (Dovecot) on ${IMAP_HOST}:${IMAP_PORT}, users ${MAILBOXES[*]}"
  else
    for name in "${MAILBOXES[@]}"; do
      upper="$(echo "$name" | tr '[:lower:]' '[:upper:]')"
      mkdir -p "$MAILDIR_DIR/$name/cur" "$MAILDIR_DIR/$name/new" "$MAILDIR_DIR/$name/tmp"
      echo "CALSREG_MAILBOX_${upper}_URL=maildir://$(pwd)/$MAILDIR_DIR/$name" >>"$env_file"
    done
    echo "demo mailboxes: Dovecot ($DOVECOT) is not installed, so they are Maildirs in $MAILDIR_DIR (for IMAP: apt-get install dovecot-imapd)"
  fi
  ;;
stop)
  [ ! -d "$IMAP_DIR" ] || bash scripts/imap-throwaway.sh stop "$IMAP_DIR"
  ;;
*)
  echo "usage: $0 start <env-file> | stop" >&2
  exit 2
  ;;
esac
