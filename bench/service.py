"""The real service in its own process, as an operator runs it, for the memory and load
benchmarks: `python -m syndicator --config FILE run` (scheduler, collector, dispatcher and
feed server in one event loop), with a config file written here.

Its memory is read from `/proc/<pid>/status`: VmRSS (resident now) and VmHWM (the peak
resident set since it started), so nothing of the benchmark's own process is counted.
It is stopped with SIGTERM, as a supervisor stops it, and must exit cleanly.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

CATEGORIES = (("world", "عربي ودولي", ("عربي ودولي", "دولي")), ("misc", "منوعات", ()))
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"


@dataclass(frozen=True)
class Feed:
    """A source of the config file: an RSS feed polled every `interval` seconds."""

    id: str
    url: str
    interval: int


def config(database: Path, port: int, sources: Sequence[Feed], interval: int = 120) -> str:
    """A config file for the service: SQLite at `database`, the feed server on `port`,
    `sources` (robots.txt not asked: the fixture sites have none), the adaptive cadence
    pinned to `interval` so every source is polled exactly that often, no Telegram token
    (nothing is routed to a channel, so nothing is sent)."""
    lines = [
        "[database]",
        f'url = "sqlite:///{database}"',
        "[http]",
        'host = "127.0.0.1"',
        f"port = {port}",
        f'public_url = "http://127.0.0.1:{port}"',
        "[logging]",
        'level = "WARNING"',
        "[fetch]",  # the sample sites listen on loopback, refused unless allowed
        'allow_networks = ["127.0.0.0/8", "::1"]',
        "[collect]",
        'default_category = "misc"',
        f"min_interval = {interval}",
        f"max_interval = {interval}",
    ]
    for slug, name, aliases in CATEGORIES:
        quoted = ", ".join(f'"{a}"' for a in aliases)
        lines += ["[[categories]]", f'slug = "{slug}"', f'name = "{name}"', f"aliases = [{quoted}]"]
    for feed in sources:
        lines += [
            "[[sources]]",
            f'id = "{feed.id}"',
            f'name = "موقع {feed.id}"',
            f'url = "{feed.url}"',
            f"interval = {feed.interval}",
            "robots = false",
        ]
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of process `pid`, in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found["VmRSS"], found["VmHWM"]


class Service:
    """`python -m syndicator run` in `workdir` with `config_text`; a context manager."""

    def __init__(self, workdir: Path, config_text: str, port: int) -> None:
        self.workdir = workdir
        self.port = port
        self.path = workdir / "syndicator.toml"
        self.path.write_text(config_text, encoding="utf-8")
        self.log = workdir / "service.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def __enter__(self) -> Service:
        env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "syndicator", "--config", str(self.path), "run"],
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self.http.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def wait_ready(self, timeout: float = 120) -> float:
        """Wait until /readyz answers 200 (prepared, collecting; /healthz answers as soon
        as the process is up, before the database is ready); returns the seconds it took."""
        started = time.monotonic()
        while True:
            self.check_alive()
            try:
                if self.http.get("/readyz").status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the service did not come up; see {self.log}")
            time.sleep(0.2)

    def check_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the service exited ({self.process.returncode}):\n{tail}")

    def memory(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the service, in KiB."""
        return memory(self.pid)

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM, then wait; killed only if it does not stop in `timeout` seconds."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


def polled(database: Path) -> tuple[int, int]:
    """(sources polled at least once, sources with an error now), read from the store."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as conn:
            row = conn.execute(
                "SELECT count(last_polled_at), count(last_error) FROM source_state"
            ).fetchone()
    except sqlite3.OperationalError:  # not migrated yet
        return 0, 0
    return int(row[0]), int(row[1])
