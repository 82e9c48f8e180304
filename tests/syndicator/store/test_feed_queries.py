"""The feeds' store queries on SQLite and PostgreSQL: selections newest first, in ascending id
chunks and counted, one copy per story, and the change signal after each write."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from syndicator import cluster
from syndicator.assemble import NewArticle
from syndicator.model import Article, Category, Source
from syndicator.store import Changed, Store

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
STORY = (
    "قال المبعوث الأممي إن جولة جديدة من المفاوضات بين الحكومة والمعارضة ستعقد في جنيف "
    "الشهر المقبل بمشاركة وفود من الدول الضامنة لمناقشة الدستور والانتخابات والمعتقلين."
)


def article(n: int, source: str, *categories: str, text: str | None = None) -> Article:
    return Article(
        source_id=source,
        guid=f"{source}-{n}",
        url=f"http://127.0.0.1:1/{source}/{n}/",
        title=f"خبر رقم {n}",
        text=text or f"نص الخبر رقم {n} عن موضوع مختلف تماما {n * 7919}.",
        content_html="<p>نص</p>",
        summary="ملخص.",
        # publication order differs from id order: n = 2 is published first
        published=NOW - timedelta(hours=n if n != 2 else 100),
        updated=NOW,
        content_hash=f"hash-{source}-{n}",
        categories=categories,
    )


@pytest.fixture
async def feeds(store: Store) -> tuple[Store, list[Changed]]:
    await store.registry.apply(
        [Category("syria", "الشأن السوري"), Category("economy", "اقتصاد")],
        [Source("sham", "الشام", "http://127.0.0.1:1/a/"), Source("wire", "وكالة", "http://x.y/")],
        [],
    )
    changes: list[Changed] = []
    store.articles.on_change(changes.append)
    return store, changes


async def add(store: Store, item: Article) -> int:
    fp = cluster.fingerprint(item.title, item.text)
    stored = await store.articles.add(item, NOW, fingerprint=fp)
    assert stored is not None
    return stored


async def test_chunks_by_ascending_id_and_counts(feeds: tuple[Store, list[Changed]]) -> None:
    store, _ = feeds
    ids = [await add(store, article(n, "sham", "syria")) for n in range(1, 8)]
    await add(store, article(8, "wire", "economy"))
    assert await store.articles.count_in("syria") == 7
    assert await store.articles.count_in(None) == 8
    assert await store.articles.count_in(source="wire") == 1
    assert await store.articles.count_in("economy", source="sham") == 0
    chunks = [
        [a.id for a in await store.articles.chunk("syria", offset=o, limit=3)] for o in (0, 3, 6)
    ]
    assert chunks == [ids[0:3], ids[3:6], ids[6:7]]
    assert [a.id for a in await store.articles.chunk(source="sham", offset=5, limit=10)] == ids[5:]
    # `recent` is newest first by publication time, whatever the ids
    recent = await store.articles.recent("syria", 3)
    assert [a.title for a in recent] == ["خبر رقم 1", "خبر رقم 3", "خبر رقم 4"]
    assert all(a.categories == ("syria",) for a in recent)


async def test_a_story_from_several_sources_counts_once_in_each_selection(
    feeds: tuple[Store, list[Changed]],
) -> None:
    store, _ = feeds
    first = await add(store, article(1, "sham", "syria", text=STORY))
    await add(store, article(2, "sham", "syria"))
    copy = await add(store, article(3, "wire", "syria", "economy", text=STORY))
    stored = await store.articles.get(copy)
    assert stored is not None
    assert stored.cluster_id == first  # the pipeline's near-duplicate rule grouped them
    assert await store.articles.count_in("syria") == 2
    assert [a.id for a in await store.articles.chunk("syria", limit=10)] == [first, first + 1]
    # in the economy feed and the wire's own feed the copy is the story's first article
    assert [a.id for a in await store.articles.chunk("economy", limit=10)] == [copy]
    assert await store.articles.count_in(source="wire") == 1
    assert await store.articles.count_in(None) == 2
    assert await store.articles.count_in(None, one_per_story=False) == 3
    # a later copy never takes the place of the story's first article: chunks are stable
    before = [a.id for a in await store.articles.chunk(None, limit=10)]
    await add(store, article(4, "wire", "syria", text=STORY))
    assert [a.id for a in await store.articles.chunk(None, limit=10)] == before


async def test_every_write_reports_its_sources_and_categories(
    feeds: tuple[Store, list[Changed]],
) -> None:
    store, changes = feeds
    await add(store, article(1, "sham", "syria"))
    assert changes == [Changed(frozenset({"sham"}), frozenset({"syria"}))]
    changes.clear()
    assert await store.articles.add(article(1, "sham", "syria"), NOW) is None  # known: no change
    assert changes == []
    await store.articles.add_many(
        [NewArticle(article(2, "wire", "economy")), NewArticle(article(3, "sham"))], NOW
    )
    assert changes == [Changed(frozenset({"wire", "sham"}), frozenset({"economy"}))]
    changes.clear()
    [stored] = await store.articles.recent("syria", 1)
    assert stored.id is not None
    await store.articles.revise(stored.id, replace(stored, title="تصحيح", categories=()), NOW)
    # the stored categories, not the corrected copy's
    assert changes == [Changed(frozenset({"sham"}), frozenset({"syria"}))]


async def test_a_failing_listener_does_not_fail_the_write(
    feeds: tuple[Store, list[Changed]], caplog: pytest.LogCaptureFixture
) -> None:
    store, changes = feeds

    def broken(change: Changed) -> None:
        raise RuntimeError("listener bug")

    store.articles.on_change(broken)
    assert await store.articles.add(article(1, "sham", "syria"), NOW) is not None
    assert len(changes) == 1
    assert "listener bug" in caplog.text
