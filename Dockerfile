# Slim, non-root image of the embedded mode (one process, SQLite on /data).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY syndicator ./syndicator
COPY feeds ./feeds
COPY bot ./bot
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /data syndicator \
    && mkdir -p /data /config && chown syndicator /data
COPY --from=build /install /usr/local
COPY docker/syndicator.toml /config/syndicator.toml
ENV SYNDICATOR_CONFIG=/config/syndicator.toml PYTHONUNBUFFERED=1
USER syndicator
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/', timeout=4)"
ENTRYPOINT ["syndicator"]
CMD ["run"]
