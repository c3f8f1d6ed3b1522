#!/usr/bin/env bash
# A throwaway IMAP server (Dovecot from Debian's dovecot-imapd) for the tests, the demo and the bench.
#
#   scripts/imap-throwaway.sh start <dir> [user:password ...]
#       write a configuration in <dir>, start Dovecot on free ports of 127.0.0.1 without root, and
#       print (and keep in <dir>/server.env) the lines IMAP_HOST, IMAP_PORT (plain + STARTTLS),
#       IMAPS_PORT (TLS from the start), IMAP_CA_FILE (the self-signed certificate to trust) and
#       IMAP_USERS (the user:password pairs; default "desk:desk-password").
#   scripts/imap-throwaway.sh stop <dir>    stop the server and remove <dir>
#
# Every user's mail is a Maildir under <dir>/home/<user>; Dovecot runs as whoever runs this script
# (root included: it then keeps to that user too). The certificate is made with openssl when it is
# there; without it the server offers plain IMAP only (IMAPS_PORT is then 0).
set -euo pipefail

MARKER=".calsreg-imap-throwaway"
DOVECOT="${DOVECOT:-$(command -v dovecot || echo /usr/sbin/dovecot)}"

die() {
  echo "imap-throwaway: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start <dir> [user:password ...] | stop <dir>" >&2
  exit 2
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

[ $# -ge 2 ] || usage
action="$1"
dir="$2"
shift 2

case "$action" in
start)
  [ -x "$DOVECOT" ] || die "dovecot is not installed (Debian: apt-get install dovecot-imapd)"
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  dir="$(cd "$dir" && pwd)"
  touch "$dir/$MARKER"
  mkdir -p "$dir/run" "$dir/state" "$dir/home"
  chmod 755 "$dir" "$dir/run" "$dir/state" "$dir/home"
  users=("$@")
  [ ${#users[@]} -gt 0 ] || users=("desk:desk-password")
  : >"$dir/users"
  for pair in "${users[@]}"; do
    name="${pair%%:*}"
    password="${pair#*:}"
    [ -n "$name" ] && [ "$name" != "$pair" ] || die "a user is written user:password (got $pair)"
    echo "$name:{PLAIN}$password" >>"$dir/users"
    mkdir -p "$dir/home/$name/Maildir/cur" "$dir/home/$name/Maildir/new" "$dir/home/$name/Maildir/tmp"
  done
  chmod 600 "$dir/users"
  imap_port="$(free_port)"
  imaps_port=0
  ssl_block="ssl = no"
  if command -v openssl >/dev/null 2>&1; then
    imaps_port="$(free_port)"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
    chmod 600 "$dir/key.pem"
    ssl_block="ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem"
  fi
  user="$(id -un)"
  group="$(id -gn)"
  login_user="$user"
  if [ "$(id -u)" -eq 0 ]; then
    # Dovecot's login and internal processes refuse to run as root: Debian's package made users for them.
    if id dovenull >/dev/null 2>&1; then login_user="dovenull"; else login_user="nobody"; fi
    if id dovecot >/dev/null 2>&1; then user="dovecot"; group="dovecot"; fi
  fi
  # The auth process runs as the internal user: it must read the password file.
  # Mail is owned by that user too: Dovecot never lets a mailbox be root's.
  if [ "$user" != "$(id -un)" ]; then
    chown "$user" "$dir/users"
    chown -R "$user:$group" "$dir/home"
  fi
  mail_uid="$(id -u "$user")"
  mail_gid="$(id -g "$user")"
  cat >"$dir/dovecot.conf" <<CONF
# Throwaway configuration written by scripts/imap-throwaway.sh; nothing outside $dir is touched.
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = $user
default_internal_group = $group
default_login_user = $login_user
disable_plaintext_auth = no
auth_mechanisms = plain login
$ssl_block
mail_location = maildir:~/Maildir
mail_uid = $mail_uid
mail_gid = $mail_gid
first_valid_uid = 0
first_valid_gid = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$dir/home/%u
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
CONF
  "$DOVECOT" -c "$dir/dovecot.conf" || { cat "$dir/dovecot.log" >&2 2>/dev/null; die "dovecot did not start"; }
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $imap_port), 0.2).close()" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  ca_file=""
  [ "$imaps_port" = 0 ] || ca_file="$dir/cert.pem"
  {
    echo "IMAP_HOST=127.0.0.1"
    echo "IMAP_PORT=$imap_port"
    echo "IMAPS_PORT=$imaps_port"
    echo "IMAP_CA_FILE=$ca_file"
    echo "IMAP_USERS='${users[*]}'"
  } | tee "$dir/server.env"
  ;;
stop)
  [ -d "$dir" ] || exit 0
  [ -f "$dir/$MARKER" ] || die "$dir was not made by $0; not removing it"
  if [ -f "$dir/dovecot.conf" ]; then
    "$DOVECOT" -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
      [ -e "$dir/run/master.pid" ] || break
      sleep 0.1
    done
  fi
  rm -rf "$dir"
  ;;
*)
  usage
  ;;
esac
