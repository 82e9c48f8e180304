"""Assembly stage (pure): one candidate entry (and its page, when fetched) -> a new article.

Everything between fetching and storing happens here, as one pure function: choose the
body (the entry's own content when it is the full text, else the page's extracted text),
normalize, categorize, summarize and fingerprint. Being pure and picklable, it runs in a
worker process when the service has an extraction pool, so the event loop only fetches
and stores.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from syndicator import cluster
from syndicator.categorize import Taxonomy
from syndicator.extract import extract_page, html_to_text, sanitize_html, strip_boilerplate
from syndicator.model import Article, Entry
from syndicator.normalize import Body, content_hash, is_shortlink, normalize_entry
from syndicator.summarize import extractive
from syndicator.summarize.budget import Budget

# Below this many characters of text, an entry is taken to be an excerpt and its page fetched.
FULL_TEXT_MIN_CHARS = 400


@dataclass(frozen=True)
class Page:
    """A fetched article page, as bytes (decoded by `extract`)."""

    body: bytes
    url: str
    content_type: str = ""


@dataclass(frozen=True)
class NewArticle:
    """An article ready to store, with the fingerprint that places it in its story."""

    article: Article
    fingerprint: cluster.Fingerprint | None = None
    source_hash: str | None = None  # `entry_hash` of the entry it was made from


def own_text(entry: Entry) -> str:
    """The text the entry itself carries (content, else summary), without theme leftovers."""
    return strip_boilerplate(html_to_text(entry.content_html or entry.summary_html))


def entry_hash(entry: Entry) -> str:
    """What the source said about an article (title and own text), hashed: when it changes,
    the source has corrected the article, even if its feed carries only an excerpt."""
    return content_hash(entry.title, own_text(entry))


def needs_page(entry: Entry) -> bool:
    return len(own_text(entry)) < FULL_TEXT_MIN_CHARS


def assemble(
    entry: Entry,
    page: Page | None,
    source_categories: tuple[str, ...],
    taxonomy: Taxonomy,
    now: datetime,
) -> NewArticle:
    """The article for `entry`; `page` is its fetched page, or None (not needed or failed).

    The page also fills what the entry lacks (a sitemap or listing link has no title or
    date). If the page yields less text than the entry did, the entry's own text is kept:
    an article is never dropped because its page failed.

    The summary is the extractive one: it is pure, so it is written here in the worker
    process; a model-written summary (an I/O backend) replaces it on the event loop.
    """
    source_hash = entry_hash(entry)
    text = own_text(entry)
    body = Body(text, sanitize_html(entry.content_html or entry.summary_html, entry.url))
    page_names: tuple[str, ...] = ()
    if page is not None:
        extracted = extract_page(page.body, page.url, page.content_type)
        page_names = extracted.categories
        entry = dataclasses.replace(
            entry,
            # A shortlink (/?p=123) is known by the address it redirected to.
            url=page.url if is_shortlink(entry.url) else entry.url,
            title=entry.title or extracted.title,
            published=entry.published or extracted.published,
        )
        if len(extracted.text) > len(text):
            body = Body(extracted.text, extracted.html, extracted.image, extracted.author)
    article = normalize_entry(entry, body, now)
    article = dataclasses.replace(
        article,
        categories=taxonomy.assign(
            names=(*entry.category_names, *page_names),
            source_categories=source_categories,
            url=article.url,
            title=article.title,
            text=article.text,
        ),
        summary=extractive.summarize(article.title, article.text, Budget.STANDARD),
    )
    return NewArticle(article, cluster.fingerprint(article.title, article.text), source_hash)
