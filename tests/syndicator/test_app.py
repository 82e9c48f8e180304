"""The composition root wires the summarizer backends: the global one writes what is stored,
and each channel's choice reaches its messages."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from socket import IPPROTO_TCP, TCP_NODELAY
from typing import Any

import pytest

from syndicator.app import App
from syndicator.config import settings_from_mapping
from syndicator.summarize import extractive
from syndicator.summarize.budget import Budget
from tests.fakes.llm_api import FakeLlmAPI
from tests.fakes.news_site import SampleSite

ANSWER = "ملخص كتبه النموذج عن هذا الخبر."


@pytest.fixture
def model() -> Iterator[FakeLlmAPI]:
    with FakeLlmAPI() as fake:
        fake.answer = ANSWER
        yield fake


def config(site: SampleSite, model: FakeLlmAPI, database: str) -> dict[str, Any]:
    return {
        "database": {"url": database},
        "fetch": {"allow_networks": ["127.0.0.0/8", "::1"]},  # the sample sites are on loopback
        "telegram": {"per_chat_interval": 0.0},
        "summarize": {
            "backend": "llm",
            "llm": {"url": model.base_url, "model": "test-model", "timeout": 5},
        },
        "categories": [{"slug": "syria", "name": "الشأن السوري", "aliases": ["سوريا"]}],
        "sources": [{"id": "sham", "name": "أخبار الشام اليوم", "url": site.feed_url()}],
        "channels": [
            {"id": "posts", "chat_id": "@syria_posts", "categories": ["syria"]},
            {
                "id": "alerts",
                "chat_id": "@syria_alerts",
                "categories": ["syria"],
                "summarizer": "extractive",
                "summary_budget": "short",
            },
        ],
    }


def messages(printed: str) -> dict[str, list[str]]:
    """Dry-run output -> the HTML of each message, by chat."""
    found: dict[str, list[str]] = {}
    for block in printed.split("─" * 60 + "\n")[1:]:
        head, _, body = block.partition("\n")
        found.setdefault(head.removeprefix("[dry-run] to "), []).append(unescape(body))
    return found


async def test_global_backend_is_stored_and_channels_get_their_choice(
    make_site: Callable[..., SampleSite], model: FakeLlmAPI, tmp_path: Path
) -> None:
    site = make_site()
    settings = settings_from_mapping(
        config(site, model, f"sqlite:///{tmp_path / 'app.db'}"), tmp_path / "app.toml", env={}
    )
    out = io.StringIO()
    async with App(settings, dry_run=True, out=out) as app:
        assert set(app.summarizers.by_name) == {"extractive", "llm"}
        assert app.summarizers.default.name == "llm"
        await app.prepare()
        [result] = await app.collect()
        assert result.error is None
        stored = await app.store.articles.recent("syria", 50, one_per_story=False)
        assert stored
        assert {a.summary for a in stored} == {ANSWER}
        asked = len(model.requests)
        outcomes = await app.dispatch_once()
    assert outcomes == {"sent": 2 * len(stored)}
    assert len(model.requests) == asked  # the alerts channel asked for extractive summaries
    sent = messages(out.getvalue())
    assert len(sent["@syria_posts"]) == len(sent["@syria_alerts"]) == len(stored)
    assert all(ANSWER in html for html in sent["@syria_posts"])
    for article in stored:
        short = extractive.summarize(article.title, article.text, Budget.SHORT)
        assert any(short in html for html in sent["@syria_alerts"])
    assert not any(ANSWER in html for html in sent["@syria_alerts"])


async def test_without_a_model_server_only_extractive_is_built(tmp_path: Path) -> None:
    settings = settings_from_mapping(
        {"database": {"url": f"sqlite:///{tmp_path / 'app.db'}"}}, tmp_path / "app.toml", env={}
    )
    async with App(settings, dry_run=True) as app:
        assert set(app.summarizers.by_name) == {"extractive"}
        assert app.summarizers.default.name == "extractive"


async def test_the_feed_servers_connections_send_without_waiting(tmp_path: Path) -> None:
    """Feed readers keep connections open. asyncio sets TCP_NODELAY on an accepted
    connection only when the listening socket is declared TCP; without it each answer on a
    kept-alive connection waited about 40 ms for the reader's delayed ACK."""
    settings = settings_from_mapping(
        {"database": {"url": f"sqlite:///{tmp_path / 'app.db'}"}, "http": {"port": 0}},
        tmp_path / "app.toml",
        env={},
    )
    nodelay: list[int] = []
    seen = asyncio.Event()

    async def accepted(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nodelay.append(writer.get_extra_info("socket").getsockopt(IPPROTO_TCP, TCP_NODELAY))
        seen.set()
        writer.close()

    async with App(settings, dry_run=True) as app:
        server = await asyncio.start_server(accepted, sock=app.listen())
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", app.bound_port)
            await asyncio.wait_for(seen.wait(), 5)
            writer.close()
    assert nodelay == [1]
