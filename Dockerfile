FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
# Each worker process is one of --concurrency processes: BLAS threads of its own only spin against
# the others (the forensics layer's small matrix products cost 0.5 CPU-s with them, 0.3 without).
ENV OPENBLAS_NUM_THREADS=1
# Fonts for every script a certificate prints (docs/rendering.md): DejaVu, Noto per script, Droid Sans Fallback for CJK.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-dejavu-extra \
    fonts-noto-core fonts-droid-fallback libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/production.txt
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system --home /app certverify && chown -R certverify /app
USER certverify
EXPOSE 8000
# gunicorn.conf.py holds the server settings (threaded workers, one per core by default)
CMD ["gunicorn", "config.wsgi"]
