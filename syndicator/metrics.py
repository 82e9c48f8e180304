"""Metrics (I/O edge): Prometheus instruments in one registry, served at `/metrics`.

The composition root builds one `Metrics` with its own `CollectorRegistry` (never the
library's global default) and feeds it at the edges only: each poll's result (`polled`),
each feed request (`instrument`, an ASGI wrapper around the feed server), and at scrape
time the dispatcher's in-process counters, the llm backend's statistics and the store's
delivery counts. The pure core knows nothing of it (tests/test_layering.py).

    collection   syndicator_fetch_duration_seconds{source}          histogram
                 syndicator_polls_total{source,result}               ok | not_modified | error
                 syndicator_articles_ingested_total{source}
                 syndicator_articles_revised_total{source}
                 syndicator_entries_duplicate_total{source}          dedup hits
                 syndicator_source_errors{source}                    failed polls in a row
    feeds        syndicator_feed_requests_total{format,status}
    delivery     syndicator_deliveries{channel,kind,state}           in the store, now
                 syndicator_delivery_queue_age_seconds{channel}      oldest pending post
                 syndicator_channel_paused{channel}
                 syndicator_delivery_outcomes_total{channel,outcome} this process
                 syndicator_telegram_flood_waits_total{channel}      429 answers
                 syndicator_telegram_flood_wait_seconds_total{channel}
    summaries    syndicator_llm_requests_total, syndicator_llm_summaries_used_total,
                 syndicator_llm_fallbacks_total{reason}
    process      syndicator_database_up, process_*, python_*

Labels are ids from the config (source, channel), formats, statuses and reasons: never a
chat id, a URL or the bot token. The private chats of subscribers (channels `sub:USER_ID`)
are added up under one label, `channel="sub:*"`: no user id, and no series per person.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syndicator.model import SUBSCRIBER_PREFIX, DeliveryKind, DeliveryState, PollResult
from syndicator.store import Store
from syndicator.summarize.llm import LlmStats

log = logging.getLogger(__name__)

FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0)
FEED_SUFFIXES = {".rss": "rss", ".atom": "atom", ".json": "json", ".opml": "opml"}
OPERATIONS = frozenset({"/healthz", "/readyz", "/metrics"})  # not counted as feed requests
OUTCOMES = ("sent", "failed", "unknown", "skipped", "edits", "digests")
SUBSCRIBERS = "sub:*"  # every subscriber's private chat, together (no id can contain ':')


class ChannelCounts(Protocol):
    """What `bot.metrics.ChannelMetrics` holds (read at scrape time)."""

    @property
    def sent(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def unknown(self) -> int: ...
    @property
    def skipped(self) -> int: ...
    @property
    def edits(self) -> int: ...
    @property
    def digests(self) -> int: ...
    @property
    def flood_waits(self) -> int: ...
    @property
    def flood_seconds(self) -> float: ...


DeliverySnapshot = Callable[[], Mapping[str, ChannelCounts]]


def channel_label(channel_id: str) -> str:
    """The `channel` label: the channel's id, or SUBSCRIBERS for a person's private chat."""
    return SUBSCRIBERS if channel_id.startswith(SUBSCRIBER_PREFIX) else channel_id


def request_format(path: str) -> str | None:
    """The label of a feed server request: a feed format, `html` for the pages, `other`;
    None for the operations endpoints."""
    if path in OPERATIONS:
        return None
    if path == "/" or path.startswith("/c/"):
        return "html"
    dot = path.rfind(".")
    return FEED_SUFFIXES.get(path[dot:], "other") if dot > 0 else "other"


class _InProcess(Collector):
    """Counters other parts keep (dispatcher, llm backend), turned into metrics on scrape."""

    def __init__(self, deliveries: DeliverySnapshot, llm: Callable[[], LlmStats | None]) -> None:
        self._deliveries = deliveries
        self._llm = llm

    def collect(self) -> Iterable[Metric]:
        outcomes = CounterMetricFamily(
            "syndicator_delivery_outcomes",
            "Telegram deliveries finished by this process, by outcome",
            labels=["channel", "outcome"],
        )
        floods = CounterMetricFamily(
            "syndicator_telegram_flood_waits", "429 answers from Telegram", labels=["channel"]
        )
        waited = CounterMetricFamily(
            "syndicator_telegram_flood_wait_seconds",
            "Seconds Telegram asked to wait (retry_after), summed",
            labels=["channel"],
        )
        sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for channel, counts in self._deliveries().items():
            summed = sums[channel_label(channel)]
            for name in (*OUTCOMES, "flood_waits", "flood_seconds"):
                summed[name] += getattr(counts, name)
        for channel, summed in sorted(sums.items()):
            for outcome in OUTCOMES:
                outcomes.add_metric([channel, outcome], summed[outcome])
            floods.add_metric([channel], summed["flood_waits"])
            waited.add_metric([channel], summed["flood_seconds"])
        yield from (outcomes, floods, waited)
        stats = self._llm()
        if stats is None:
            return
        yield CounterMetricFamily(
            "syndicator_llm_requests", "Summaries asked of the llm backend", value=stats.attempts
        )
        yield CounterMetricFamily(
            "syndicator_llm_summaries_used",
            "llm summaries that passed the checks and were used",
            value=stats.used,
        )
        fallbacks = CounterMetricFamily(
            "syndicator_llm_fallbacks",
            "llm summaries replaced by the extractive one, by reason",
            labels=["reason"],
        )
        for reason, n in sorted(stats.fallbacks.items()):
            fallbacks.add_metric([reason], n)
        yield fallbacks


class Metrics:
    """One registry and its instruments; built once by the composition root."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        *,
        deliveries: DeliverySnapshot | None = None,
        llm: Callable[[], LlmStats | None] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self.registry = registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        registry.register(_InProcess(deliveries or dict, llm or (lambda: None)))
        self.fetch_seconds = Histogram(
            "syndicator_fetch_duration_seconds",
            "Time to read a source (fetch and parse), by source",
            ["source"],
            buckets=FETCH_BUCKETS,
            registry=registry,
        )

        def counter(name: str, doc: str, *labels: str) -> Counter:
            return Counter(f"syndicator_{name}", doc, labels, registry=registry)

        def gauge(name: str, doc: str, *labels: str) -> Gauge:
            return Gauge(f"syndicator_{name}", doc, labels, registry=registry)

        self.polls = counter("polls", "Polls of a source, by result", "source", "result")
        self.ingested = counter("articles_ingested", "New articles stored", "source")
        self.revised = counter("articles_revised", "Stored articles corrected", "source")
        self.duplicates = counter(
            "entries_duplicate", "Entries skipped as already stored (dedup hits)", "source"
        )
        self.feed_requests = counter(
            "feed_requests", "Feed server answers, by format and HTTP status", "format", "status"
        )
        self.database_up = gauge("database_up", "1 when the last scrape could read the store")
        self.source_errors = gauge("source_errors", "Failed polls in a row (0: healthy)", "source")
        self.deliveries = gauge(
            "deliveries", "Deliveries in the store, by state", "channel", "kind", "state"
        )
        self.queue_age = gauge(
            "delivery_queue_age_seconds", "How long the oldest pending post waited", "channel"
        )
        self.paused = gauge("channel_paused", "Chats the bot cannot post to (paused)", "channel")
        self._store_gauges = (self.source_errors, self.deliveries, self.queue_age, self.paused)

    def polled(self, result: PollResult) -> None:
        """Count one poll's result."""
        source = result.source_id
        self.fetch_seconds.labels(source).observe(result.read_seconds)
        if result.store_down:
            outcome = "store_unavailable"  # not the source's failure: alerts on `error` stay quiet
        elif result.error:
            outcome = "error"
        else:
            outcome = "not_modified" if result.not_modified else "ok"
        self.polls.labels(source, outcome).inc()
        self.ingested.labels(source).inc(result.new)
        self.revised.labels(source).inc(result.revised)
        self.duplicates.labels(source).inc(max(0, result.duplicates))

    def instrument(self, app: ASGIApp) -> ASGIApp:
        """`app` counting its answers in `syndicator_feed_requests_total`."""
        children: dict[tuple[str, int], Counter] = {}

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            fmt = request_format(scope["path"]) if scope["type"] == "http" else None
            if fmt is None:
                await app(scope, receive, send)
                return

            async def observed(message: Message) -> None:
                if message["type"] == "http.response.start":
                    key = (fmt, message["status"])
                    if (child := children.get(key)) is None:
                        child = children[key] = self.feed_requests.labels(fmt, str(key[1]))
                    child.inc()
                await send(message)

            await app(scope, receive, observed)

        return counted

    async def exposition(self) -> tuple[bytes, str]:
        """The text format, with the store's numbers read now."""
        await self._read_store()
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    async def _read_store(self) -> None:
        try:
            reports = await self._store.reports.channels()
            states = await self._store.registry.states()
        except Exception as exc:
            log.debug("metrics: the store could not be read: %s", exc)
            self.database_up.set(0)
            for gauge in self._store_gauges:
                gauge.clear()
            return
        now = self._clock()
        self.database_up.set(1)
        for gauge in self._store_gauges:  # no await from here on: one consistent picture
            gauge.clear()
        for source_id, source in states.items():
            self.source_errors.labels(source_id).set(source.error_count)
        counted: dict[tuple[str, str, str], int] = defaultdict(int)
        ages: dict[str, float] = defaultdict(float)
        paused: dict[str, int] = defaultdict(int)
        for report in reports:
            channel = channel_label(report.channel_id)
            for kind, counts in (
                (DeliveryKind.POST, report.posts),
                (DeliveryKind.EDIT, report.edits),
            ):
                for state in DeliveryState:
                    counted[channel, kind.value, state.value] += counts.get(state.value, 0)
            if report.oldest_pending is not None:
                waited = (now - report.oldest_pending).total_seconds()
                ages[channel] = max(ages[channel], waited)
            paused[channel] += 1 if report.paused_reason else 0
        for labels, n in counted.items():
            self.deliveries.labels(*labels).set(n)
        for channel in paused:
            self.queue_age.labels(channel).set(ages[channel])
            self.paused.labels(channel).set(paused[channel])
