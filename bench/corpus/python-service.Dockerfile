# syntax=docker/dockerfile:1
FROM python:3.12-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential \
        libpq-dev \
        libffi-dev \
        libssl-dev \
        git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
COPY requirements.txt requirements-prod.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m venv /opt/venv \
    && /opt/venv/bin/pip install --upgrade pip wheel setuptools \
    && /opt/venv/bin/pip install -r requirements-prod.txt

COPY . .
RUN /opt/venv/bin/pip install --no-deps . \
    && /opt/venv/bin/python -m compileall -q /opt/venv

FROM python:3.12-slim-bookworm
ARG APP_USER=service
ARG APP_UID=10001
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid "${APP_UID}" --create-home --shell /usr/sbin/nologin "${APP_USER}"
COPY --from=builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}" \
    GUNICORN_CMD_ARGS="--workers=4 --threads=2 --timeout=60 --access-logfile=-"
COPY --chown=${APP_USER}:${APP_USER} docker/entrypoint.sh /usr/local/bin/entrypoint.sh
COPY <<EOF /etc/service/logging.ini
[loggers]
keys=root

[handlers]
keys=console

[formatters]
keys=plain

[logger_root]
level=INFO
handlers=console

[handler_console]
class=StreamHandler
formatter=plain
args=(sys.stdout,)

[formatter_plain]
format=%(asctime)s %(levelname)s %(name)s %(message)s
EOF
USER ${APP_USER}
WORKDIR /home/${APP_USER}
EXPOSE 8000
HEALTHCHECK CMD curl -fsS http://localhost:8000/health || exit 1
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["gunicorn", "service.wsgi:application", "--bind", "0.0.0.0:8000"]
