"""A real kill: `syndicator dispatch` runs in its own process against a SQLite file and the
fake Bot API, and is SIGKILLed while a send is in flight (the fake posted the message and
holds its answer). After a restart nothing is lost, nothing is sent twice, and the message
in flight ends `unknown` and is reported, by `dispatch --once` and `deliveries list`.

Real time, scaled by config: `per_chat_interval = 0` so the sends before the kill take
milliseconds (the pacing itself is tested on virtual time elsewhere).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndicator.model import Category, Channel, Source
from tests.bot.conftest import CHAT, article
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.fakes.clock import NOW
from tests.fakes.database import open_store

ARTICLES = 6
IN_FLIGHT = 3  # the third send is the one interrupted


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        api.add_chat(CHAT, title="أخبار سوريا")
        yield api


def config(tmp_path: Path, fake: FakeBotAPI) -> Path:
    path = tmp_path / "syndicator.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///{tmp_path / "kill.db"}"

[telegram]
base_url = "{fake.base_url}"
per_chat_interval = 0
concurrency = 1

[[categories]]
slug = "syria"
name = "الشأن السوري"

[[sources]]
id = "sham"
name = "أخبار الشام اليوم"
url = "http://127.0.0.1:1/feed/"

[[channels]]
id = "syria-news"
chat_id = "{CHAT}"
categories = ["syria"]
backlog_newest = 100
""",
        encoding="utf-8",
    )
    return path


def syndicator(*args: str) -> list[str]:
    return [sys.executable, "-m", "syndicator", *args]


ENV = {**os.environ, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN}


async def seed(url: str) -> None:
    async with open_store(url) as store:
        await store.registry.apply(
            [Category("syria", "الشأن السوري")],
            [Source("sham", "أخبار الشام اليوم", "http://127.0.0.1:1/feed/")],
            [Channel("syria-news", str(CHAT), ("syria",))],
        )
        for n in range(ARTICLES):
            await store.articles.add(article(n, f"الخبر رقم {n}"), NOW)


def test_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, fake: FakeBotAPI
) -> None:
    cfg = config(tmp_path, fake)
    asyncio.run(seed(f"sqlite:///{tmp_path / 'kill.db'}"))
    fake.slow("sendMessage", 120, skip=IN_FLIGHT - 1)  # posted, then no answer for 2 min
    worker = subprocess.Popen(
        syndicator("--config", str(cfg), "dispatch"),
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        fake.wait_for_calls("sendMessage", IN_FLIGHT, timeout=60, held=True)
    finally:
        worker.send_signal(signal.SIGKILL)
        _, log = worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL, log
    assert len(fake.sent(CHAT)) == IN_FLIGHT  # the third was posted; its answer never came

    again = subprocess.run(
        syndicator("--config", str(cfg), "dispatch", "--once"),
        env=ENV, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "interrupted while sending, outcome unknown (not sent again): delivery 3" in again.stderr
    assert f"«الخبر رقم {IN_FLIGHT - 1}»" in again.stderr
    assert "dispatched: interrupted (unknown): 1, sent: 3" in again.stderr

    titles = [m.text.split("\n")[0] for m in fake.sent(CHAT) if m.text]
    assert sorted(titles) == sorted(f"الخبر رقم {n}" for n in range(ARTICLES))  # each once

    listed = subprocess.run(
        syndicator("--config", str(cfg), "deliveries", "list", "--state", "unknown", "--json"),
        env=ENV, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    [unknown] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert unknown["id"] == IN_FLIGHT
    assert unknown["title"] == f"الخبر رقم {IN_FLIGHT - 1}"
    assert unknown["error"] == "interrupted while sending; outcome unknown"

    counts = subprocess.run(
        syndicator("--config", str(cfg), "deliveries", "--json"),
        env=ENV, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    [channel] = [json.loads(line) for line in counts.stdout.splitlines()]
    assert channel["posts"]["sent"] == ARTICLES - 1
    assert channel["posts"]["unknown"] == 1
    assert channel["status"] == "ok"
