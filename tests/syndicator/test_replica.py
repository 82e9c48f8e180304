"""Scale-out replicas in one process, on PostgreSQL: bot commands are answered by one
replica at a time, and by another within seconds when it stops (Telegram gives getUpdates
to one caller; two would answer each other's 409 Conflict)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndicator.app import App
from syndicator.config import settings_from_mapping
from tests.conftest import _postgres_database
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.waiting import WITHIN as WAIT
from tests.waiting import eventually

TURN = 0.2  # seconds between two looks at the commands' turn, here


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _postgres_database()


async def start(
    stack: contextlib.AsyncExitStack, url: str, fake: FakeBotAPI, where: Path
) -> tuple[App, asyncio.Event]:
    """`syndicator run --no-serve`, delivering only, as one replica of several; set the
    event it returns to stop it (the stack stops it at the end otherwise)."""
    raw = {
        "database": {"url": url},
        "jobs": {"backend": "procrastinate", "heartbeat": 1, "stalled_after": 3},
        "telegram": {"base_url": fake.base_url, "operators": [777000]},
    }
    settings = settings_from_mapping(raw, where, env={"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN})
    app = await stack.enter_async_context(App(settings))
    assert app.replica is not None
    app.replica.turn_check = TURN
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(app.run(stop, collect=False, serve=False, ready=ready))

    async def stopped() -> None:
        stop.set()
        await task

    stack.push_async_callback(stopped)
    async with asyncio.timeout(WAIT):
        await ready.wait()
    return app, stop


def polling(app: App) -> bool:
    return app.commands is not None and app.commands.polling


async def test_one_replica_answers_commands_and_another_takes_over(
    pg_url: str, tmp_path: Path
) -> None:
    with FakeBotAPI() as fake:
        async with contextlib.AsyncExitStack() as stack:
            first, stop_first = await start(stack, pg_url, fake, tmp_path / "a.toml")
            await eventually(lambda: polling(first), "the first replica answers commands")
            second, _ = await start(stack, pg_url, fake, tmp_path / "b.toml")
            await asyncio.sleep(5 * TURN)  # the second has looked at the turn a few times
            assert (polling(first), polling(second)) == (True, False)
            stop_first.set()
            await eventually(lambda: polling(second), "the second replica takes over")
            assert not polling(first)
