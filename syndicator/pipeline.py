"""Collection pipeline: poll one source, from fetch to stored articles and outbox rows.

    read (by kind: feed | wordpress | sitemap | html; conditional, polite) -> dedup
    -> full text (the page, extracted, when the entry is only an excerpt or a link)
    -> normalize -> categorize -> summarize (extractive) -> fingerprint
    -> summarize again with the configured I/O backend (llm), which falls back to extractive
    -> store: new article in its story cluster + deliveries, or a revision of a known one

Every failure of a source becomes an error recorded in its state with a backoff, and is
returned in the `PollResult`; nothing a source sends can stop the scheduler. The next poll
is planned from the source's publishing rate (`cadence`).

A database that stops answering (`StoreError`) is not the source's failure: the poll ends
with an error in its result, and the source's state (errors, backoff, validators, cursor)
is left as it was. Its articles are stored in batches, each with its deliveries in one
transaction, and the validators are kept only after the whole poll is stored, so the next
poll after the outage reads the same entries again and stores what is missing, once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from datetime import UTC, datetime, timedelta

from syndicator import cadence, dedup
from syndicator.assemble import NewArticle, Page, assemble, entry_hash, needs_page, own_text
from syndicator.categorize import Taxonomy
from syndicator.errors import FetchError, SourceError, StoreError
from syndicator.fetch import Fetcher
from syndicator.model import Entry, PollResult, Source, SourceState
from syndicator.sources.read import READERS, Collected
from syndicator.store import Store
from syndicator.store.registry import poll_failed, poll_succeeded
from syndicator.summarize import Summarizer
from syndicator.summarize.budget import Budget

log = logging.getLogger(__name__)

PAGE_CONCURRENCY = 8  # article pages fetched and extracted at once within one poll
GONE = frozenset({404, 410})  # a page answering these is not coming back
STORE_BATCH = 10  # new articles stored per transaction while the others are still being read
_LATEST = datetime.max.replace(tzinfo=UTC)
IN_ASSEMBLY = "extractive"  # the backend `assemble` already applies, in the worker process


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
        """One collection pass over one source. Never raises for a source's fault, nor for
        the database's (its result says "database unavailable", the source's state is
        untouched and the source is polled again).

        `state` is the source's polling state when the caller has just read it (the
        scheduler's tick does); otherwise it is read here.
        """
        try:
            return await self._poll(source, state)
        except StoreError as exc:
            why = str(exc).removeprefix("database unavailable: ")
            log.warning("database unavailable: source %s will be polled again (%s)", source.id, why)
            return PollResult(source.id, error=str(exc), store_down=True)

    async def _poll(self, source: Source, state: SourceState | None) -> PollResult:
        if state is None:
            state = await self._store.registry.state(source.id)
        now, started, read = self._clock(), time.monotonic(), None
        try:
            collected = await READERS[source.kind](source, state, self._fetcher)
            read = time.monotonic() - started
            result = await self._store_entries(source, collected)
        except SourceError as exc:
            read = read or time.monotonic() - started
            failed = await self._failed(source, state, now, str(exc), exc)
            return dataclasses.replace(failed, read_seconds=read)
        except Exception as exc:  # a parser or extractor bug must not stop the service
            if (down := _store_error(exc)) is not None:
                raise down from None  # the database's failure, not the source's
            read = read or time.monotonic() - started
            log.exception("source %s: unexpected error", source.id)
            failed = await self._failed(source, state, now, f"internal error: {exc!r}", None)
            return dataclasses.replace(failed, read_seconds=read)
        result = dataclasses.replace(result, read_seconds=read)
        if result.deferred:
            # Entries were left for later: the next poll must see this document again, so
            # the validators (and cursor) of this one are not kept.
            collected = dataclasses.replace(
                collected, etag=state.etag, last_modified=state.last_modified, cursor=state.cursor
            )
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
        # extracting another page). Articles are stored oldest first, so that ids grow with
        # publication time: dated entries in small batches as they are ready (storing
        # overlaps with extracting the next pages), undated ones (listing or sitemap links,
        # dated only by their page) once all are read.
        fresh = sorted(dedup.new_entries(entries, known), key=lambda e: e.published or _LATEST)
        slots = asyncio.Semaphore(PAGE_CONCURRENCY)

        async def prepare(entry: Entry) -> NewArticle | None:
            async with slots:
                made = await self._article(source, entry, taxonomy)
            # Outside the page slots: a model's answer is awaited while other pages are
            # fetched, and the backend bounds its own concurrency.
            return None if made is None else await self._summarized(made)

        stored: list[int] = []

        deferred = 0

        async def store(ready: Sequence[NewArticle | None]) -> None:
            nonlocal deferred
            batch = [item for item in ready if item is not None]
            deferred += len(ready) - len(batch)
            ids = await self._store.articles.add_many(
                batch, self._clock(), window=self._policy.cluster_window
            )
            stored.extend(article_id for article_id in ids if article_id is not None)

        async with asyncio.TaskGroup() as group:  # one failure cancels the others
            tasks = [group.create_task(prepare(entry)) for entry in fresh]
            if all(entry.published for entry in fresh):
                for start in range(0, len(tasks), STORE_BATCH):
                    await store([await task for task in tasks[start : start + STORE_BATCH]])
        if not all(entry.published for entry in fresh):
            ready = [item for t in tasks if (item := t.result()) is not None]
            deferred = len(tasks) - len(ready)
            ready.sort(key=lambda item: item.article.published)
            await store(ready)
        revised = 0
        for entry, was in self._changed(entries, known):
            made = await self._article(source, entry, taxonomy)
            if made is None:
                continue  # its page failed for now: looked at again next poll
            article = made.article
            if (article.title, article.content_hash) != (was.title, was.content_hash):
                article = (await self._summarized(made)).article
                await self._store.articles.revise(was.id, article, self._clock(), made.source_hash)
                revised += 1
            else:
                await self._store.articles.remember_source(was.id, made.source_hash)
        return PollResult(
            source.id,
            fetched=len(entries),
            new=len(stored),
            duplicates=len(entries) - len(stored) - deferred,
            revised=revised,
            deferred=deferred,
            article_ids=tuple(stored),
        )

    def _changed(
        self, entries: list[Entry], known: dedup.Known
    ) -> list[tuple[Entry, dedup.Stored]]:
        """Known entries that changed: the source says so (update time, title), or what it
        says about the article (title and own text, even an excerpt) hashes differently."""
        flagged = dedup.maybe_changed(entries, known)
        ids = {stored.id for _, stored in flagged}
        for entry in entries:
            stored = known.find(entry)
            if stored is None or stored.id in ids or stored.source_hash is None:
                continue
            if entry_hash(entry) != stored.source_hash:
                flagged.append((entry, stored))
                ids.add(stored.id)
        return flagged

    async def _article(self, source: Source, entry: Entry, taxonomy: Taxonomy) -> NewArticle | None:
        """Fetch the entry's page when it is needed, then assemble the article (pure CPU
        work: in a worker process when the service has an extraction pool).

        None: the page failed for now and the entry has no text of its own; it is left for
        the next poll rather than stored empty for good. A page that is gone (404, 410) is
        final: the article is stored with what the entry says.
        """
        page = None
        if needs_page(entry):
            try:
                response = await self._fetcher.get(entry.url)
                page = Page(response.body, response.url, response.content_type)
            except FetchError as exc:
                if exc.status not in GONE and not own_text(entry):
                    log.info("page of %s not fetched, retried next poll: %s", entry.url, exc)
                    return None
                log.info("page of %s not fetched, keeping the entry's text: %s", entry.url, exc)
            except SourceError as exc:
                log.info("page of %s not fetched, keeping the entry's text: %s", entry.url, exc)
        args = (entry, page, source.categories, taxonomy, self._clock())
        if self._workers is None:
            return assemble(*args)
        return await asyncio.get_running_loop().run_in_executor(self._workers, assemble, *args)

    async def _summarized(self, made: NewArticle) -> NewArticle:
        """`made` with the configured backend's summary, when that is not the extractive one
        it already has. The backend never raises for an article's sake: it falls back."""
        if self._summarizer.name == IN_ASSEMBLY:
            return made
        article = made.article
        summary = await self._summarizer.summarize(article.title, article.text, Budget.STANDARD)
        return dataclasses.replace(made, article=dataclasses.replace(article, summary=summary))


def _store_error(exc: BaseException) -> StoreError | None:
    """The database's error behind `exc`: itself, or one that the task group reading the
    pages gathered (with cancellations of the other pages, or a page's own error)."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            if (found := _store_error(inner)) is not None:
                return found
    return None
