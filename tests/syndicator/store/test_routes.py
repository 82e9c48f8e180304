"""Routes with filters and subscribers' alerts at ingest, edits with their audit entries
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from syndicator.errors import InvalidChange
from syndicator.model import (
    Actor,
    Article,
    Category,
    Channel,
    DeliveryState,
    Route,
    Source,
    subscriber_channel,
)
from syndicator.store import Store, tables

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BOT = Actor("tg:7", "bot")
CATEGORIES = (Category("syria", "الشأن السوري"), Category("economy", "اقتصاد"))
SOURCES = (Source("sham", "أخبار الشام", "http://127.0.0.1:1/feed/"),)


def article(n: int, title: str, *categories: str) -> Article:
    return Article(
        source_id="sham", guid=f"g{n}", url=f"http://127.0.0.1:1/a/{n}/", title=title,
        text="نص الخبر.", content_html="", summary="ملخص.", published=NOW - timedelta(hours=n),
        updated=NOW, content_hash=f"h{n}", categories=categories,
    )  # fmt: skip


async def owed(store: Store) -> set[tuple[str, str]]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            select(tables.articles.c.title, tables.deliveries.c.channel_id).join(
                tables.articles, tables.articles.c.id == tables.deliveries.c.article_id
            )
        )
        return {(str(title), str(channel)) for title, channel in rows}


async def test_routes_filter_by_keywords_and_subscribers_get_their_alerts(store: Store) -> None:
    channels = (Channel("syria-news", "-1001"), Channel("oil", "-1002"))
    routes = (
        Route("syria-news", ("syria",), exclude=("كرة",)),
        Route("oil", ("economy",), include=("النفط",)),
    )
    await store.registry.apply(CATEGORIES, SOURCES, channels, routes)
    await store.subscribers.start(501, BOT, NOW)
    await store.subscribers.add_alert(501, "الاسد", 20, BOT, NOW)
    await store.subscribers.start(502, BOT, NOW)
    await store.subscribers.set_categories(502, ["economy"], BOT, NOW)
    await store.subscribers.start(503, BOT, NOW)
    await store.subscribers.add_alert(503, "الأسد", 20, BOT, NOW)
    await store.subscribers.stop(503, BOT, NOW)  # stopped: gets nothing

    for n, (title, slug) in enumerate([
        ("لقاء مع الأسد في دمشق", "syria"),
        ("مباراة كرة قدم في حلب", "syria"),
        ("أسعار النفط ترتفع", "economy"),
        ("الذهب ينخفض", "economy"),
    ]):  # fmt: skip
        await store.articles.add(article(n, title, slug), NOW)

    assert await owed(store) == {
        ("لقاء مع الأسد في دمشق", "syria-news"),
        ("لقاء مع الأسد في دمشق", subscriber_channel(501)),
        ("أسعار النفط ترتفع", "oil"),
        ("أسعار النفط ترتفع", subscriber_channel(502)),
        ("الذهب ينخفض", subscriber_channel(502)),
    }
    states = await store.chats.states()
    assert states[subscriber_channel(501)].chat_id == "501"
    assert not states[subscriber_channel(503)].enabled


async def test_alerts_are_limited_and_unique(store: Store) -> None:
    await store.subscribers.start(9, BOT, NOW)
    await store.subscribers.add_alert(9, "  بشار   الأسد ", 2, BOT, NOW)
    with pytest.raises(InvalidChange, match="already"):
        await store.subscribers.add_alert(9, "بشار الاسد", 2, BOT, NOW)
    await store.subscribers.add_alert(9, "حلب", 2, BOT, NOW)
    with pytest.raises(InvalidChange, match="at most 2"):
        await store.subscribers.add_alert(9, "دمشق", 2, BOT, NOW)
    with pytest.raises(InvalidChange, match="no word"):
        await store.subscribers.add_alert(9, "؟!", 5, BOT, NOW)
    assert await store.subscribers.remove_alert(9, "بشار الاسد", BOT, NOW)
    subscriber = await store.subscribers.get(9)
    assert subscriber is not None
    assert subscriber.alerts == ("حلب",)


async def test_edits_check_references_and_write_the_audit_log(store: Store) -> None:
    await store.registry.apply(CATEGORIES, SOURCES, ())
    await store.edits.add_channel(Channel("news", "-1001", ("syria",)), BOT, NOW)
    with pytest.raises(InvalidChange, match="unknown source 'nope'"):
        await store.edits.add_route(Route("news", sources=("nope",)), BOT, NOW)
    with pytest.raises(InvalidChange, match="no channel with id 'ghost'"):
        await store.edits.add_route(Route("ghost"), BOT, NOW)
    route_id = await store.edits.add_route(Route("news", include=("النفط",)), BOT, NOW)
    assert len(await store.registry.routes("news")) == 2
    assert await store.edits.pause("news", "maintenance", BOT, NOW)
    assert not await store.edits.pause("news", "again", BOT, NOW)
    assert (await store.chats.states())["news"].paused_reason == "maintenance"
    await store.edits.resume("news", BOT, NOW)
    assert (await store.chats.states())["news"].paused_reason is None
    removed = await store.edits.remove_route(route_id, BOT, NOW)
    assert removed is not None
    assert removed.include == ("النفط",)
    await store.articles.add(article(1, "خبر", "syria"), NOW)
    async with store.engine.begin() as conn:
        await conn.execute(tables.deliveries.update().values(state="unknown"))
    assert await store.edits.retry("news", [DeliveryState.UNKNOWN], BOT, NOW) == 1
    assert (await store.outbox.counts()) == {"pending": 1}
    assert await store.edits.remove_channel("news", BOT, NOW)
    assert not await store.edits.remove_channel("news", BOT, NOW)
    actions = [e.action for e in await store.audit.entries(actor="tg:7")]
    assert actions == [
        "channel.remove", "deliveries.retry", "route.remove", "channel.resume",
        "channel.pause", "route.add", "channel.add",
    ]  # fmt: skip
    assert await store.audit.entries(since=NOW + timedelta(seconds=1)) == []
    assert await store.audit.latest() > 0
