"""/metrics: the running service's numbers after real collections and deliveries, between the
loopback news site, the fake Bot API and the fake model server, on SQLite and PostgreSQL;
and what it says when the store cannot be read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import ChannelMetrics
from syndicator.app import App
from syndicator.config import settings_from_mapping
from syndicator.metrics import Metrics, request_format
from syndicator.model import Category, Channel, Source
from syndicator.store import Store
from tests.bot.conftest import article
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.fakes.clock import NOW
from tests.fakes.llm_api import FakeLlmAPI, Mode
from tests.fakes.news_site import SampleSite
from tests.test_end_to_end import SYRIA_CHAT, running
from tests.waiting import eventually

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def site(empty_site: SampleSite) -> SampleSite:
    return empty_site  # every article is published by the test


@pytest.fixture
def telegram() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        fake.add_chat(SYRIA_CHAT, title="قناة")
        yield fake


@pytest.fixture
def model() -> Iterator[FakeLlmAPI]:
    with FakeLlmAPI() as fake:
        fake.mode = Mode.ENGLISH  # every answer fails the checks: the extractive one is used
        yield fake


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def total(samples: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= have)


async def test_metrics_after_collections_and_deliveries(
    site: SampleSite,
    telegram: FakeBotAPI,
    model: FakeLlmAPI,
    database_url: str,
    tmp_path: Path,
) -> None:
    raw = {
        "database": {"url": database_url},
        "http": {"host": "127.0.0.1", "port": 0},
        "fetch": {"allow_networks": ["127.0.0.0/8", "::1"]},  # the sample sites are on loopback
        "telegram": {"base_url": telegram.base_url, "per_chat_interval": 0.0},
        "summarize": {"backend": "llm", "llm": {"url": model.base_url, "model": "m"}},
        "categories": [{"slug": "syria", "name": "الشأن السوري", "aliases": ["سوريا"]}],
        "sources": [{"id": "sham", "name": "الشام", "url": site.feed_url(), "interval": 1}],
        "channels": [
            {"id": "syria-news", "chat_id": SYRIA_CHAT, "categories": ["syria"], "image": False}
        ],
    }
    settings = settings_from_mapping(
        raw, tmp_path / "m.toml", env={"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN}
    )
    # The first message meets flood control once (429, retry after 1 s), then goes out.
    telegram.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    async with App(settings) as app, running(app) as base, httpx.AsyncClient() as http:
        site.publish_next("syria")
        await telegram.await_messages(SYRIA_CHAT, 1, timeout=30)
        site.publish_next("syria")  # the next poll reads the first one again: a dedup hit
        await telegram.await_messages(SYRIA_CHAT, 2, timeout=30)

        async def sent_twice() -> bool:
            return (await app.store.outbox.counts()) == {"sent": 2}

        await eventually(sent_twice)
        feed = await http.get(f"{base}/feeds/syria.rss")
        again = await http.get(
            f"{base}/feeds/syria.rss", headers={"If-None-Match": feed.headers["etag"]}
        )
        assert (feed.status_code, again.status_code) == (200, 304)
        assert (await http.get(f"{base}/feeds/nothing.rss")).status_code == 404
        assert (await http.get(f"{base}/readyz")).status_code == 200
        answer = await http.get(f"{base}/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    assert DEFAULT_TOKEN not in answer.text
    assert DEFAULT_TOKEN.split(":")[1] not in answer.text
    samples = parse(answer.text)

    # collection
    assert value(samples, "syndicator_articles_ingested_total", source="sham") == 2
    assert value(samples, "syndicator_entries_duplicate_total", source="sham") >= 1
    assert value(samples, "syndicator_polls_total", source="sham", result="ok") >= 2
    polls = total(samples, "syndicator_polls_total", source="sham")
    assert value(samples, "syndicator_fetch_duration_seconds_count", source="sham") == polls
    assert value(samples, "syndicator_fetch_duration_seconds_sum", source="sham") > 0
    assert value(samples, "syndicator_source_errors", source="sham") == 0
    # feeds: 304s against 200s give the ratio; the operations endpoints are not counted
    assert value(samples, "syndicator_feed_requests_total", format="rss", status="200") == 1
    assert value(samples, "syndicator_feed_requests_total", format="rss", status="304") == 1
    assert value(samples, "syndicator_feed_requests_total", format="rss", status="404") == 1
    assert total(samples, "syndicator_feed_requests_total", format="other") == 0
    # delivery: the store's states now, this process's outcomes, flood control
    channel = {"channel": "syria-news"}
    assert value(samples, "syndicator_deliveries", **channel, kind="post", state="sent") == 2
    assert value(samples, "syndicator_deliveries", **channel, kind="post", state="pending") == 0
    assert value(samples, "syndicator_delivery_queue_age_seconds", **channel) == 0
    assert value(samples, "syndicator_channel_paused", **channel) == 0
    assert value(samples, "syndicator_delivery_outcomes_total", **channel, outcome="sent") == 2
    assert value(samples, "syndicator_telegram_flood_waits_total", **channel) == 1
    assert value(samples, "syndicator_telegram_flood_wait_seconds_total", **channel) == 1
    # summaries: the model wrote English, so both fell back to the extractive summary
    assert value(samples, "syndicator_llm_requests_total") == 2
    assert value(samples, "syndicator_llm_summaries_used_total") == 0
    assert total(samples, "syndicator_llm_fallbacks_total") == 2
    # the process
    assert value(samples, "syndicator_database_up") == 1
    assert value(samples, "process_resident_memory_bytes") > 0


async def test_metrics_answer_when_the_store_cannot_be_read(tmp_path: Path) -> None:
    blocked = tmp_path / "db.sqlite"
    blocked.mkdir()  # a directory where the database file should be: it cannot be opened
    settings = settings_from_mapping(
        {"database": {"url": f"sqlite:///{blocked}"}}, tmp_path / "m.toml", env={}
    )
    async with App(settings, dry_run=True) as app:
        transport = httpx.ASGITransport(app=app.metrics.instrument(app.feed_server().app()))
        async with httpx.AsyncClient(transport=transport, base_url="http://feeds") as http:
            answer = await http.get("/metrics")
    assert answer.status_code == 200
    samples = parse(answer.text)
    assert value(samples, "syndicator_database_up") == 0
    assert not any(name == "syndicator_deliveries" for name, _ in samples)


async def test_subscribers_are_one_series_without_their_user_ids(sqlite_store: Store) -> None:
    people = [Channel(f"sub:{user}", str(user), ("syria",)) for user in (424242, 515151)]
    await sqlite_store.registry.apply(
        [Category("syria", "الشأن السوري")],
        [Source("sham", "الشام", "http://127.0.0.1:1/feed/")],
        [Channel("syria-news", "-1001", ("syria",)), *people],
    )
    await sqlite_store.articles.add(article(1), NOW - timedelta(minutes=5))
    counts = {
        "syria-news": ChannelMetrics(sent=3),
        "sub:424242": ChannelMetrics(sent=1, flood_waits=1, flood_seconds=2.0),
        "sub:515151": ChannelMetrics(sent=2, unknown=1),
    }
    metrics = Metrics(sqlite_store, lambda: NOW, deliveries=lambda: counts)
    body, _ = await metrics.exposition()
    text = body.decode()
    assert "424242" not in text
    assert "515151" not in text
    samples = parse(text)
    everyone = {"channel": "sub:*"}
    assert value(samples, "syndicator_delivery_outcomes_total", **everyone, outcome="sent") == 3
    assert value(samples, "syndicator_delivery_outcomes_total", **everyone, outcome="unknown") == 1
    assert value(samples, "syndicator_telegram_flood_wait_seconds_total", **everyone) == 2
    assert value(samples, "syndicator_deliveries", **everyone, kind="post", state="pending") == 2
    assert value(samples, "syndicator_delivery_queue_age_seconds", **everyone) == 300
    assert value(samples, "syndicator_channel_paused", **everyone) == 0
    channel = {"channel": "syria-news"}
    assert value(samples, "syndicator_delivery_outcomes_total", **channel, outcome="sent") == 3
    assert value(samples, "syndicator_deliveries", **channel, kind="post", state="pending") == 1


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/feeds/syria.rss", "rss"),
        ("/feeds/source/sham.atom", "atom"),
        ("/feeds/all/archive/2.json", "json"),
        ("/feeds.opml", "opml"),
        ("/", "html"),
        ("/c/syria/", "html"),
        ("/wp-login.php", "other"),
        ("/favicon.ico", "other"),
        ("/healthz", None),
        ("/readyz", None),
        ("/metrics", None),
    ],
)
def test_request_format(path: str, label: str | None) -> None:
    assert request_format(path) == label
