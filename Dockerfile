# AgendaZap application image: one image for the web (gunicorn), the Celery worker, Celery
# beat and the one-shot migrate job; docker-compose.yml picks the command per service.
FROM python:3.11-slim

# Production is the image's only mode: it refuses to start on settings that fail open
# (agendazap/checks.py), where development would quietly fall back to SQLite or a console.
ENV ENVIRONMENT=production \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Unprivileged runtime user. The code stays root-owned, so the app cannot rewrite itself.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
# Every pinned dependency ships a manylinux wheel (psycopg[binary] included): no compiler.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Hashed, compressed static files for WhiteNoise (CompressedManifestStaticFilesStorage is only
# selected when ENVIRONMENT=production). The SECRET_KEY here is a throwaway that exists only
# for this one build step, so settings import; it is never baked into the image environment.
# collectstatic runs only the static files' checks, so no database or Redis is needed here.
RUN SECRET_KEY=collectstatic-build-step-only python manage.py collectstatic --noinput

# Numeric, so orchestrators can verify runAsNonRoot without reading /etc/passwd.
USER 10001:10001

EXPOSE 8000

# Slim has no curl: probe /health with the standard library (non-2xx or no answer = unhealthy).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]

# Workers/threads from GUNICORN_WORKERS (default 3) and GUNICORN_THREADS (default 2); see
# docker/gunicorn.conf.py. Access log goes to stdout.
CMD ["gunicorn", "--config", "/app/docker/gunicorn.conf.py", "agendazap.wsgi:application"]
