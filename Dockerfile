# The service's image, built once (`docker compose build`, or `docker build -t lms .`): the runtime
# dependencies from uv.lock and the project, in a virtualenv; no development tools, no install at start.
FROM python:3.11.13-slim-bookworm AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
# the dependencies first, in a layer of their own: it is rebuilt only when the lock changes
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.11.13-slim-bookworm
RUN useradd --system --create-home --home-dir /app --uid 10001 lms && install -d -o lms -g lms /app/var
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 LMS_HOST=0.0.0.0 LMS_VAR_DIR=/app/var
WORKDIR /app
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request as r; sys.exit(r.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=2).status != 200)"]
CMD ["lms", "serve"]
