"""What the sample sites publish: the posts, the categories, and one read-only view per request.

Pages, RSS feeds, sitemaps and the WordPress REST API all render the same posts. Keeping the
one definition of a post (and of everything derived from it: its URL, excerpt, term and author
ids) here means the four renderings cannot disagree, and the renderers stay pure functions of
a `View` that the server snapshots under its lock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from syndicator.demo.wire import Charset

SITE_NAME = "أخبار الشام اليوم"
SITE_DESCRIPTION = "آخر أخبار سوريا والعالم العربي على مدار الساعة"
CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "syria": "الشأن السوري",
        "economy": "اقتصاد",
        "world": "عربي ودولي",
        "sports": "رياضة",
        "culture": "ثقافة وفنون",
    }
)
# WordPress term ids: 1 is «Uncategorized», so the site's categories start at 2.
CATEGORY_IDS: Mapping[str, int] = MappingProxyType({s: i for i, s in enumerate(CATEGORIES, 2)})
FIRST_TAG_ID = 2 + len(CATEGORIES)
AD_ID = "5704117d9b036"  # the stray ad id of the seed page (classic theme)
MODERN_AD_ID = "ad-slot-8841a7f3c2"  # the modern theme's ad slot, printed the same careless way
FEED_LIMIT = 20
THEMES = ("classic", "modern")
MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
          "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر")  # fmt: skip
# A valid 8x8 mid-grey baseline JPEG (JFIF, 159 bytes), served for every upload.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300" + "01" * 64
    + "ffc0000b080008000801011100"
    + "ffc4001400" + "01" + "00" * 15 + "00"
    + "ffc4001410" + "01" + "00" * 15 + "00"
    + "ffda0008010100003f00" + "3f" + "ffd9"
)  # fmt: skip


@dataclass(frozen=True)
class SiteArticle:
    """One post of the sample site, as written in `articles.json`."""

    post_id: int
    slug: str
    category: str
    title: str
    paragraphs: tuple[str, ...]
    author: str
    tags: tuple[str, ...] = ()
    image: str | None = None
    full_in_feed: bool = True
    initially_published: bool = True


@dataclass(frozen=True)
class PublishedArticle:
    """A post as the running site shows it: when it was published (and last revised) and where."""

    article: SiteArticle
    published: datetime
    url: str
    guid: str
    modified: datetime | None = None  # None until `SampleSite.revise` corrects the post

    @property
    def last_modified(self) -> datetime:
        """WordPress's `modified`: the publication time until the post is revised."""
        return self.modified or self.published


def load_articles(name: str = "articles.json") -> tuple[SiteArticle, ...]:
    """Bundled articles in file order: `articles.json` (the main site) or `second_site.json`."""
    raw = files("syndicator.demo").joinpath(name).read_text(encoding="utf-8")
    return tuple(_article_from_json(item) for item in json.loads(raw))


def _article_from_json(item: dict[str, Any]) -> SiteArticle:
    lists = {key: tuple(item[key]) for key in ("paragraphs", "tags")}
    return SiteArticle(**(item | lists))


def check_category(article: SiteArticle) -> None:
    if article.category not in CATEGORIES:
        raise ValueError(f"post {article.post_id}: unknown category {article.category!r}")


def article_url(site: str, article: SiteArticle, published: datetime) -> str:
    return f"{site}/{published:%Y/%m/%d}/{article.slug}/"


def excerpt(article: SiteArticle, words: int = 40) -> str:
    tokens = " ".join(article.paragraphs).split()
    return " ".join(tokens[:words]) + (" […]" if len(tokens) > words else "")


def content_html(article: SiteArticle) -> str:
    return "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in article.paragraphs)


def arabic_date(when: datetime) -> str:
    return f"{when.day} {MONTHS[when.month - 1]}، {when.year}"


@dataclass(frozen=True)
class View:
    """Everything one request may render, snapshotted under the site's lock.

    `items` are the published posts, newest first; `tag_ids` and `author_ids` are the
    WordPress ids the site gave to tag names and author names, in order of first appearance.
    """

    url: str
    name: str
    theme: str
    charset: Charset
    feeds: bool
    api: bool
    news_sitemap: bool
    now: datetime
    items: tuple[PublishedArticle, ...]
    tag_ids: Mapping[str, int]
    author_ids: Mapping[str, int]

    def in_category(self, slug: str) -> list[PublishedArticle]:
        return [i for i in self.items if i.article.category == slug]
