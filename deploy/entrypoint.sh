#!/bin/sh
# The image's entry point: `web` (gunicorn, the default), `worker` (the supervised task workers),
# `migrate` (apply migrations, then exit), or any other command (e.g. `manage.py createsuperuser`).
set -e
cd /opt/calsreg/app
case "${1:-web}" in
  web)     shift 2>/dev/null || true; exec gunicorn -c config/gunicorn.conf.py "$@" ;;
  worker)  shift; exec python manage.py run_workers "$@" ;;
  # The cache table is needed only with CALSREG_CACHE_BACKEND=…DatabaseCache; otherwise it does nothing.
  migrate) shift; python manage.py migrate --noinput "$@"; exec python manage.py createcachetable ;;
  manage.py) shift; exec python manage.py "$@" ;;
  *)       exec "$@" ;;
esac
