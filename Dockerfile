# The API image: `billing-reports` on Python 3.11. docker-compose.yml runs it against PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY models ./models
COPY workflow ./workflow
COPY schema ./schema
COPY resolvers ./resolvers
COPY server ./server
RUN pip install . && useradd --system --no-create-home billing
USER billing

EXPOSE 8000
CMD ["billing-reports", "serve", "--host", "0.0.0.0"]
