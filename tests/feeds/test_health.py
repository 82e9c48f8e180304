"""The operations endpoints on their own: liveness always, readiness from injected checks
(each under a timeout, a failing or crashing one named), metrics only when given."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette

from feeds.health import Check, Probes


def client(probes: Probes) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=Starlette(routes=probes.routes()))
    return httpx.AsyncClient(transport=transport, base_url="http://feeds")


def answer(why: str | None) -> Check:
    async def check() -> str | None:
        return why

    return check


async def test_alive_whatever_the_checks_say() -> None:
    async with client(Probes({"database": answer("unreachable")})) as http:
        alive = await http.get("/healthz")
        head = await http.head("/healthz")
    assert alive.status_code == head.status_code == 200
    assert alive.json() == {"status": "alive"}
    assert alive.headers["cache-control"] == "no-store"


async def test_ready_when_every_check_passes() -> None:
    probes = Probes({"database": answer(None), "scheduler": answer(None)})
    async with client(probes) as http:
        ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "not_ready": [],
        "checks": {"database": "ok", "scheduler": "ok"},
    }


async def test_not_ready_names_each_failing_check() -> None:
    async def hangs() -> str | None:
        await asyncio.Event().wait()
        return None

    async def crashes() -> str | None:
        raise RuntimeError("bug")

    probes = Probes(
        {
            "database": answer(None),
            "migrations": answer("database at 0003, this version needs 0004"),
            "slow": hangs,
            "broken": crashes,
        },
        timeout=0.05,
    )
    async with client(probes) as http:
        ready = await http.get("/readyz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not ready"
    assert body["not_ready"] == ["broken", "migrations", "slow"]
    assert body["checks"] == {
        "database": "ok",
        "migrations": "database at 0003, this version needs 0004",
        "slow": "no answer within 0.05 s",
        "broken": "check failed: RuntimeError: bug",
    }


async def test_metrics_only_when_an_exposition_is_given() -> None:
    async with client(Probes()) as http:
        assert (await http.get("/metrics")).status_code == 404
        assert (await http.get("/readyz")).status_code == 200  # nothing to check

    async def exposition() -> tuple[bytes, str]:
        return b"up 1\n", "text/plain; version=0.0.4; charset=utf-8"

    async with client(Probes(metrics=exposition)) as http:
        metrics = await http.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.text == "up 1\n"
    assert metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
