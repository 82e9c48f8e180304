"""`syndicator status`: what the store says about the service, on SQLite and PostgreSQL, as a
terminal table and as JSON; a schema behind the code is reported, never migrated."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from syndicator.model import Channel, Source, SourceState
from syndicator.status import as_json, gather, render
from syndicator.store import Store, migrate
from syndicator.store.registry import poll_failed
from tests.bot.conftest import CATEGORIES, article
from tests.fakes.clock import NOW

SOURCES = (
    Source("sham", "أخبار الشام اليوم", "http://127.0.0.1:1/feed/"),
    Source("wire", "وكالة", "http://127.0.0.1:1/wire/"),
)
CHANNELS = (
    Channel("syria-news", "-1001000000001", ("syria",)),
    Channel("business", "@business_news", ("syria",)),
    Channel("sub:4242", "4242", ("syria",)),  # a subscriber's private chat
)


async def seeded(store: Store) -> None:
    await store.registry.apply(CATEGORIES, SOURCES, CHANNELS)
    failed = poll_failed(SourceState("wire"), NOW, NOW + timedelta(minutes=5), "HTTP 503")
    await store.registry.record_poll(failed)
    await store.articles.add(article(0, "خبر قديم"), NOW - timedelta(days=3))
    await store.articles.add(article(1, "خبر من الصباح"), NOW - timedelta(hours=5))
    await store.articles.add(article(2, "خبر عاجل"), NOW - timedelta(minutes=10))
    await store.chats.pause("business", "@business_news", "Forbidden: bot was kicked", NOW)
    queue = (await store.outbox.queues(NOW, per_channel=1))["syria-news"]
    [claimed] = await store.outbox.claim_items(queue.items, NOW)
    assert await store.outbox.sent(claimed.delivery, 7, NOW)


async def test_status_of_a_running_service(store: Store) -> None:
    await seeded(store)
    status = await gather(store, store.engine, NOW)
    shown = as_json(status)

    head = migrate.head()
    assert shown["schema"] == {"current": head, "newest": head, "pending": False}
    assert shown["unreadable"] is None
    sources = {s["id"]: s for s in shown["sources"]}
    assert (sources["sham"]["ok"], sources["wire"]["ok"]) == (True, False)
    assert (sources["wire"]["last_error"], sources["wire"]["error_count"]) == ("HTTP 503", 1)
    assert shown["articles"] == {"last_hour": 1, "last_day": 2}
    by_state = shown["deliveries"]["by_state"]
    assert (by_state["sent"], by_state["pending"], by_state["unknown"]) == (1, 8, 0)
    assert shown["deliveries"]["queue_age"] == 3 * 86400  # the oldest post still waiting
    assert shown["channels_paused"] == ["business"]
    channels = {c["id"]: c for c in shown["channels"]}
    assert channels["business"]["state"] == "paused: Forbidden: bot was kicked"
    assert channels["syria-news"]["state"] == "ok"
    assert set(channels) == {"business", "syria-news"}  # subscribers are counted together:
    assert shown["subscribers"] == {
        "chats": 1,
        "posts": {"pending": 3, "sending": 0, "sent": 0, "failed": 0, "unknown": 0, "skipped": 0},
        "queue_age": 3 * 86400,
        "paused": 0,
    }
    [post] = shown["last_posts"]
    assert (post["channel"], post["title"], post["message_id"]) == ("syria-news", "خبر قديم", 7)
    json.dumps(shown)  # the whole of it is JSON

    out = io.StringIO()
    Console(file=out, width=160).print(render(status))
    text = out.getvalue()
    assert f"schema: {migrate.head()} (current)" in text
    assert "sources: 2, 1 in error" in text
    assert "1 in the last hour, 2 in the last day" in text
    assert "channels paused: business" in text
    assert "subscribers (1)" in text
    assert "4242" not in text
    assert "HTTP 503" in text
    assert "خبر قديم" in text


# --- the command --------------------------------------------------------------------------


def syndicator(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syndicator", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": ""},
        check=False,
    )


def write_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "syndicator.toml"
    path.write_text(
        f"""
[database]
url = "{url}"

[[categories]]
slug = "syria"
name = "الشأن السوري"

[[sources]]
id = "sham"
name = "أخبار الشام اليوم"
url = "http://127.0.0.1:1/feed/"
""",
        encoding="utf-8",
    )
    return path


def test_status_command_reports_pending_migrations_without_running_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'status.db'}"
    migrate.upgrade(url, "0002")
    config = write_config(tmp_path, url)

    shown = syndicator(config, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    schema = json.loads(shown.stdout)["schema"]
    assert schema == {"current": "0002", "newest": migrate.head(), "pending": True}
    table = syndicator(config, "status")
    assert table.returncode == 0, table.stderr
    assert "migrations pending, run `syndicator db upgrade`" in " ".join(table.stdout.split())
    assert migrate.pending(url)  # status changed nothing

    assert syndicator(config, "db", "upgrade").returncode == 0
    shown = syndicator(config, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout)
    assert found["schema"]["pending"] is False
    assert found["sources"] == []  # what the database holds: the file is applied by `run`
    assert found["articles"] == {"last_hour": 0, "last_day": 0}


def test_status_command_with_the_database_down(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = write_config(tmp_path, f"postgresql://syndicator@127.0.0.1:{port}/none")
    shown = syndicator(config, "status")
    assert shown.returncode == 1
    assert "error: database unreachable: OperationalError" in shown.stderr
    assert "Traceback" not in shown.stderr
