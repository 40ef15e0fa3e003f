# The production image: gunicorn, Celery workers and beat all run from it (docker-compose.yml).

# The NHS.UK frontend, fetched and copied into static/vendor/ by the same make target
# that `make run` uses.
FROM node:20-bookworm AS assets
WORKDIR /src
COPY Makefile package.json package-lock.json ./
RUN make assets

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    COLLAB_ENV=production
WORKDIR /app

# The contract review's PDF is set in DejaVu Sans (reports/pdf.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-dejavu-extra \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
COPY --from=assets /src/static/vendor ./static/vendor

# Settings refuse to load in production without these; collectstatic needs none of them
# to be real, and none of them stays in the image.
RUN SECRET_KEY=collectstatic-only-placeholder-never-used-to-sign-anything-0123456789 \
    DATABASE_URL=postgresql://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app --no-create-home collab
USER collab

EXPOSE 8000
CMD ["gunicorn", "collab.wsgi", "--bind=0.0.0.0:8000", "--access-logfile=-", "--no-control-socket"]
