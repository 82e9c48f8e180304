"""Fixed articles and documents for the feed tests (the golden files are built from them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from feeds.render import FeedDoc, Link
from syndicator.model import Article

T0 = datetime(2017, 10, 19, 18, 0, tzinfo=UTC)
SYRIA, WORLD = "الشأن السوري", "دولي"
BASE = "https://feeds.example.com"
HUB = "https://hub.example.com/"
CATEGORY_NAMES = {"syria": SYRIA, "world": WORLD}
SOURCE_NAMES = {"syria-news": "أخبار سوريا"}


def article(n: int, title: str, categories: tuple[str, ...], *, updated: datetime) -> Article:
    return Article(
        source_id="syria-news",
        guid=f"p-44{n}",
        url=f"https://news.example.com/2017/10/19/story-{n}/",
        title=title,
        text="نص المقال",
        content_html=f"<p>نص المقال {n}: تركيا &amp; إيران</p>",
        summary=f"ملخص الخبر رقم {n} عن المفاوضات السورية.",
        published=T0 + timedelta(hours=n),
        updated=updated,
        content_hash=f"{n:064d}",
        author="فريق التحرير",
        image=f"/wp-content/uploads/2017/10/story-{n}.jpg",
        categories=categories,
        id=n,
    )


ARTICLES = (
    article(3, "روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!", ("syria",),
            updated=T0 + timedelta(hours=3)),
    # the newest change is an update of an older article, not the newest article
    article(2, "دي ميستورا: جولة جديدة من مفاوضات جنيف في نوفمبر", ("syria", "world"),
            updated=T0 + timedelta(hours=5, minutes=30)),
    replace(
        article(1, "بوتين: عملية السلام في سوريا تتطور بشكل إيجابي", ("syria",),
                updated=T0 + timedelta(hours=1)),
        author="", image=None,
    ),
)  # fmt: skip
NEWEST_CHANGE = T0 + timedelta(hours=5, minutes=30)

# What sources send that must never break a feed.
HOSTILE = (
    replace(
        ARTICLES[0],
        id=10,
        url="https://news.example.com/2017/10/19/hostile/",
        title="<b>عاجل</b> خبر \x00\x0b\x1f\ufffe فيه <script>alert(1)</script> وسم",
        summary="ملخص فيه <i>وسم</i> و\x08محرف تحكم & علامة",
        content_html=(
            '<p onclick="steal()" style="color:red">نص <a href="/tag/syria/">وسم</a>'
            '<a href="javascript:alert(1)">رابط</a><img src="pic.png" onerror="x()"></p>'
            "<script>alert(1)</script><style>p{}</style><iframe src='https://evil'></iframe>"
            "<p>\x01\x02 محارف</p>"
        ),
        author="مراسل\x0c الوكالة",
    ),
    replace(ARTICLES[1], id=11, url="https://news.example.com/long/", title="عنوان " * 1000),
    replace(ARTICLES[2], id=12, url="https://news.example.com/empty/", title="", summary=""),
)


def feed_doc(
    articles: tuple[Article, ...] = ARTICLES, *, fmt: str = "rss", **changes: object
) -> FeedDoc:
    doc = FeedDoc(
        slug="syria",
        title=SYRIA,
        description="آخر أخبار الشأن السوري",
        self_url=f"{BASE}/feeds/syria.{fmt}",
        home_url=f"{BASE}/c/syria/",
        articles=articles,
        category_names=CATEGORY_NAMES,
        source_names=SOURCE_NAMES,
        links=(
            Link("hub", HUB),
            Link("next", f"{BASE}/feeds/syria/archive/2.{fmt}"),
            Link("prev-archive", f"{BASE}/feeds/syria/archive/2.{fmt}"),
        ),
        feed_id=f"{BASE}/feeds/syria.{fmt}",
        author="أخبار",
        category_scheme=f"{BASE}/c/",
    )
    return replace(doc, **changes)  # type: ignore[arg-type]
