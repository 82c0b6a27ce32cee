# notifier — a slim image running `notifier run` with config/production.yaml as a non-root user.
# Build: docker build -t notifier .
# Run:   docker run -p 8080:8080 -v notifier-data:/data -e NOTIFIER_ADMIN_TOKEN=... notifier
# Several replicas on one PostgreSQL: compose.yaml. Without NOTIFIER_ADMIN_TOKEN (or api.tokens
# in the config) the service refuses to start: it listens beyond localhost.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --upgrade pip
# The dependencies first, in a layer of their own: a change of the code does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && /opt/venv/bin/pip install -r requirements.txt
COPY README.md ./
COPY notifier ./notifier
RUN /opt/venv/bin/pip install --no-deps .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NOTIFIER_CONFIG=/app/config/production.yaml
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin notifier \
    && mkdir -p /data && chown notifier /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY config ./config
USER notifier
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
# Host, port, data folder, storage and JSON logs come from config/production.yaml and the env.
CMD ["notifier", "run"]
