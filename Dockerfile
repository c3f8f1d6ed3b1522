# calsreg's production image (docs/deploy.md). Build: docker build -t calsreg .
# The build stage runs deploy/build.sh, the same script the test suite runs (tests/deploy/test_build.py).

FROM python:3.11-slim-bookworm AS build
COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /usr/local/bin/uv
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
ENV UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1
WORKDIR /src
COPY . .
RUN deploy/build.sh /opt/calsreg

FROM python:3.11-slim-bookworm
# The Japanese font embedded in invoice and notice PDFs (CALSREG_PDF_FONT_PATH's default).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-ipaexfont-gothic \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system calsreg \
 && useradd --system --gid calsreg --home-dir /opt/calsreg --shell /usr/sbin/nologin calsreg
COPY --from=build /opt/calsreg /opt/calsreg
RUN mkdir -p /opt/calsreg/app/var/media && chown -R calsreg:calsreg /opt/calsreg/app/var
ENV PATH=/opt/calsreg/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CALSREG_BIND=0.0.0.0:8000 \
    CALSREG_STATIC_COLLECTED=1 \
    CALSREG_MEDIA_ROOT=/opt/calsreg/app/var/media
USER calsreg
WORKDIR /opt/calsreg/app
VOLUME ["/opt/calsreg/app/var/media"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4).status != 200)"]
ENTRYPOINT ["/opt/calsreg/app/deploy/entrypoint.sh"]
CMD ["web"]
