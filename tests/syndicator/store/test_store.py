"""The store on SQLite and PostgreSQL: schema, outbox rows, the delivery state machine."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import select

from syndicator.model import Article, Category, Channel, DeliveryState, Source
from syndicator.normalize import identity_url
from syndicator.store import Store, migrate, tables
from syndicator.store.engine import sync_url

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CATEGORIES = (Category("syria", "الشأن السوري", ("سوريا",)), Category("economy", "اقتصاد"))
SOURCES = (Source("sham", "أخبار الشام", "http://127.0.0.1:1/feed/"),)
CHANNELS = (
    Channel("syria-news", "-1001", ("syria",)),
    Channel("business", "@business_news", ("economy",)),
    Channel("everything", "-1003", ("syria", "economy")),
)


def article(n: int, *categories: str, url: str | None = None) -> Article:
    return Article(
        source_id="sham",
        guid=f"http://127.0.0.1:1/?p={n}",
        url=url or f"http://127.0.0.1:1/2026/11/29/article-{n}/",
        title=f"عنوان الخبر رقم {n}",
        text="قال المتحدث إن الاجتماع انتهى.",
        content_html="<p>قال المتحدث إن الاجتماع انتهى.</p>",
        summary="قال المتحدث إن الاجتماع انتهى.",
        published=NOW - timedelta(hours=10 - n),
        updated=NOW - timedelta(hours=10 - n),
        content_hash=f"hash-{n}",
        categories=categories,
    )


async def configured(store: Store) -> Store:
    await store.registry.apply(CATEGORIES, SOURCES, CHANNELS)
    return store


def test_migrations_create_exactly_the_tables(database_url: str) -> None:
    migrate.upgrade(database_url)
    assert not migrate.pending(database_url)
    engine = create_sync_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_upgrade_is_idempotent(database_url: str) -> None:
    migrate.upgrade(database_url)
    migrate.upgrade(database_url)
    assert not migrate.pending(database_url)


async def test_add_creates_one_delivery_per_routed_channel(store: Store) -> None:
    await configured(store)
    article_id = await store.articles.add(article(1, "syria"), NOW)
    assert article_id is not None
    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(tables.deliveries))).all()
    assert sorted(r.channel_id for r in rows) == ["everything", "syria-news"]
    assert {r.state for r in rows} == {"pending"}
    stored = await store.articles.get(article_id)
    assert stored is not None
    assert stored.categories == ("syria",)
    assert stored.published == article(1).published
    assert stored.published.tzinfo is not None


async def test_same_guid_or_url_is_stored_once(store: Store) -> None:
    await configured(store)
    assert await store.articles.add(article(1, "syria"), NOW) is not None
    assert await store.articles.add(article(1, "syria"), NOW) is None
    other_guid_same_url = article(2, "syria", url=article(1).url)
    assert await store.articles.add(other_guid_same_url, NOW) is None
    www_amp_variant = article(
        3, "syria", url=article(1).url.replace("127.0.0.1:1/", "127.0.0.1:1/amp/")
    )
    assert await store.articles.add(www_amp_variant, NOW) is None
    assert await store.articles.count() == 1
    key = identity_url(article(1).url)
    known = await store.articles.known("sham", [article(1).guid, "x"], [key, "y"])
    assert set(known.guids) == {article(1).guid}
    assert set(known.urls) == {key}
    stored = known.guids[article(1).guid]
    assert (stored.title, stored.content_hash) == ("عنوان الخبر رقم 1", "hash-1")
    assert stored.updated == article(1).updated


async def test_recent_is_newest_first_and_filters_by_category(store: Store) -> None:
    await configured(store)
    for n, slug in [(1, "syria"), (2, "economy"), (3, "syria")]:
        await store.articles.add(article(n, slug), NOW)
    assert [a.title for a in await store.articles.recent("syria")] == [
        "عنوان الخبر رقم 3",
        "عنوان الخبر رقم 1",
    ]
    assert len(await store.articles.recent(None, limit=2)) == 2


async def test_apply_disables_removed_sources_and_channels(store: Store) -> None:
    await configured(store)
    await store.registry.apply(CATEGORIES, (), CHANNELS[:1])
    assert await store.registry.sources() == []
    assert [s.id for s in await store.registry.sources(enabled_only=False)] == ["sham"]
    await store.registry.apply(CATEGORIES, SOURCES, CHANNELS[:1])
    await store.articles.add(article(1, "syria", "economy"), NOW)
    assert (await store.outbox.counts())["pending"] == 1  # only syria-news is still routed


async def test_claim_send_and_record(store: Store) -> None:
    await configured(store)
    await store.articles.add(article(1, "economy"), NOW)
    claimed = await store.outbox.claim(NOW)
    assert [c.delivery.channel_id for c in claimed] == ["business", "everything"]
    first = claimed[0].delivery
    assert first.state is DeliveryState.SENDING or first.attempt == 1
    assert claimed[0].article.title == "عنوان الخبر رقم 1"
    assert claimed[0].delivery.chat_id == "@business_news"
    assert await store.outbox.claim(NOW) == []  # nothing left to claim
    assert await store.outbox.sent(first, 42, NOW)
    assert not await store.outbox.sent(first, 43, NOW)  # outcome already recorded
    assert await store.outbox.retry(claimed[1].delivery, NOW + timedelta(seconds=30), "429", NOW)
    assert await store.outbox.claim(NOW) == []  # not due yet
    again = await store.outbox.claim(NOW + timedelta(seconds=31))
    assert len(again) == 1
    assert again[0].delivery.attempt == 2
    # The old claim (attempt 1) is fenced off: it cannot overwrite the new attempt's outcome.
    assert not await store.outbox.failed(claimed[1].delivery, "stale", NOW)
    assert await store.outbox.unknown(again[0].delivery, "read timeout", NOW)
    assert await store.outbox.counts() == {"sent": 1, "unknown": 1}
    assert await store.outbox.next_due() is None


async def test_recover_marks_interrupted_sends_unknown(store: Store) -> None:
    await configured(store)
    await store.articles.add(article(1, "syria"), NOW)
    await store.outbox.claim(NOW, limit=1)
    assert len(await store.outbox.recover(NOW)) == 1
    counts = await store.outbox.counts()
    assert counts == {"unknown": 1, "pending": 1}


async def test_concurrent_claims_never_share_a_delivery(store: Store) -> None:
    await configured(store)
    for n in range(1, 11):
        await store.articles.add(article(n, "syria", "economy"), NOW)
    ids: list[int] = []
    while True:
        batches = await asyncio.gather(*(store.outbox.claim(NOW, limit=7) for _ in range(4)))
        claimed = [c.delivery.id for batch in batches for c in batch]
        if not claimed:
            break
        ids += claimed
    assert len(ids) == len(set(ids)) == 30  # 10 articles x 3 routed channels


async def test_source_state_round_trip(store: Store) -> None:
    from syndicator.store.registry import poll_failed, poll_succeeded

    await configured(store)
    state = await store.registry.state("sham")
    assert state.error_count == 0
    assert state.last_polled_at is None
    failed = poll_failed(state, NOW, NOW + timedelta(minutes=20), "HTTP 503")
    await store.registry.record_poll(failed)
    assert (await store.registry.state("sham")).error_count == 1
    ok = poll_succeeded(failed, NOW, NOW + timedelta(minutes=10), '"v1"', None)
    await store.registry.record_poll(ok)
    stored = await store.registry.state("sham")
    assert stored.error_count == 0
    assert stored.last_error is None
    assert stored.etag == '"v1"'
    assert stored.next_poll_at == NOW + timedelta(minutes=10)
    assert (await store.registry.states())["sham"] == stored


def test_downgrade_and_upgrade_again(database_url: str) -> None:
    migrate.upgrade(database_url)
    migrate.downgrade(database_url, "0001")
    assert migrate.pending(database_url)
    migrate.upgrade(database_url)
    assert not migrate.pending(database_url)


def test_upgrade_from_0001_keeps_existing_articles(database_url: str) -> None:
    from sqlalchemy import text

    migrate.upgrade(database_url, "0001")
    engine = create_sync_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO sources (id, name, url, kind, categories, interval, enabled)"
                    " VALUES ('sham', 'x', 'http://x/', 'feed', '[]', 600, true)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO articles (source_id, guid, url, title, text, content_html,"
                    " summary, author, published_at, updated_at, fetched_at, content_hash)"
                    " VALUES ('sham', 'g', 'http://x/a/', 't', 'x', '', '', '',"
                    " '2026-11-29 12:00:00', '2026-11-29 12:00:00', '2026-11-29 12:00:00', 'h')"
                )
            )
        migrate.upgrade(database_url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT id, url_key, cluster_id, revision FROM articles")).one()
    finally:
        engine.dispose()
    assert row.url_key == "http://x/a/"
    assert row.cluster_id == row.id
    assert row.revision == 0
