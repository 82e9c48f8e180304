"""/healthz and /readyz as the composition root wires them, against real databases: ready
only when the database answers, its schema is the newest, and (where this process collects)
the scheduler runs; alive all along."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from syndicator.app import App
from syndicator.config import settings_from_mapping
from syndicator.store import migrate


@contextlib.asynccontextmanager
async def service(database: str, tmp_path: Path) -> AsyncIterator[App]:
    settings = settings_from_mapping({"database": {"url": database}}, tmp_path / "r.toml", env={})
    async with App(settings, dry_run=True) as app:
        yield app


async def probe(app: App, path: str = "/readyz") -> tuple[int, Any]:
    """One request to the feed server as `app` builds it now."""
    transport = httpx.ASGITransport(app=app.feed_server().app())
    async with httpx.AsyncClient(transport=transport, base_url="http://feeds") as http:
        answer = await http.get(path)
    assert answer.headers["cache-control"] == "no-store"
    return answer.status_code, answer.json()


async def test_ready_with_the_newest_schema_and_a_running_scheduler(
    database_url: str, tmp_path: Path
) -> None:
    async with service(database_url, tmp_path) as app:
        status, body = await probe(app)
        assert status == 503
        assert body["not_ready"] == ["migrations", "scheduler"]
        assert body["checks"] == {
            "database": "ok",
            "migrations": f"database at no schema, this version needs {migrate.head()}:"
            " run `syndicator db upgrade`",
            "scheduler": "not running",
        }
        assert await probe(app, "/healthz") == (200, {"status": "alive"})

        await asyncio.to_thread(migrate.upgrade, database_url)
        app.scheduler.start()
        try:
            status, body = await probe(app)
            assert (status, body["status"]) == (200, "ready")
            assert body["checks"] == {"database": "ok", "migrations": "ok", "scheduler": "ok"}
        finally:
            app.scheduler.shutdown()
        status, body = await probe(app)
        assert (status, body["not_ready"]) == (503, ["scheduler"])

        app.collecting = False  # `syndicator serve` or `dispatch`: no scheduler to wait for
        status, body = await probe(app)
        assert (status, body["checks"]) == (200, {"database": "ok", "migrations": "ok"})


async def test_not_ready_while_the_database_is_down_then_ready_again(tmp_path: Path) -> None:
    path = tmp_path / "data" / "syndicator.db"
    path.mkdir(parents=True)  # a directory where the file belongs: SQLite cannot open it
    url = f"sqlite:///{path}"
    async with service(url, tmp_path) as app:
        app.collecting = False
        status, body = await probe(app)
        assert status == 503
        assert body["not_ready"] == ["database", "migrations"]
        assert body["checks"]["database"].startswith("unreachable (OperationalError: unable")
        assert body["checks"]["migrations"].startswith("unknown (OperationalError")
        assert await probe(app, "/healthz") == (200, {"status": "alive"})

        shutil.rmtree(path)  # the database comes back, and is migrated
        await asyncio.to_thread(migrate.upgrade, url)
        status, body = await probe(app)
        assert (status, body["status"]) == (200, "ready")


async def test_not_ready_when_postgresql_refuses_connections(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with service(f"postgresql://syndicator:secret@127.0.0.1:{port}/x", tmp_path) as app:
        app.collecting = False
        status, body = await probe(app)
    assert status == 503
    assert body["not_ready"] == ["database", "migrations"]
    assert body["checks"]["database"].startswith("unreachable (OperationalError: ")
    assert "secret" not in str(body)
