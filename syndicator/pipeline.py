"""Collection pipeline: poll one source from fetch to stored article and outbox rows.

    fetch (conditional GET) -> parse by kind -> dedup -> full text (page extraction when the
    entry is only an excerpt) -> normalize -> categorize -> summarize -> store (+ deliveries)

Every failure of a source becomes a `SourceError`, is recorded in its state with a backoff
and returned in the `PollResult`; nothing a source does can stop the scheduler.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from syndicator import dedup
from syndicator.categorize import alias_index, categorize
from syndicator.errors import SourceError
from syndicator.extract import extract_page, html_to_text, sanitize_html, strip_boilerplate
from syndicator.fetch import Fetcher
from syndicator.model import Entry, PollResult, Source
from syndicator.normalize import Body, normalize_entry
from syndicator.sources import PARSERS
from syndicator.store import Store
from syndicator.store.registry import poll_failed, poll_succeeded
from syndicator.summarize import Summarizer

log = logging.getLogger(__name__)

# Below this many characters of text, an entry is taken to be an excerpt and its page fetched.
FULL_TEXT_MIN_CHARS = 400
MAX_BACKOFF = timedelta(hours=6)


class Collector:
    """Polls sources; constructed once by the composition root."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        summarizer: Summarizer,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._summarizer = summarizer
        self._clock = clock

    async def poll(self, source: Source) -> PollResult:
        """One collection pass over one source. Never raises for a source's fault."""
        state = await self._store.registry.state(source.id)
        now = self._clock()
        try:
            result, etag, last_modified = await self._collect(
                source, state.etag, state.last_modified
            )
        except SourceError as exc:
            delay = min(timedelta(seconds=source.interval * 2**state.error_count), MAX_BACKOFF)
            await self._store.registry.record_poll(poll_failed(state, now, now + delay, str(exc)))
            log.warning("source %s failed (%d in a row): %s", source.id, state.error_count + 1, exc)
            return PollResult(source.id, error=str(exc))
        next_poll = now + timedelta(seconds=source.interval)
        await self._store.registry.record_poll(
            poll_succeeded(state, now, next_poll, etag, last_modified)
        )
        if result.new:
            log.info("source %s: %d new of %d", source.id, result.new, result.fetched)
        return result

    async def _collect(
        self, source: Source, etag: str | None, last_modified: str | None
    ) -> tuple[PollResult, str | None, str | None]:
        response = await self._fetcher.get(source.url, etag=etag, last_modified=last_modified)
        if response.not_modified:
            return PollResult(source.id, not_modified=True), response.etag, response.last_modified
        entries = PARSERS[source.kind](response.body, source, response.url)
        guids, urls = dedup.keys(entries)
        known = await self._store.articles.known(source.id, guids, urls)
        fresh = dedup.new_entries(entries, known)
        index = alias_index(await self._store.registry.categories())
        stored: list[int] = []
        # Oldest first, so that ids grow with publication time.
        for entry in sorted(fresh, key=lambda e: e.published or self._clock()):
            article_id = await self._store_entry(source, entry, index)
            if article_id is not None:
                stored.append(article_id)
        result = PollResult(
            source.id,
            fetched=len(entries),
            new=len(stored),
            duplicates=len(entries) - len(stored),
            article_ids=tuple(stored),
        )
        return result, response.etag, response.last_modified

    async def _store_entry(self, source: Source, entry: Entry, index: dict[str, str]) -> int | None:
        body, page_categories = await self._body(entry)
        now = self._clock()
        article = normalize_entry(entry, body, now)
        article = dataclasses.replace(
            article,
            categories=categorize(
                (*entry.category_names, *page_categories), source.categories, index
            ),
            summary=self._summarizer.summarize(article.title, article.text),
        )
        return await self._store.articles.add(article, now)

    async def _body(self, entry: Entry) -> tuple[Body, tuple[str, ...]]:
        """The entry's own content when it is the full text, else its extracted page.

        If the page cannot be fetched or yields less than the feed did, the feed's text is
        kept: an article is never dropped because its page failed.
        """
        own_html = entry.content_html or entry.summary_html
        own_text = strip_boilerplate(html_to_text(own_html))
        own = Body(own_text, sanitize_html(own_html, entry.url))
        if len(own_text) >= FULL_TEXT_MIN_CHARS:
            return own, ()
        try:
            page = await self._fetcher.get(entry.url)
        except SourceError as exc:
            log.info("page of %s not fetched, keeping the feed text: %s", entry.url, exc)
            return own, ()
        extracted = extract_page(page.body, page.url)
        if len(extracted.text) <= len(own_text):
            return own, extracted.categories
        body = Body(extracted.text, extracted.html, extracted.image, extracted.author)
        return body, extracted.categories
