"""The `syndicator` command as an operator runs it: real processes, real files, real ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import feedparser
import httpx
import pytest

from tests.fakes.news_site import SampleSite

REQUIRED_KEYS = {
    "id",
    "source",
    "url",
    "title",
    "text",
    "summary",
    "categories",
    "published",
    "image",
}


def syndicator(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syndicator", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": "", **(env or {})},
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def config(tmp_path: Path, site: SampleSite) -> Path:
    path = tmp_path / "syndicator.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///{tmp_path / "cli.db"}"

[http]
port = {free_port()}

[fetch]
allow_networks = ["127.0.0.0/8", "::1"]  # the sample site listens on loopback

[telegram]
per_chat_interval = 0

[[categories]]
slug = "syria"
name = "الشأن السوري"

[[categories]]
slug = "economy"
name = "اقتصاد"

[[sources]]
id = "sham"
name = "أخبار الشام اليوم"
url = "{site.feed_url()}"

[[channels]]
id = "syria-news"
chat_id = "@sham_syria_news"
categories = ["syria"]
""",
        encoding="utf-8",
    )
    return path


def test_collect_articles_and_dispatch(config: Path) -> None:
    assert syndicator("--config", str(config), "db", "upgrade").returncode == 0
    collected = syndicator("--config", str(config), "collect")
    assert collected.returncode == 0, collected.stderr
    assert "sham" in collected.stderr

    listed = syndicator("--config", str(config), "articles", "--json", "--limit", "3")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) == 3
    for row in rows:
        assert row.keys() >= REQUIRED_KEYS
        assert row["source"] == "sham"
    assert any("ال" in row["title"] for row in rows)  # Arabic kept as text, not \\u escapes
    assert "\\u06" not in listed.stdout

    dispatched = syndicator("--config", str(config), "dispatch", "--once")
    assert dispatched.returncode == 0, dispatched.stderr
    assert dispatched.stdout.count("[dry-run] to @sham_syria_news") == 2  # two syria articles
    assert "sent: 2" in dispatched.stderr
    again = syndicator("--config", str(config), "dispatch", "--once")
    assert "nothing was due" in again.stderr
    assert "[dry-run]" not in again.stdout


def test_collect_unknown_source_is_a_clear_error(config: Path) -> None:
    result = syndicator("--config", str(config), "collect", "--source", "nope")
    assert result.returncode == 2
    assert "no enabled source with id 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[[sources]]\nid = "x"\nname = "x"\nurl = "nowhere"\n', encoding="utf-8")
    result = syndicator("--config", str(path), "run")
    assert result.returncode == 2
    assert f"{path}: sources[0].url: Input should be a valid URL" in result.stderr
    assert "Traceback" not in result.stderr
    missing = syndicator("--config", str(tmp_path / "absent.toml"), "collect")
    assert missing.returncode == 2
    assert "file not found" in missing.stderr


def test_config_from_environment_variable(config: Path) -> None:
    result = syndicator("db", "upgrade", env={"SYNDICATOR_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    assert "cli.db" in result.stderr


def wait_for(url: str, check: str = "", timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == 200 and check in response.text:
                return response
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer with {check!r} within {timeout} s")
        time.sleep(0.2)


class Service:
    """A `syndicator` process whose stdout is read line by line while it runs."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "syndicator", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        self.lines: list[str] = []
        assert self.process.stdout is not None
        self._reader = threading.Thread(
            target=lambda out: self.lines.extend(out), args=(self.process.stdout,), daemon=True
        )
        self._reader.start()

    def wait_for_output(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in list(self.lines)):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"no {text!r} in the output: {''.join(self.lines)}")
            time.sleep(0.1)

    def stop(self, sig: signal.Signals) -> tuple[str, str]:
        self.process.send_signal(sig)
        try:
            _, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
            raise AssertionError(f"did not stop on {sig.name}:\n{err}") from None
        self._reader.join(5)
        assert self.process.returncode == 0, err
        return "".join(self.lines), err


def test_run_serves_feeds_and_stops_on_sigterm(config: Path) -> None:
    port = next(
        line.split("=")[1].strip()
        for line in config.read_text().splitlines()
        if line.startswith("port")
    )
    service = Service("--config", str(config), "run", env={"TELEGRAM_BOT_TOKEN": ""})
    try:
        wait_for(f"http://127.0.0.1:{port}/feeds/syria.rss", "روسيا تتجه لمؤتمر شعوب سوريا")
        service.wait_for_output("[dry-run] to @sham_syria_news")
    finally:
        _, err = service.stop(signal.SIGTERM)
    assert "stopping" in err


def test_demo_fills_feeds_offline() -> None:
    port = free_port()
    service = Service("demo", "--port", str(port), env={"TELEGRAM_BOT_TOKEN": "123:ignored"})
    try:
        index = wait_for(f"http://127.0.0.1:{port}/", "روسيا تتجه لمؤتمر شعوب سوريا")
        assert f"http://127.0.0.1:{port}/feeds/syria.rss" in index.text
        feed = feedparser.parse(wait_for(f"http://127.0.0.1:{port}/feeds/syria.rss").content)
        assert not feed.bozo
        assert feed.feed.language == "ar"
        assert any("سوريا" in entry.title for entry in feed.entries)
        service.wait_for_output("Demo running")
        service.wait_for_output("[dry-run] to @sham_syria_news")
    finally:
        service.stop(signal.SIGINT)


def test_collect_with_extraction_workers(config: Path) -> None:
    """Page extraction in worker processes gives the same articles as in-process."""
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[telegram]", "[collect]\nextract_workers = 2\n\n[telegram]"))
    collected = syndicator("--config", str(config), "collect")
    assert collected.returncode == 0, collected.stderr
    listed = syndicator("--config", str(config), "articles", "--json", "--limit", "50")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    seed = next(r for r in rows if r["title"].startswith("روسيا تتجه لمؤتمر شعوب سوريا"))
    assert "مؤتمر شعوب سوريا" in seed["text"]  # the excerpt-only entry's page was extracted
    assert "5704117d9b036" not in seed["text"]
    assert len(rows) == 8
