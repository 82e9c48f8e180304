"""Feed rendering (pure): stored articles -> RSS 2.0 and Atom 1.0 bytes with feedgen.

Output depends only on the data passed in, never on the clock: feedgen defaults `updated`
and `lastBuildDate` to now, which would change the bytes (and the ETag) on every request, so
both are set from the newest stored change. Entries are added with `order="append"` (feedgen
reverses them otherwise) so they come out newest first, as given. Arabic is declared at
feed level (RSS `<language>`, Atom `xml:lang`): readers drop inline `dir` attributes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from syndicator.model import Article

LANGUAGE = "ar"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
GENERATOR = "syndicator"


@dataclass(frozen=True)
class FeedDoc:
    """One feed: its identity and links, and the articles in it, newest first."""

    slug: str
    title: str
    description: str
    self_url: str
    home_url: str
    articles: Sequence[Article]
    category_names: Mapping[str, str]

    @property
    def updated(self) -> datetime:
        return max((a.updated for a in self.articles), default=EPOCH)


def etag(doc: FeedDoc, kind: str) -> str:
    """A strong ETag from the data the feed renders, not from rendered bytes.

    Strong means: equal tags, equal bytes. So every rendered field goes in (content HTML,
    links, dates, author, category labels, the feed's description), not just the titles.
    """
    head = (kind, doc.slug, doc.title, doc.description, doc.self_url, doc.home_url)
    digest = hashlib.sha256("\0".join(head).encode())
    for article in doc.articles:
        fields = (
            str(article.id), article.url, article.title, article.summary, article.content_hash,
            article.content_html, article.author, article.published.isoformat(),
            article.updated.isoformat(),
            *(f"{slug}={doc.category_names.get(slug, slug)}" for slug in article.categories),
        )  # fmt: skip
        digest.update(("\1" + "\0".join(fields)).encode())
    return f'"{digest.hexdigest()[:32]}"'


def _generator(doc: FeedDoc) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(doc.self_url)
    fg.title(doc.title)
    fg.subtitle(doc.description)
    fg.language(LANGUAGE)
    fg.generator(GENERATOR, uri=None, version=None)
    # RSS's channel <link> is the last link added: add self first, the HTML page last.
    fg.link(href=doc.self_url, rel="self")
    fg.link(href=doc.home_url, rel="alternate")
    fg.updated(doc.updated)
    fg.lastBuildDate(doc.updated)
    for article in doc.articles:
        entry = fg.add_entry(order="append")
        entry.id(article.url)
        entry.guid(article.url, permalink=False)
        entry.title(article.title)
        entry.link(href=article.url, rel="alternate")
        entry.published(article.published)
        entry.updated(article.updated)
        entry.summary(article.summary or article.title)
        if article.content_html:
            entry.content(article.content_html, type="html")
        if article.author:
            entry.author(name=article.author)
        for slug in article.categories:
            entry.category(term=slug, label=doc.category_names.get(slug, slug))
    return fg


def render_rss(doc: FeedDoc) -> bytes:
    return bytes(_generator(doc).rss_str(pretty=True))


def render_atom(doc: FeedDoc) -> bytes:
    return bytes(_generator(doc).atom_str(pretty=True))
