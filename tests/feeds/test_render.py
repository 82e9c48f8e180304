"""Feed rendering: RSS 2.0 and Atom 1.0 that readers parse, stable bytes, data-based ETags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import feedgen.entry
import feedgen.feed
import feedparser
import pytest

from feeds.render import FeedDoc, etag, render_atom, render_rss
from syndicator.model import Article

T0 = datetime(2017, 10, 19, 18, 0, tzinfo=UTC)
SYRIA, WORLD = "الشأن السوري", "دولي"


def article(n: int, title: str, categories: tuple[str, ...], *, updated: datetime) -> Article:
    published = T0 + timedelta(hours=n)
    return Article(
        source_id="syria-news",
        guid=f"p-44{n}",
        url=f"https://news.example.com/2017/10/19/story-{n}/",
        title=title,
        text="نص المقال",
        content_html=f"<p>نص المقال {n}: تركيا &amp; إيران</p>",
        summary=f"ملخص الخبر رقم {n} عن المفاوضات السورية.",
        published=published,
        updated=updated,
        content_hash=f"{n:064d}",
        author="فريق التحرير",
        categories=categories,
        id=n,
    )


ARTICLES = (
    article(3, "روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!", ("syria",),
            updated=T0 + timedelta(hours=3)),
    # the newest change is an update of an older article, not the newest article
    article(2, "دي ميستورا: جولة جديدة من مفاوضات جنيف في نوفمبر", ("syria", "world"),
            updated=T0 + timedelta(hours=5, minutes=30)),
    article(1, "بوتين: عملية السلام في سوريا تتطور بشكل إيجابي", ("syria",),
            updated=T0 + timedelta(hours=1)),
)  # fmt: skip
NEWEST_CHANGE = T0 + timedelta(hours=5, minutes=30)


def feed_doc(articles: tuple[Article, ...] = ARTICLES) -> FeedDoc:
    return FeedDoc(
        slug="syria",
        title=SYRIA,
        description="آخر أخبار الشأن السوري",
        self_url="https://feeds.example.com/c/syria/rss",
        home_url="https://feeds.example.com/c/syria/",
        articles=articles,
        category_names={"syria": SYRIA, "world": WORLD},
    )


RENDERERS = [pytest.param(render_rss, id="rss"), pytest.param(render_atom, id="atom")]
Renderer = Callable[[FeedDoc], bytes]


@pytest.fixture
def frozen_wall_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Make feedgen's idea of "now" settable (it defaults feed and entry dates to now)."""

    class Meta(type):
        def __instancecheck__(cls, instance: object) -> bool:
            return isinstance(instance, datetime)

    class FakeDatetime(datetime, metaclass=Meta):
        current: ClassVar[datetime] = datetime(2031, 1, 1, tzinfo=UTC)

        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return cls.current

    monkeypatch.setattr(feedgen.feed, "datetime", FakeDatetime)
    monkeypatch.setattr(feedgen.entry, "datetime", FakeDatetime)

    def set_now(moment: datetime) -> None:
        FakeDatetime.current = moment

    return set_now


def test_rss_parses_back() -> None:
    parsed = feedparser.parse(render_rss(feed_doc()))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.language == "ar"
    assert parsed.feed.title == SYRIA
    assert parsed.feed.link == "https://feeds.example.com/c/syria/"
    assert [e.title for e in parsed.entries] == [a.title for a in ARTICLES]
    assert [e.link for e in parsed.entries] == [a.url for a in ARTICLES]
    assert [e.id for e in parsed.entries] == [a.url for a in ARTICLES]
    assert all(e.guidislink is False for e in parsed.entries)
    assert [e.summary for e in parsed.entries] == [a.summary for a in ARTICLES]
    assert [e.content[0].value for e in parsed.entries] == [
        "<p>نص المقال 3: تركيا &amp; إيران</p>",
        "<p>نص المقال 2: تركيا &amp; إيران</p>",
        "<p>نص المقال 1: تركيا &amp; إيران</p>",
    ]
    assert [[t.term for t in e.tags] for e in parsed.entries] == [
        [SYRIA],
        [SYRIA, WORLD],
        [SYRIA],
    ]
    assert [e.published_parsed[:5] for e in parsed.entries] == [
        (2017, 10, 19, 21, 0),
        (2017, 10, 19, 20, 0),
        (2017, 10, 19, 19, 0),
    ]


