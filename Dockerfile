# notifier — a slim image running `notifier run` as a non-root user.
# Build: docker build -t notifier .    Run: docker run -p 8080:8080 -v notifier-data:/data notifier
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY notifier ./notifier
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --upgrade pip && /opt/venv/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NOTIFIER_CONFIG=/app/config/notifier.yaml
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin notifier \
    && mkdir -p /data && chown notifier /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY config ./config
COPY seeds ./seeds
USER notifier
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
# Listen on all interfaces inside the container; keep state in the /data volume.
CMD ["notifier", "run", "--data-dir", "/data", "--host", "0.0.0.0"]
