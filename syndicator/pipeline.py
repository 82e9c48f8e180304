"""Collection pipeline: poll one source, from fetch to stored articles and outbox rows.

    read (by kind: feed | wordpress | sitemap | html; conditional, polite) -> dedup
    -> full text (the page, extracted, when the entry is only an excerpt or a link)
    -> normalize -> categorize -> summarize -> fingerprint
    -> store: new article in its story cluster + deliveries, or a revision of a known one

Every failure of a source becomes an error recorded in its state with a backoff, and is
returned in the `PollResult`; nothing a source sends can stop the scheduler. The next poll
is planned from the source's publishing rate (`cadence`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, timedelta

from syndicator import cadence, cluster, dedup
from syndicator.categorize import Taxonomy
from syndicator.errors import SourceError
from syndicator.extract import (
    Extracted,
    extract_page,
    html_to_text,
    sanitize_html,
    strip_boilerplate,
)
from syndicator.fetch import Fetcher, Response
from syndicator.model import Article, Entry, PollResult, Source, SourceState
from syndicator.normalize import Body, content_hash, is_shortlink, normalize_entry
from syndicator.sources.read import READERS, Collected
from syndicator.store import Store
from syndicator.store.ingest import NewArticle
from syndicator.store.registry import poll_failed, poll_succeeded
from syndicator.summarize import Summarizer

log = logging.getLogger(__name__)

# Below this many characters of text, an entry is taken to be an excerpt and its page fetched.
FULL_TEXT_MIN_CHARS = 400
PAGE_CONCURRENCY = 4  # article pages fetched and extracted at once within one poll


@dataclasses.dataclass(frozen=True)
class Policy:
    """The collection settings the pipeline needs, from `[collect]`."""

    cadence: cadence.Cadence = dataclasses.field(default_factory=cadence.Cadence)
    default_category: str | None = None
    cluster_window: timedelta = timedelta(hours=72)


class Collector:
    """Polls sources; constructed once by the composition root."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        summarizer: Summarizer,
        clock: Callable[[], datetime],
        policy: Policy | None = None,
        jitter: Callable[[], float] = random.random,
        workers: Executor | None = None,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._summarizer = summarizer
        self._clock = clock
        self._policy = policy or Policy()
        self._jitter = jitter
        # Page extraction is pure CPU work: with a process pool it runs on the other cores
        # while this event loop fetches and stores. None runs it here (tests, small setups).
        self._workers = workers

    async def poll(self, source: Source, state: SourceState | None = None) -> PollResult:
        """One collection pass over one source. Never raises for a source's fault.

        `state` is the source's polling state when the caller has just read it (the
        scheduler's tick does); otherwise it is read here.
        """
        if state is None:
            state = await self._store.registry.state(source.id)
        now = self._clock()
        try:
            collected = await READERS[source.kind](source, state, self._fetcher)
            result = await self._store_entries(source, collected)
        except SourceError as exc:
            return await self._failed(source, state, now, str(exc), exc)
        except Exception as exc:  # a parser or extractor bug must not stop the service
            log.exception("source %s: unexpected error", source.id)
            return await self._failed(source, state, now, f"internal error: {exc!r}", None)
        wait = await self._next_wait(source, state, collected)
        await self._store.registry.record_poll(
            poll_succeeded(
                state,
                now,
                now + timedelta(seconds=wait),
                collected.etag,
                collected.last_modified,
                collected.cursor,
            )
        )
        if result.new or result.revised:
            log.info(
                "source %s: %d new, %d revised of %d",
                source.id, result.new, result.revised, result.fetched,
            )  # fmt: skip
        return result

    async def _next_wait(self, source: Source, state: SourceState, collected: Collected) -> float:
        """Seconds to the next poll. Nothing new (304) keeps the interval last computed."""
        last, planned = state.last_polled_at, state.next_poll_at
        if collected.not_modified and last and planned and not state.error_count:
            return max((planned - last).total_seconds(), collected.floor)
        times = await self._store.articles.published_times(source.id)
        return cadence.after_success(times, source.interval, self._policy.cadence, collected.floor)

    async def _failed(
        self, source: Source, state: SourceState, now: datetime, error: str, exc: SourceError | None
    ) -> PollResult:
        errors = state.error_count + 1
        retry_after = getattr(exc, "retry_after", None)
        wait = cadence.after_error(
            errors, source.interval, self._policy.cadence, self._jitter(), retry_after
        )
        next_poll = now + timedelta(seconds=wait)
        await self._store.registry.record_poll(poll_failed(state, now, next_poll, error))
        log.warning("source %s failed (%d in a row, next try in %.0f s): %s",
                    source.id, errors, wait, error)  # fmt: skip
        return PollResult(source.id, error=error)

    async def _store_entries(self, source: Source, collected: Collected) -> PollResult:
        if collected.not_modified:
            return PollResult(source.id, not_modified=True)
        entries = collected.entries
        guids, urls = dedup.keys(entries)
        known = await self._store.articles.known(source.id, guids, urls)
        taxonomy = Taxonomy.build(
            await self._store.registry.categories(), self._policy.default_category
        )
        # Pages are fetched and extracted a few at a time (waiting on one site overlaps with
        # extracting another page); then the poll's new articles are stored together, oldest
        # first (a listing or sitemap link has no date until its page is read), so that ids
        # grow with publication time.
        slots = asyncio.Semaphore(PAGE_CONCURRENCY)

        async def prepare(entry: Entry) -> NewArticle:
            async with slots:
                article = await self._article(source, entry, taxonomy)
            return NewArticle(article, cluster.fingerprint(article.title, article.text))

        async with asyncio.TaskGroup() as group:  # one failure cancels the others
            tasks = [group.create_task(prepare(e)) for e in dedup.new_entries(entries, known)]
        prepared = sorted((task.result() for task in tasks), key=lambda i: i.article.published)
        ids = await self._store.articles.add_many(
            prepared, self._clock(), window=self._policy.cluster_window
        )
        stored = [article_id for article_id in ids if article_id is not None]
        revised = 0
        for entry, was in self._changed(entries, known):
            article = await self._article(source, entry, taxonomy)
            if (article.title, article.content_hash) != (was.title, was.content_hash):
                await self._store.articles.revise(was.id, article, self._clock())
                revised += 1
        return PollResult(
            source.id,
            fetched=len(entries),
            new=len(stored),
            duplicates=len(entries) - len(stored),
            revised=revised,
            article_ids=tuple(stored),
        )

    def _changed(
        self, entries: list[Entry], known: dedup.Known
    ) -> list[tuple[Entry, dedup.Stored]]:
        """Known entries that changed: the source says so, or its full text hashes differently."""
        flagged = dedup.maybe_changed(entries, known)
        ids = {stored.id for _, stored in flagged}
        for entry in entries:
            stored = known.find(entry)
            if stored is None or stored.id in ids or not entry.content_html:
                continue
            text = _own_text(entry)
            if (
                len(text) >= FULL_TEXT_MIN_CHARS
                and content_hash(entry.title, text) != stored.content_hash
            ):
                flagged.append((entry, stored))
                ids.add(stored.id)
        return flagged

    async def _article(self, source: Source, entry: Entry, taxonomy: Taxonomy) -> Article:
        entry, body, page_names = await self._body(entry)
        now = self._clock()
        article = normalize_entry(entry, body, now)
        return dataclasses.replace(
            article,
            categories=taxonomy.assign(
                names=(*entry.category_names, *page_names),
                source_categories=source.categories,
                url=article.url,
                title=article.title,
                text=article.text,
            ),
            summary=self._summarizer.summarize(article.title, article.text),
        )

    async def _body(self, entry: Entry) -> tuple[Entry, Body, tuple[str, ...]]:
        """The entry's own content when it is the full text, else its extracted page.

        The page also fills what the entry lacks (a sitemap or listing link has no title or
        date). If the page cannot be fetched or yields less than the entry did, the entry's
        own text is kept: an article is never dropped because its page failed.
        """
        own_html = entry.content_html or entry.summary_html
        own_text = _own_text(entry)
        own = Body(own_text, sanitize_html(own_html, entry.url))
        if len(own_text) >= FULL_TEXT_MIN_CHARS:
            return entry, own, ()
        try:
            page = await self._fetcher.get(entry.url)
        except SourceError as exc:
            log.info("page of %s not fetched, keeping the entry's text: %s", entry.url, exc)
            return entry, own, ()
        extracted = await self._extract(page)
        entry = dataclasses.replace(
            entry,
            # A shortlink (/?p=123) is known by the address it redirected to.
            url=page.url if is_shortlink(entry.url) else entry.url,
            title=entry.title or extracted.title,
            published=entry.published or extracted.published,
        )
        if len(extracted.text) <= len(own_text):
            return entry, own, extracted.categories
        body = Body(extracted.text, extracted.html, extracted.image, extracted.author)
        return entry, body, extracted.categories

    async def _extract(self, page: Response) -> Extracted:
        if self._workers is None:
            return extract_page(page.body, page.url, page.content_type)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._workers, extract_page, page.body, page.url, page.content_type
        )


def _own_text(entry: Entry) -> str:
    return strip_boilerplate(html_to_text(entry.content_html or entry.summary_html))