def test_rss_guid_is_not_a_permalink() -> None:
    xml = render_rss(feed_doc()).decode()
    assert xml.count('<guid isPermaLink="false">') == 3
    assert "<language>ar</language>" in xml


def test_atom_parses_back() -> None:
    raw = render_atom(feed_doc())
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert b'xml:lang="ar"' in raw
    assert parsed.feed.language == "ar"
    assert parsed.feed.title == SYRIA
    assert [e.title for e in parsed.entries] == [a.title for a in ARTICLES]
    assert [e.id for e in parsed.entries] == [a.url for a in ARTICLES]
    assert [e.content[0].value for e in parsed.entries] == [
        f"<p>نص المقال {n}: تركيا &amp; إيران</p>" for n in (3, 2, 1)
    ]
    assert [e.content[0].type for e in parsed.entries] == ["text/html"] * 3
    assert [[(t.term, t.label) for t in e.tags] for e in parsed.entries] == [
        [("syria", SYRIA)],
        [("syria", SYRIA), ("world", WORLD)],
        [("syria", SYRIA)],
    ]
    assert [e.author for e in parsed.entries] == ["فريق التحرير"] * 3
    assert [e.updated_parsed[:5] for e in parsed.entries] == [
        (2017, 10, 19, 21, 0),
        (2017, 10, 19, 23, 30),
        (2017, 10, 19, 19, 0),
    ]


def test_feed_date_is_the_newest_change() -> None:
    rss = feedparser.parse(render_rss(feed_doc()))
    atom = feedparser.parse(render_atom(feed_doc()))
    assert feed_doc().updated == NEWEST_CHANGE
    assert rss.feed.updated == "Thu, 19 Oct 2017 23:30:00 +0000"  # lastBuildDate
    assert atom.feed.updated == "2017-10-19T23:30:00+00:00"


def test_category_without_name_falls_back_to_slug() -> None:
    doc = feed_doc((replace(ARTICLES[0], categories=("economy",)),))
    parsed = feedparser.parse(render_atom(doc))
    assert [(t.term, t.label) for t in parsed.entries[0].tags] == [("economy", "economy")]


def test_article_without_summary_or_content() -> None:
    doc = feed_doc((replace(ARTICLES[0], summary="", content_html="", author=""),))
    parsed = feedparser.parse(render_rss(doc))
    assert not parsed.bozo
    assert parsed.entries[0].summary == ARTICLES[0].title
    assert "content" not in parsed.entries[0]


@pytest.mark.parametrize("render", RENDERERS)
def test_rendering_twice_gives_identical_bytes(render: Renderer) -> None:
    assert render(feed_doc()) == render(feed_doc())


@pytest.mark.parametrize("render", RENDERERS)
@pytest.mark.parametrize(
    "articles", [pytest.param(ARTICLES, id="three"), pytest.param((), id="empty")]
)
def test_bytes_do_not_depend_on_wall_clock(
    render: Renderer,
    articles: tuple[Article, ...],
    frozen_wall_clock: Callable[[datetime], None],
) -> None:
    frozen_wall_clock(datetime(2031, 1, 1, 8, 0, tzinfo=UTC))
    first = render(feed_doc(articles))
    frozen_wall_clock(datetime(2032, 6, 15, 17, 45, 12, tzinfo=UTC))
    second = render(feed_doc(articles))
    assert first == second
    assert b"2031" not in first
    assert b"2032" not in second


def test_fake_wall_clock_reaches_feedgen(frozen_wall_clock: Callable[[datetime], None]) -> None:
    """Guard for the test above: feedgen's default dates do come from the patched clock."""
    frozen_wall_clock(datetime(2031, 1, 1, 8, 0, tzinfo=UTC))
    fg = feedgen.feed.FeedGenerator()
    assert fg.updated() == datetime(2031, 1, 1, 8, 0, tzinfo=UTC)


