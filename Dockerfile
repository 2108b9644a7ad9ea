FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install ".[prod]"

COPY . .
# Static files are collected at build time; a throw-away key is enough for that.
RUN SECRET_KEY=collectstatic-only DEBUG=false python manage.py collectstatic --noinput

RUN useradd --create-home mis && mkdir -p /app/var && chown -R mis /app/var
USER mis
EXPOSE 8000
CMD ["gunicorn", "mis.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
