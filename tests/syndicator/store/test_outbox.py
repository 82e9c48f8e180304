"""The delivery store on SQLite and PostgreSQL: per-channel queues, backlog and digest
selections, corrections as edits, chat state (holds, migrations, pauses, digests) and
the operators' reports; and the 0003 migration over existing deliveries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

from syndicator.model import (
    Article,
    Category,
    Channel,
    DeliveryKind,
    DeliveryState,
    MessageKind,
    Source,
)
from syndicator.store import Store, migrate
from syndicator.store.engine import sync_url

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CHANNELS = (
    Channel("syria-news", "-1001", ("syria",)),
    Channel("business", "@business_news", ("economy",)),
)


def article(n: int, category: str = "syria") -> Article:
    return Article(
        source_id="sham",
        guid=f"g{n}",
        url=f"http://127.0.0.1:1/{n}/",
        title=f"عنوان الخبر رقم {n}",
        text="نص",
        content_html="",
        summary="ملخص",
        published=NOW - timedelta(hours=10 - n),
        updated=NOW,
        content_hash=f"h{n}",
        categories=(category,),
    )


async def configured(store: Store, articles: int = 0) -> None:
    await store.registry.apply(
        (Category("syria", "الشأن السوري"), Category("economy", "اقتصاد")),
        (Source("sham", "أخبار الشام", "http://127.0.0.1:1/feed/"),),
        CHANNELS,
    )
    for n in range(articles):
        await store.articles.add(article(n, "syria" if n % 3 else "economy"), NOW)


async def test_queues_per_channel_with_a_limit_and_the_backlog_count(store: Store) -> None:
    await configured(store, 9)
    queues = await store.outbox.queues(NOW, per_channel=2)
    assert set(queues) == {"syria-news", "business"}
    syria = queues["syria-news"]
    assert len(syria.items) == 2
    assert syria.posts == 6
    assert [i.id for i in syria.items] == sorted(i.id for i in syria.items)  # oldest first
    assert queues["business"].posts == 3
    # Digest channels' posts wait for their digest.
    assert set(await store.outbox.queues(NOW, exclude=["business"])) == {"syria-news"}
    # Newest article first for backlogs and digests, including posts waiting for a retry.
    [claimed] = await store.outbox.claim_items([syria.items[0]], NOW)
    await store.outbox.retry(claimed.delivery, NOW + timedelta(minutes=5), "network", NOW)
    pending = await store.outbox.pending_posts("syria-news", NOW)
    assert len(pending) == 6
    assert [p.published for p in pending] == sorted((p.published for p in pending), reverse=True)
    assert (await store.outbox.queues(NOW))["syria-news"].posts == 6


async def test_held_and_paused_channels_are_not_claimed(store: Store) -> None:
    await configured(store, 3)
    await store.chats.hold("business", NOW + timedelta(seconds=30))
    await store.chats.hold("business", NOW + timedelta(seconds=10))  # never shortened
    assert set(await store.outbox.queues(NOW)) == {"syria-news"}
    assert await store.outbox.next_due() == NOW
    await store.chats.pause("syria-news", "-1001", "Forbidden: bot was kicked", NOW)
    assert await store.outbox.queues(NOW) == {}
    assert await store.outbox.claim(NOW) == []
    assert await store.outbox.next_due() == NOW + timedelta(seconds=30)
    assert set(await store.outbox.queues(NOW + timedelta(seconds=30))) == {"business"}
    assert await store.chats.resume("syria-news")
    assert not await store.chats.resume("nope")
    assert set(await store.outbox.queues(NOW)) == {"syria-news"}


async def test_a_pause_ends_when_the_config_names_another_chat(store: Store) -> None:
    await configured(store, 3)
    await store.chats.pause("syria-news", "-1001", "chat not found", NOW)
    assert (await store.chats.states())["syria-news"].paused_reason == "chat not found"
    await store.registry.apply((), (), (Channel("syria-news", "-1009", ("syria",)),))
    assert (await store.chats.states())["syria-news"].paused_reason is None


async def test_a_migrated_chat_is_used_while_the_config_names_the_old_one(store: Store) -> None:
    await configured(store, 3)
    await store.chats.move("syria-news", "-1004001")
    await configured(store)  # the config is applied again on the next start
    [claimed] = await store.outbox.claim_items(
        (await store.outbox.queues(NOW))["syria-news"].items[:1], NOW
    )
    assert claimed.delivery.chat_id == "-1004001"
    await store.chats.move("syria-news", "-1004002")  # moved again
    assert (await store.chats.states())["syria-news"].chat_id == "-1004002"
    await store.registry.apply((), (), (Channel("syria-news", "-1005", ("syria",)),))
    assert (await store.chats.states())["syria-news"].chat_id == "-1005"  # the operator's word


async def test_skip_and_recover(store: Store) -> None:
    await configured(store, 6)
    queue = (await store.outbox.queues(NOW))["syria-news"]
    assert await store.outbox.skip(queue.items[:2], "backlog", NOW) == 2
    assert await store.outbox.skip(queue.items[:2], "backlog", NOW) == 0  # already done
    claimed = await store.outbox.claim_items(queue.items[2:], NOW)
    assert await store.outbox.skipped(claimed[0].delivery, "not listed", NOW)
    interrupted = await store.outbox.recover(NOW, resend=["business"])
    assert [i.id for i in interrupted] == [c.delivery.id for c in claimed[1:]]
    assert await store.outbox.counts() == {"skipped": 3, "unknown": 1, "pending": 2}


async def test_a_corrected_sent_post_owes_one_edit(store: Store) -> None:
    await configured(store, 2)
    [syria] = (await store.outbox.queues(NOW))["syria-news"].items
    [claimed] = await store.outbox.claim_items([syria], NOW)
    assert await store.outbox.sent(
        claimed.delivery, 41, NOW, message_kind=MessageKind.PHOTO, revision=0, message_hash="a"
    )
    channels = ["syria-news", "business"]
    assert await store.corrections.enqueue(NOW, channels) == 0  # nothing corrected yet
    later = NOW + timedelta(hours=1)
    await store.articles.revise(syria_article := claimed.article.id or 0, replace(
        claimed.article, title="عنوان مصحح"), later)  # fmt: skip
    assert await store.corrections.enqueue(later, ["business"]) == 0  # not this channel's
    assert await store.corrections.enqueue(later, channels) == 1
    assert await store.corrections.enqueue(later, channels) == 0  # already owed
    edit = next(i for i in (await store.outbox.queues(later))["syria-news"].items)
    assert edit.kind is DeliveryKind.EDIT
    [owed] = await store.outbox.claim_items([edit], later)
    assert owed.delivery.kind is DeliveryKind.EDIT
    assert (owed.delivery.message_id, owed.delivery.message_kind) == (41, MessageKind.PHOTO)
    assert owed.shown_hash == "a"
    assert owed.article.title == "عنوان مصحح"
    assert await store.outbox.sent(owed.delivery, 41, later, revision=1, message_hash="b")
    # A later correction reuses the row; one outside the window is not edited.
    await store.articles.revise(syria_article, replace(owed.article, title="ثالث"), later)
    assert await store.corrections.enqueue(later, channels) == 1
    [again] = await store.outbox.claim_items(
        (await store.outbox.queues(later))["syria-news"].items[:1], later
    )
    assert again.shown_hash == "b"
    await store.outbox.sent(again.delivery, 41, later, revision=2, message_hash="c")
    late = NOW + timedelta(hours=49)
    await store.articles.revise(syria_article, replace(again.article, title="رابع"), late)
    assert await store.corrections.enqueue(late, channels) == 0


async def test_reports_per_channel(store: Store) -> None:
    await configured(store, 3)
    queue = (await store.outbox.queues(NOW))["syria-news"]
    [claimed] = await store.outbox.claim_items(queue.items[:1], NOW)
    await store.outbox.unknown(claimed.delivery, "read timeout", NOW)
    await store.chats.hold("business", NOW + timedelta(seconds=30))
    reports = {r.channel_id: r for r in await store.reports.channels()}
    assert reports["syria-news"].posts == {"unknown": 1, "pending": 1}
    assert reports["syria-news"].oldest_pending == NOW
    assert reports["business"].not_before == NOW + timedelta(seconds=30)
    [row] = await store.reports.deliveries(DeliveryState.UNKNOWN)
    assert (row.id, row.channel_id, row.error) == (
        claimed.delivery.id,
        "syria-news",
        "read timeout",
    )
    assert await store.reports.deliveries(DeliveryState.UNKNOWN, channel_id="business") == []


async def test_digest_slots_are_remembered(store: Store) -> None:
    await configured(store)
    assert (await store.chats.states())["business"].last_digest_at is None
    await store.chats.digested("business", NOW)
    assert (await store.chats.states())["business"].last_digest_at == NOW


def test_upgrade_from_0002_keeps_sent_deliveries_editable(database_url: str) -> None:
    migrate.upgrade(database_url, "0002")
    engine = create_sync_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            for statement in (
                "INSERT INTO sources (id, name, url, kind, categories, interval, enabled)"
                " VALUES ('sham', 'x', 'http://x/', 'feed', '[]', 600, true)",
                "INSERT INTO articles (source_id, guid, url, url_key, title, text, content_html,"
                " summary, author, published_at, updated_at, fetched_at, content_hash)"
                " VALUES ('sham', 'g', 'http://x/a/', 'http://x/a/', 't', 'x', '', '', '',"
                " '2026-11-29 12:00:00', '2026-11-29 12:00:00', '2026-11-29 12:00:00', 'h')",
                "INSERT INTO channels (id, chat_id, enabled) VALUES ('c', '-1001', true)",
                "INSERT INTO deliveries (article_id, channel_id, state, attempt, next_attempt_at,"
                " telegram_message_id, created_at, updated_at) VALUES (1, 'c', 'sent', 1,"
                " '2026-11-29 12:00:00', 7, '2026-11-29 12:00:00', '2026-11-29 12:01:00')",
            ):
                conn.execute(text(statement))
        migrate.upgrade(database_url)
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT kind, message_kind, revision, sent_at FROM deliveries")
            ).one()
        migrate.downgrade(database_url, "0002")
        migrate.upgrade(database_url)
    finally:
        engine.dispose()
    assert (row.kind, row.message_kind, row.revision) == ("post", "text", 0)
    assert str(row.sent_at).startswith("2026-11-29 12:01")