def test_empty_feed_has_stable_date() -> None:
    doc = feed_doc(())
    rss, atom = render_rss(doc), render_atom(doc)
    assert b"<lastBuildDate>Sat, 01 Jan 2000 00:00:00 +0000</lastBuildDate>" in rss
    assert b"<updated>2000-01-01T00:00:00+00:00</updated>" in atom
    for raw in (rss, atom):
        parsed = feedparser.parse(raw)
        assert not parsed.bozo
        assert parsed.entries == []
        assert parsed.feed.language == "ar"


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_etag_stable_for_same_data(kind: str) -> None:
    tag = etag(feed_doc(), kind)
    assert tag == etag(feed_doc(tuple(replace(a) for a in ARTICLES)), kind)
    assert tag.startswith('"')
    assert tag.endswith('"')
    assert len(tag) == 34


def test_etag_differs_between_formats() -> None:
    assert etag(feed_doc(), "rss") != etag(feed_doc(), "atom")


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(
            replace(ARTICLES[1], title="دي ميستورا: جولة جديدة من مفاوضات جنيف في ديسمبر"),
            id="title",
        ),
        pytest.param(replace(ARTICLES[1], summary="ملخص آخر"), id="summary"),
        pytest.param(
            replace(ARTICLES[1], updated=NEWEST_CHANGE + timedelta(minutes=1)), id="updated"
        ),
        pytest.param(replace(ARTICLES[1], categories=("syria",)), id="categories"),
        pytest.param(
            replace(ARTICLES[1], content_html="<p>نص المقال 2 مع صورة</p>"), id="content-html"
        ),
        pytest.param(replace(ARTICLES[1], url=ARTICLES[1].url + "amp/"), id="url"),
        pytest.param(replace(ARTICLES[1], published=T0), id="published"),
        pytest.param(replace(ARTICLES[1], author="سيرغي لافروف"), id="author"),
    ],
)
def test_etag_changes_when_an_article_changes(changed: Article) -> None:
    doc = feed_doc((ARTICLES[0], changed, ARTICLES[2]))
    assert render_atom(doc) != render_atom(feed_doc())  # the bytes did change
    for kind in ("rss", "atom"):
        assert etag(doc, kind) != etag(feed_doc(), kind)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"title": "سوريا"}, id="feed-title"),
        pytest.param({"description": "كل أخبار سوريا"}, id="description"),
        pytest.param({"home_url": "https://feeds.example.com/syria/"}, id="home-url"),
        pytest.param({"category_names": {"syria": "سوريا", "world": WORLD}}, id="category-label"),
    ],
)
def test_etag_changes_when_the_feed_changes(changes: dict[str, Any]) -> None:
    changed = replace(feed_doc(), **changes)
    for kind, render in (("rss", render_rss), ("atom", render_atom)):
        assert render(changed) != render(feed_doc())  # the bytes did change
        assert etag(changed, kind) != etag(feed_doc(), kind)


def test_etag_changes_when_the_content_hash_changes() -> None:
    changed = (ARTICLES[0], replace(ARTICLES[1], content_hash="f" * 64), ARTICLES[2])
    assert etag(feed_doc(changed), "rss") != etag(feed_doc(), "rss")


def test_etag_changes_when_articles_are_added_or_removed() -> None:
    assert etag(feed_doc(ARTICLES[:2]), "rss") != etag(feed_doc(), "rss")
    assert etag(feed_doc(()), "rss") != etag(feed_doc(), "rss")


def test_etag_ignores_fields_that_are_not_rendered() -> None:
    """Plain article text is not part of the feed (content_html is)."""
    same = tuple(replace(a, text="نص آخر لا يظهر في الخلاصة") for a in ARTICLES)
    assert etag(feed_doc(same), "rss") == etag(feed_doc(), "rss")
