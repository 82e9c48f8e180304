"""The files the containers run with: docker/*.toml load with our config loader and agree with
docker-compose.yml, the image's healthcheck command does what its comment says, and
docker/nginx.conf serves the static export with the right types (for real when nginx is
installed; `apt-get install nginx-light`)."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from syndicator.config import FileConfig, load_settings, settings_from_mapping

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
# Tables of docker/scale.toml that FileConfig does not know yet, and who adds them. Once a key
# is a field of FileConfig the test below loads the whole file, pending table included.
PENDING: dict[str, str] = {}
FEED_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
    "opml": "text/x-opml",
    "html": "text/html",
}


def compose_services() -> dict[str, dict[str, object]]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services: dict[str, dict[str, object]] = data["services"]
    return services


def published_port(service: str) -> str:
    ports = compose_services()[service]["ports"]
    assert isinstance(ports, list)
    return str(ports[0]).split(":")[1]


# --- docker/*.toml ------------------------------------------------------------------------------


def test_embedded_config_loads_and_fits_the_container() -> None:
    settings = load_settings(DOCKER / "syndicator.toml", env={})
    assert settings.file.database.url.startswith("sqlite:////data/"), "keep SQLite on /data"
    assert (settings.file.http.host, settings.file.http.port) == ("0.0.0.0", 8080)
    assert settings.public_url == f"http://127.0.0.1:{published_port('syndicator')}"
    assert settings.sources
    assert settings.categories


def test_scale_config_loads_without_its_pending_keys() -> None:
    path = DOCKER / "scale.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    for key in PENDING:
        assert key in raw, f"docker/scale.toml lost its [{key}] table"
        if key not in FileConfig.model_fields:
            del raw[key]  # not a config key yet: see PENDING
    settings = settings_from_mapping(raw, path, env={})
    url = make_url(settings.file.database.url)
    assert (url.drivername, url.host) == ("postgresql+psycopg", "postgres")
    postgres = compose_services()["postgres"]["environment"]
    assert isinstance(postgres, dict)
    assert (url.username, url.password, url.database) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        postgres["POSTGRES_DB"],
    ), "docker/scale.toml and the postgres service of docker-compose.yml disagree"
    assert settings.file.http.host == "0.0.0.0"
    assert settings.public_url == f"http://127.0.0.1:{published_port('nginx')}", "nginx serves"
    assert settings.file.jobs.backend == "procrastinate", "the replicas share one job queue"


# --- the healthcheck one-liner ------------------------------------------------------------------


def healthcheck_code() -> str:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    command = re.search(r"^\s*CMD (\[.*\])\s*$", text.split("HEALTHCHECK", 1)[1], re.M)
    assert command, "HEALTHCHECK ... CMD [...] not found"
    argv = json.loads(command.group(1))
    assert argv[:2] == ["python", "-c"]
    code: str = argv[2]
    return code


@pytest.fixture
def answering() -> Iterator[tuple[dict[str, int], int]]:
    """A loopback server answering each path with the status in the dict (404 otherwise)."""
    statuses: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(statuses.get(self.path, 404))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield statuses, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("statuses", "healthy"),
    [
        ({"/healthz": 200}, True),
        ({"/healthz": 404, "/": 200}, True),  # a build without /healthz: the index answers
        ({"/healthz": 404, "/": 500}, False),
        ({"/healthz": 503, "/": 200}, False),  # /healthz decides once it exists
    ],
)
def test_healthcheck_command(
    answering: tuple[dict[str, int], int], statuses: dict[str, int], healthy: bool
) -> None:
    table, port = answering
    table.update(statuses)
    code = healthcheck_code().replace("8080", str(port))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    assert (done.returncode == 0) is healthy, done.stderr.decode()


def test_healthcheck_fails_when_nothing_listens() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = healthcheck_code().replace("8080", str(port))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    assert done.returncode != 0


# --- docker/nginx.conf --------------------------------------------------------------------------

NGINX = (DOCKER / "nginx.conf").read_text(encoding="utf-8")


def test_nginx_config_matches_the_export_layout() -> None:
    types = re.search(r"types\s*\{([^}]*)\}", NGINX)
    assert types
    mapping = {
        ext: mime for mime, *exts in (e.split() for e in types.group(1).split(";") if e.strip())
        for ext in exts
    }  # fmt: skip
    assert mapping == FEED_TYPES
    assert re.search(r"^\s*gzip on;", NGINX, re.M)
    assert re.search(r"^\s*charset utf-8;", NGINX, re.M)
    assert re.search(r"try_files \$uri \$uri/ =404;", NGINX)
    assert re.search(r"^\s*index index\.html;", NGINX, re.M)
    root = re.search(r"^\s*root (\S+);", NGINX, re.M)
    assert root
    volumes = compose_services()["nginx"]["volumes"]
    assert isinstance(volumes, list)
    assert f"feeds-export:{root.group(1)}:ro" in volumes


EXPORT = {  # the layout of `syndicator feeds export DIR` (docs/feeds.md)
    "index.html": "<!doctype html><html lang=ar dir=rtl><title>أخبار</title></html>",
    "c/syria/index.html": "<!doctype html><html lang=ar dir=rtl><title>سوريا</title></html>",
    "feeds.opml": "<?xml version='1.0'?><opml version='2.0'/>",
    "feeds/all.rss": "<?xml version='1.0'?><rss version='2.0'>" + "<item/>" * 100 + "</rss>",
    "feeds/syria.atom": "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'/>",
    "feeds/syria/archive/1.json": '{"version": "https://jsonfeed.org/version/1.1"}',
    "feeds/source/bbc-arabic.rss": "<?xml version='1.0'?><rss version='2.0'/>",
    "feeds/.all.rss.x1y2.tmp": "half a feed",
}


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[int]:
    binary = shutil.which("nginx")
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light): static checks only")
    for name, body in EXPORT.items():
        (tmp_path / "export" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "export" / name).write_text(body, encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{port};", NGINX)
    site, roots = re.subn(r"root /srv/export;", f"root {tmp_path / 'export'};", site)
    assert (listens, roots) == (1, 1)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    temp = " ".join(
        f"{kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"daemon off; master_process off; pid {tmp_path / 'nginx.pid'};\n"
        f"error_log {tmp_path / 'error.log'} warn;\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log off; {temp} include {tmp_path / 'site.conf'}; }}\n",
        encoding="utf-8",
    )
    args = [binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr, checked.stderr
    server = subprocess.Popen(args, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "nginx did not start listening"
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "file"),
    [
        ("/", "index.html"),
        ("/c/syria/", "c/syria/index.html"),
        ("/feeds.opml", "feeds.opml"),
        ("/feeds/all.rss", "feeds/all.rss"),
        ("/feeds/syria.atom", "feeds/syria.atom"),
        ("/feeds/syria/archive/1.json", "feeds/syria/archive/1.json"),
        ("/feeds/source/bbc-arabic.rss", "feeds/source/bbc-arabic.rss"),
    ],
)
def test_nginx_serves_the_export_with_feed_types(nginx: int, path: str, file: str) -> None:
    status, headers, body = get(nginx, path)
    assert (status, body.decode()) == (200, EXPORT[file])
    assert headers["Content-Type"] == f"{FEED_TYPES[file.rpartition('.')[2]]}; charset=utf-8"
    assert headers["Cache-Control"] == "public, max-age=60"
    assert "nginx/" not in headers.get("Server", "")


def test_nginx_gzips_feeds_and_redirects_and_hides_temporaries(nginx: int) -> None:
    status, headers, body = get(nginx, "/feeds/all.rss", **{"Accept-Encoding": "gzip"})
    assert (status, headers.get("Content-Encoding")) == (200, "gzip")
    assert headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(body).decode() == EXPORT["feeds/all.rss"]
    status, headers, _ = get(nginx, "/c/syria")
    assert (status, headers["Location"]) == (301, "/c/syria/")  # relative: any published port
    assert get(nginx, "/feeds/.all.rss.x1y2.tmp")[0] == 404
    assert get(nginx, "/feeds/missing.rss")[0] == 404
    assert get(nginx, "/nginx-health")[0] == 200
