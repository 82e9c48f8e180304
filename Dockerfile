# syndicator: a slim, non-root image. `docker compose up` runs it in the embedded mode (one
# process, SQLite on the /data volume); `docker compose --profile scale up` runs three
# replicas on PostgreSQL (docker-compose.yml). The only network step is pip installing the
# project and its dependencies.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/syndicator
WORKDIR /src
COPY pyproject.toml README.md ./
COPY syndicator ./syndicator
COPY feeds ./feeds
COPY bot ./bot
RUN /opt/syndicator/bin/pip install .

FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="syndicator" \
      org.opencontainers.image.description="Arabic news by category: feeds and Telegram" \
      org.opencontainers.image.licenses="MIT"
# /data holds the SQLite database, /export the static feed copy (scale profile); both are
# owned by the service user so that a fresh named volume mounted there is too.
RUN groupadd --system --gid 10001 syndicator \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin \
       syndicator \
    && mkdir -p /data /export /config \
    && chown 10001:10001 /data /export
COPY --from=build /opt/syndicator /opt/syndicator
# The default configuration; mount your own file over it (docker-compose.yml does).
COPY docker/syndicator.toml /config/syndicator.toml
ENV PATH=/opt/syndicator/bin:$PATH \
    SYNDICATOR_CONFIG=/config/syndicator.toml \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
# No curl in the image: the standard library asks /healthz. A 404 there means a build that
# has no /healthz yet, and then the index page must answer instead; any other error status,
# a refused connection or a timeout fails the check. docker-compose.yml repeats this command.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import http.client as h;g=lambda p:(c:=h.HTTPConnection('127.0.0.1',8080,timeout=4)).request('GET',p) or c.getresponse().status;s=g('/healthz');raise SystemExit(not(s==200 or s==404 and g('/')==200))"]
ENTRYPOINT ["syndicator"]
CMD ["run"]
