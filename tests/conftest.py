"""Shared fixtures: a settable clock, the collector's HTTP client, sample sites started on
demand, and a fresh database per test on SQLite and, when available, PostgreSQL.

PostgreSQL tests need `SYNDICATOR_TEST_DATABASE_URL` (CI sets it for the local server);
each test gets its own throw-away database created on that server. Without the variable
those tests are skipped with a visible reason, never passed silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from syndicator.demo.site import load_articles
from syndicator.fetch import build_client
from syndicator.netguard import LOOPBACK
from syndicator.store import Store
from tests.fakes.clock import FakeClock
from tests.fakes.database import open_store
from tests.fakes.news_site import SampleSite

PG_ENV = "SYNDICATOR_TEST_DATABASE_URL"


def _postgres_database() -> Iterator[str]:
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    name = f"syndicator_test_{uuid.uuid4().hex[:12]}"
    admin = create_sync_engine(
        make_url(server).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # The sample sites listen on loopback: allowed here, as `[fetch] allow_networks` would.
    async with build_client(
        timeout=5.0, user_agent="syndicator-tests", allow_networks=LOOPBACK
    ) as client:
        yield client


@pytest.fixture
def make_site(clock: FakeClock) -> Iterator[Callable[..., SampleSite]]:
    sites: list[SampleSite] = []

    def make(*args: Any, **options: Any) -> SampleSite:
        sites.append(SampleSite(*args, clock=clock, **options).start())
        return sites[-1]

    yield make
    for site in sites:
        site.stop()


@pytest.fixture
def site() -> Iterator[SampleSite]:
    """The bundled sample site on the real clock, its initial articles published."""
    with SampleSite() as running:
        yield running


@pytest.fixture
def empty_site() -> Iterator[SampleSite]:
    """The sample site with nothing published yet: every article is published by the test."""
    articles = [replace(a, initially_published=False) for a in load_articles()]
    with SampleSite(articles) as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A migrated store on each backend."""
    async with open_store(database_url) as opened:
        yield opened


@pytest.fixture
async def sqlite_store(sqlite_url: str) -> AsyncIterator[Store]:
    """A migrated store on SQLite only, for tests about something other than the backend."""
    async with open_store(sqlite_url) as opened:
        yield opened
