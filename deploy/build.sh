#!/usr/bin/env bash
# Build calsreg for production into PREFIX, from the checkout this script sits in:
#   PREFIX/venv   the dependencies (uv.lock, without the development group)
#   PREFIX/app    the application (code, templates, translations compiled, static files collected
#                 into PREFIX/app/var/static)
# The Dockerfile's build stage runs exactly this; tests/deploy/test_build.py runs it into a temporary
# folder and serves from the result, so the image's build steps are tested without a container runtime.
#   deploy/build.sh PREFIX        needs: uv, msgfmt (gettext), Python 3.11
set -euo pipefail
PREFIX="${1:?usage: deploy/build.sh PREFIX}"
SOURCE="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$PREFIX/app"
PREFIX="$(cd "$PREFIX" && pwd)"
UV="${UV:-$(command -v uv || echo "$HOME/.local/bin/uv")}"

# 1. Dependencies, exactly as locked.
cd "$SOURCE"
UV_PROJECT_ENVIRONMENT="$PREFIX/venv" UV_PYTHON_DOWNLOADS=never \
  "$UV" sync --frozen --no-dev --no-install-project --quiet

# 2. The application's files only (no tests, benchmarks, demo service or local data).
tar -C "$SOURCE" --exclude=__pycache__ --exclude='*.pyc' -cf - \
  manage.py pyproject.toml calsreg config templates static locale deploy/entrypoint.sh \
  | tar -C "$PREFIX/app" -xf -
mkdir -p "$PREFIX/app/var/media"

# 3. Translations and static files. Settings need a signing key to load; nothing is signed here.
cd "$PREFIX/app"
export CALSREG_SECRET_KEY="build-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export PYTHONDONTWRITEBYTECODE=1
"$PREFIX/venv/bin/python" manage.py compilemessages --verbosity 0
"$PREFIX/venv/bin/python" manage.py collectstatic --noinput --verbosity 0
echo "built calsreg into $PREFIX"
