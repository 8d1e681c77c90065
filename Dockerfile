# The one image of the compose stack (docker-compose.yml builds it once, every service
# runs it). Dependencies come from the lock file and are installed before the source is
# copied, so a change to the code rebuilds only the last layers; `make lock` refreshes
# the lock after pyproject.toml's dependencies change.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# 1. the pinned dependencies (this layer changes only with requirements.lock)
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

# 2. the project itself, its dependencies already there
COPY pyproject.toml README.md ./
COPY domain domain
COPY projections projections
COPY api api
COPY infra infra
RUN pip install --no-deps . && pip check

# 3. never root: a user of its own, without a login or a writable home
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin bolashak
USER 10001:10001

ENTRYPOINT []
CMD ["bolashak", "--help"]
