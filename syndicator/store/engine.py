"""Database engines: one URL in the config, the right driver for async use and for Alembic.

Operators write ``sqlite:///path.db`` or ``postgresql://...``; the service talks to them
through aiosqlite or psycopg 3 (async), and Alembic through the sync drivers. SQLite runs in
WAL mode with foreign keys on and a busy timeout, so the feed server can read while a poll
writes.

A database that does not answer *now* (connection refused or dropped, SQLite's lock held by
another process beyond the busy timeout) is told apart from a bug here, at the edge: every
engine made by `create_engine` raises `StoreUnavailable` for those driver errors (a
`handle_error` hook), so the collector, the feed server and the start-up wait react to an
outage without knowing the drivers. Every other error (a constraint, a query's bug) stays
SQLAlchemy's own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from syndicator.errors import ConfigError, StoreUnavailable

# libpq settings for PostgreSQL connections unless the URL sets them. connect_timeout:
# seconds to make a connection (psycopg's own default is 130), so a server that accepts and
# never answers (a dropped route, a hung host) is an outage, waited out like one refused.
# TCP keepalives: a server that vanishes while a query waits for its answer is noticed after
# about a minute (30 s idle, then 3 probes 10 s apart) instead of the kernel's hours.
CONNECT_TIMEOUT = 10
POSTGRES_DEFAULTS = {
    "connect_timeout": str(CONNECT_TIMEOUT),
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
}
BUSY_TIMEOUT = 10.0  # seconds a SQLite write waits for another's lock ([database] busy_timeout)
# SQLite primary result codes that mean "not now" rather than "wrong": BUSY, LOCKED, IOERR,
# FULL, CANTOPEN, PROTOCOL. (A syntax error or a missing table is also an OperationalError
# in sqlite3: those are bugs, not outages.)
_SQLITE_NOT_NOW = frozenset({5, 6, 10, 13, 14, 15})
# PostgreSQL SQLSTATE classes: connection exception, insufficient resources, operator
# intervention (shutting down, starting up, cancelled), system error.
_POSTGRES_NOT_NOW = frozenset({"08", "53", "57", "58"})


def _url(url: str, *, use_async: bool) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite" if use_async else "sqlite")
    if backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
        defaults = {k: v for k, v in POSTGRES_DEFAULTS.items() if k not in parsed.query}
        return parsed.update_query_dict(defaults)  # the operator's own settings stay
    raise ConfigError(f"database.url: unsupported database '{backend}'")


def sync_url(url: str) -> URL:
    """The URL Alembic and other synchronous tools use."""
    return _url(url, use_async=False)


def shown(url: str) -> str:
    """`url` as logs may show it: the password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: say nothing of it
        return "(database url)"


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a SQLite file so a fresh checkout just works."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def sqlite_setup(busy_timeout: float = BUSY_TIMEOUT) -> Callable[[Any, Any], None]:
    """A "connect" listener: WAL, foreign keys and a busy timeout (seconds) on every new
    SQLite connection."""
    busy_ms = max(0, round(busy_timeout * 1000))

    def setup(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return setup


sqlite_pragmas = sqlite_setup()  # with the default busy timeout


def first_line(exc: BaseException) -> str:
    """A driver error in one short line, its class first, without a traceback."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}"[:200]


def unavailable(exc: BaseException, *, disconnect: bool = False) -> bool:
    """Whether `exc` (a driver error, or SQLAlchemy's wrapper of one) means that the
    database does not answer now, as opposed to refusing this statement."""
    if disconnect or getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_NOT_NOW
    if isinstance(orig, psycopg.OperationalError):
        # No SQLSTATE: the client gave up (refused, closed, timed out, or the server turned
        # the connection away at start: those wait too, the log says which).
        state = orig.sqlstate
        return state is None or state[:2] in _POSTGRES_NOT_NOW
    return False


def _translate(context: ExceptionContext) -> BaseException | None:
    """`handle_error` hook: an outage becomes `StoreUnavailable` (chained to the driver's
    error). Pre-ping errors are left alone: the pool uses them to replace dead connections."""
    if context.is_pre_ping:
        return None
    error = context.original_exception
    if unavailable(error, disconnect=context.is_disconnect):
        return StoreUnavailable(f"database unavailable: {first_line(error)}")
    return None


def translate_outages(engine: Engine) -> None:
    """Make `engine` raise `StoreUnavailable` for outages (sync engines: Alembic, tools)."""
    event.listen(engine, "handle_error", _translate)


def create_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT) -> AsyncEngine:
    """The service's async engine for `url` (created once, by the composition root).
    `busy_timeout`: seconds a SQLite write waits for another process's lock before the
    database counts as unavailable."""
    ensure_sqlite_dir(url)
    async_url = _url(url, use_async=True)
    if async_url.get_backend_name() == "sqlite":
        engine = create_async_engine(async_url)
        event.listen(engine.sync_engine, "connect", sqlite_setup(busy_timeout))
    else:
        engine = create_async_engine(async_url, pool_pre_ping=True)
    translate_outages(engine.sync_engine)
    return engine
