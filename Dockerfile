# Marketing Hunting application image.
# One image runs every process; the command picks the role (see docker-compose.yml):
#   web    uvicorn marketing_hunting.asgi:application ... (default CMD below)
#   worker celery -A marketing_hunting worker -l info
#   beat   celery -A marketing_hunting beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler
# The brand knowledge base's npm data packages (kb/package-lock.json), installed in a Node
# stage: the application image needs their JSON files, not Node.
FROM node:20-bookworm-slim AS brand-data
WORKDIR /kb
COPY kb/package.json kb/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

WORKDIR /app

# Unprivileged user the processes run as. The code stays owned by root (read-only for
# the app); only VAR_DIR is writable.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# WeasyPrint (PDF documents) loads Pango and HarfBuzz at run time and needs a font; CairoSVG
# (digest emails' chart images) loads cairo.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core libcairo2 \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not invalidate this layer.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
COPY --from=brand-data /kb/node_modules /app/kb/node_modules

# Collect static files at build time (served by WhiteNoise). Settings refuse to load with
# DEBUG=false and no SECRET_KEY, so give this one command a throwaway key. It is set
# inline, not with ENV, so it never reaches the runtime image: a container started
# without a real SECRET_KEY fails loudly instead of running with a known key.
RUN SECRET_KEY=collectstatic-only-not-a-secret \
    DEBUG=false \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p "$VAR_DIR" \
    && chown -R app:app "$VAR_DIR"

USER app

EXPOSE 8000

CMD ["uvicorn", "marketing_hunting.asgi:application", "--lifespan", "off", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--proxy-headers"]
