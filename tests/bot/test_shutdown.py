"""A graceful stop: `syndicator dispatch` runs in its own process against a SQLite file and the
fake Bot API and gets SIGTERM while a send is in flight (the fake posted the message and
holds its answer). It claims nothing more, lets the send finish, records it `sent` and exits
0; the rest waits, `pending`, for the next start. When the answer does not come within
`[run] shutdown_grace`, the send is abandoned and left for recovery (`unknown`).

The process logs JSON lines (`[logging] format = "json"`); they are read as the test goes.
Nothing here is timed: the test waits for the process to say it is stopping, then lets the
fake answer.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bot.conftest import CHAT
from tests.bot.test_kill import ARTICLES, ENV, config, seed, syndicator
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.fakes.database import open_store

IN_FLIGHT = 3  # the third send is the one in flight at SIGTERM


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        api.add_chat(CHAT, title="أخبار سوريا")
        yield api


class Dispatcher:
    """`syndicator dispatch` in a subprocess; its stderr (JSON log lines) read by a thread."""

    def __init__(self, cfg: Path) -> None:
        self.process = subprocess.Popen(
            syndicator("--config", str(cfg), "dispatch"),
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._seen = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()

    def wait_for_log(self, start: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._seen:
            while True:
                for line in self.lines:
                    parsed = json.loads(line)
                    if parsed["message"].startswith(start):
                        return dict(parsed)
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError(f"no log line {start!r} in {''.join(self.lines)}")
                self._seen.wait(0.1)

    def wait_for_held_send(self, fake: FakeBotAPI, count: int, timeout: float = 60) -> None:
        """Until the fake holds the answer to the `count`th sendMessage (or the process ended,
        which fails at once with its log)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                fake.wait_for_calls("sendMessage", count, timeout=0.5, held=True)
                return
            except AssertionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self._reader.join(10)
                    raise AssertionError(f"no send held: {''.join(self.lines)}") from None

    def wait(self) -> int:
        try:
            code = self.process.wait(timeout=60)  # a guard against hanging, not a timing
        finally:
            self.process.kill()
        self._reader.join(10)
        return code


def configured(tmp_path: Path, fake: FakeBotAPI, grace: int) -> Path:
    cfg = config(tmp_path, fake)
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(
        f'[logging]\nformat = "json"\n\n[run]\nshutdown_grace = {grace}\n{text}',
        encoding="utf-8",
    )
    asyncio.run(seed(f"sqlite:///{tmp_path / 'kill.db'}"))
    return cfg


def states(tmp_path: Path) -> Counter[str]:
    async def read() -> Counter[str]:
        async with open_store(f"sqlite:///{tmp_path / 'kill.db'}") as store:
            return await store.outbox.counts()

    return asyncio.run(read())


def test_sigterm_lets_the_send_in_flight_finish_and_claims_nothing_more(
    tmp_path: Path, fake: FakeBotAPI
) -> None:
    cfg = configured(tmp_path, fake, grace=60)
    fake.slow("sendMessage", 120, skip=IN_FLIGHT - 1)  # posted, then held until released
    worker = Dispatcher(cfg)
    try:
        worker.wait_for_held_send(fake, IN_FLIGHT)
        worker.process.send_signal(signal.SIGTERM)
        stopping = worker.wait_for_log("stopping")
        fake.release()  # Telegram answers the send in flight
    finally:
        code = worker.wait()
    assert code == 0, "".join(worker.lines)
    assert (stopping["level"], stopping["logger"]) == ("INFO", "syndicator.app")
    logged = [json.loads(line) for line in worker.lines]  # every line is a JSON object
    assert {"timestamp", "level", "logger", "message"} <= set().union(*logged)
    assert DEFAULT_TOKEN not in "".join(worker.lines)
    assert not [x for x in logged if x["level"] in ("WARNING", "ERROR")], logged

    assert len(fake.sent(CHAT)) == IN_FLIGHT  # nothing was claimed after SIGTERM
    assert states(tmp_path) == {"sent": IN_FLIGHT, "pending": ARTICLES - IN_FLIGHT}


def test_a_send_that_outlasts_the_grace_is_left_for_recovery(
    tmp_path: Path, fake: FakeBotAPI
) -> None:
    cfg = configured(tmp_path, fake, grace=0)
    fake.slow("sendMessage", 120, skip=IN_FLIGHT - 1)  # never answered while the test runs
    worker = Dispatcher(cfg)
    try:
        worker.wait_for_held_send(fake, IN_FLIGHT)
        worker.process.send_signal(signal.SIGTERM)
    finally:
        code = worker.wait()
    assert code == 0, "".join(worker.lines)
    warning = worker.wait_for_log("dispatcher still busy after 0 s: cancelled")
    assert warning["level"] == "WARNING"
    assert states(tmp_path) == {"sent": IN_FLIGHT - 1, "sending": 1, "pending": 3}

    again = subprocess.run(
        syndicator("--config", str(cfg), "dispatch", "--once"),
        env=ENV, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "dispatched: interrupted (unknown): 1, sent: 3" in again.stderr
    assert states(tmp_path) == {"sent": ARTICLES - 1, "unknown": 1}
