"""Composition root: the one place where settings become objects.

Everything with a lifetime (database engine, HTTP client, Telegram bot, scheduler, HTTP
server) is created here from `Settings` and handed to the parts that need it, and closed
here in reverse order. No module keeps a global client, pool or cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import multiprocessing
import os
import random
import socket
from collections import Counter
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import TextIO
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from pydantic import SecretStr

from bot.budget import SharedPacer
from bot.channels import ChannelCommands
from bot.commands import Commands
from bot.dispatch import Dispatcher
from bot.dryrun import DryRunSender
from bot.format import Style
from bot.limits import Pacer
from bot.metrics import DeliveryMetrics
from bot.operate import Operations
from bot.policy import ChannelPolicy, Options, channel_policies, subscriber_policy
from bot.preview import Previews
from bot.subscribe import Subscriptions
from bot.summaries import ChannelSummaries, Choice
from bot.telegram import Sender, TelegramSender, build_bot
from feeds.catalog import Catalog
from feeds.health import Probes
from feeds.paging import FORMATS, affected
from feeds.server import FeedCache, FeedServer, Site, gated
from feeds.websub import WebSub
from syndicator import readiness
from syndicator.cadence import Cadence
from syndicator.config import ChannelConfig, FileConfig, Settings, SummarizeConfig
from syndicator.declared import Change, channel_config, declared_from, fingerprint
from syndicator.errors import ConfigError, StoreError, StoreUnavailable, SyndicatorError
from syndicator.fetch import Fetcher, HostLimiter, Robots, build_client
from syndicator.jobs import JobBackend, LocalJobs
from syndicator.metrics import Metrics
from syndicator.model import Actor, PollResult, Source, SourceState
from syndicator.pause import pause
from syndicator.pipeline import Collector, Policy
from syndicator.replica import Replica
from syndicator.schedule import Scheduler
from syndicator.store import Changed, Store, migrate
from syndicator.store.budget import SendBudget
from syndicator.store.engine import create_engine, shown
from syndicator.store.outbox import Interrupted
from syndicator.summarize import ExtractiveSummarizer, Summarizer
from syndicator.summarize.budget import Budget
from syndicator.summarize.llm import LlmSummarizer
from syndicator.workqueue import install_schema

log = logging.getLogger(__name__)

HTTP_SHUTDOWN = 5  # seconds the feed server gives open requests when it stops
RELOAD_EVERY = 2.0  # seconds between two looks for changes made by the CLI


def utcnow() -> datetime:
    return datetime.now(UTC)


def extraction_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """Worker processes for page extraction (pure CPU work), one per core by default.

    Started with "forkserver" so workers do not inherit the event loop, sockets or threads
    of the service; each imports trafilatura once and then serves many pages.
    """
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 2, mp_context=context)


class Summarizers:
    """The summarizer backends by name, built once: extractive always, llm when its server is
    configured. Owns the model server's HTTP client, apart from the collector's, so model
    calls neither wait behind page fetches nor follow their redirects."""

    def __init__(self, config: SummarizeConfig, api_key: SecretStr | None = None) -> None:
        extractive = ExtractiveSummarizer()
        self.by_name: dict[str, Summarizer] = {extractive.name: extractive}
        self._http: httpx.AsyncClient | None = None
        llm = config.llm
        if llm.url is not None and llm.model:
            self._http = httpx.AsyncClient(
                timeout=llm.timeout,
                limits=httpx.Limits(max_connections=llm.concurrency),
            )
            backend = LlmSummarizer(
                self._http,
                str(llm.url),
                llm.model,
                api_key=api_key.get_secret_value() if api_key else None,
                timeout=llm.timeout,
                concurrency=llm.concurrency,
                max_tokens=llm.max_tokens,
                fallback=extractive,
            )
            self.by_name[backend.name] = backend
        self.backend = config.backend

    @property
    def default(self) -> Summarizer:
        return self.by_name[self.backend]

    def get(self, name: str) -> Summarizer:
        if name not in self.by_name:
            known = ", ".join(sorted(self.by_name))
            raise ConfigError(f"summarizer backend '{name}' is not configured (available: {known})")
        return self.by_name[name]

    def for_channels(self, cfg: FileConfig | Sequence[ChannelConfig]) -> ChannelSummaries:
        """What each channel asked for; the default is what the collector stores. A channel
        that asks for a backend this service has not configured (set from the bot or the
        CLI) gets the default one, with a warning."""
        channels = cfg.channels if isinstance(cfg, FileConfig) else cfg
        chosen = {}
        for c in channels:
            backend = c.summarizer or self.backend
            if backend not in self.by_name:
                log.warning("channel %s: summarizer %r is not configured: using %r",
                            c.id, backend, self.backend)  # fmt: skip
                backend = self.backend
            chosen[c.id] = Choice(backend, c.summary_budget)
        return ChannelSummaries(self.by_name, Choice(self.backend, Budget.STANDARD), chosen)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the app owns SIGINT/SIGTERM for all parts."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class App:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        dry_run: bool | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.settings = settings
        cfg = settings.file
        self.clock = clock
        self.engine = create_engine(cfg.database.url, busy_timeout=cfg.database.busy_timeout)
        self.store = Store.on(self.engine)
        self.http = build_client(
            timeout=cfg.fetch.timeout,
            user_agent=cfg.fetch.user_agent,
            allow_networks=cfg.fetch.allow_networks,
        )
        self.fetcher = fetcher = Fetcher(
            self.http,
            max_bytes=cfg.fetch.max_bytes,
            deadline=cfg.fetch.timeout * 2,
            hosts=HostLimiter(
                concurrency=cfg.fetch.per_host_concurrency, delay=cfg.fetch.per_host_delay
            ),
            robots=Robots(self.http, cfg.fetch.user_agent),
        )
        policy = Policy(
            cadence=Cadence(cfg.collect.min_interval, cfg.collect.max_interval),
            default_category=cfg.collect.default_category,
            cluster_window=timedelta(seconds=cfg.collect.cluster_window),
        )
        workers = cfg.collect.extract_workers
        self._pool = extraction_pool(workers) if workers else None
        self.summarizers = Summarizers(cfg.summarize, settings.llm_api_key)
        self.collector = Collector(
            self.store, fetcher, self.summarizers.default, clock, policy, workers=self._pool
        )
        token = settings.telegram_token
        self.dry_run = token is None if dry_run is None else dry_run
        self._bot = None
        sender: Sender
        if self.dry_run or token is None:
            sender = DryRunSender(out)
        else:
            base_url = str(cfg.telegram.base_url) if cfg.telegram.base_url else None
            pool = cfg.telegram.concurrency + 4
            self._bot = build_bot(token.get_secret_value(), base_url, pool=pool)
            sender = TelegramSender(self._bot)
        telegram = cfg.telegram
        pacer = Pacer(
            global_rate=telegram.global_rate,
            per_chat_interval=telegram.per_chat_interval,
            private_interval=telegram.private_chat_interval,
        )
        scale_out = cfg.jobs.backend == "procrastinate"
        if scale_out:  # every replica books its sends in one budget in PostgreSQL
            pacer = SharedPacer.like(pacer, SendBudget(self.engine))
        self._pacer = pacer
        default = ChannelPolicy(style=Style(zone=ZoneInfo(telegram.timezone)))
        options = Options(
            channels=channel_policies(cfg.channels, telegram.timezone),
            default=default,
            operators=telegram.operators,
            concurrency=telegram.concurrency,
            edit_window=timedelta(seconds=telegram.edit_window),
        )
        self.delivery_metrics = DeliveryMetrics()  # for /metrics (issue 8)
        # Channel policies and summary choices, reloaded from the store (`reload`).
        self.delivery_options = options
        self.delivery_summaries = self.summarizers.for_channels(cfg)

        def dispatcher() -> Dispatcher:
            return Dispatcher(
                self.store, sender, pacer, clock, self.delivery_summaries,
                options=self.delivery_options, metrics=self.delivery_metrics,
                pace_first=scale_out,
            )  # fmt: skip

        self.dispatcher = dispatcher()
        # Scale-out: polls and sends are jobs in procrastinate that any replica may run.
        self.replica = (
            Replica(
                cfg, self.engine, self.store, poll=self.poll, dispatcher=dispatcher, clock=clock
            )
            if scale_out
            else None
        )
        self.jobs: JobBackend = (
            LocalJobs(cfg.jobs.concurrency) if self.replica is None else self.replica.workqueue
        )
        self.scheduler = Scheduler(self.store, self.jobs, self.poll, clock)
        # Operations: /readyz wants the newest migration this code knows, and the scheduler
        # only where this process collects (`run` says); /metrics has its own registry.
        self.schema_head = migrate.head()
        self.collecting = True
        llm = self.summarizers.by_name.get("llm")
        self.metrics = Metrics(
            self.store, clock, deliveries=self.delivery_metrics.snapshot,
            llm=(lambda: llm.stats) if isinstance(llm, LlmSummarizer) else None,
        )  # fmt: skip
        # Operators and subscribers (docs/operators.md): bot commands when a token is set.
        self.commands: Commands | None = None
        self._changes = asyncio.Event()  # set by a change made here (bot command)
        self._seen_change = 0  # the newest audit entry the policies were loaded after
        if self._bot is not None and telegram.commands:
            current = lambda: (self.delivery_options, self.delivery_summaries)  # noqa: E731
            previews = Previews(self.store, fetcher, clock, current, cfg.collect.default_category)
            self.commands = Commands(
                self.store,
                Operations(self.store, fetcher, previews, clock, self.changed),
                ChannelCommands(self.store, clock, self.changed),
                Subscriptions(self.store, cfg.subscribers, clock, self.changed),
                pacer, clock, operators=telegram.operators,
                per_minute=cfg.subscribers.commands_per_minute,
            )  # fmt: skip
        self.bound_port: int | None = None
        self.starting: str | None = None  # why `run` is not prepared yet (for /readyz)
        self.interrupted: list[Interrupted] = []
        # Feeds: rendered documents stay cached until the ingest path reports a change.
        self.feed_cache = FeedCache()
        hub = cfg.feeds.websub_hub
        # The hub is the operator's own server, like Telegram and the LLM, not a site: its
        # pings have their own client, outside the collector's private-address guard.
        self.websub: WebSub | None = None
        if hub is not None:
            self._hub_http = httpx.AsyncClient(
                timeout=cfg.fetch.timeout, headers={"User-Agent": cfg.fetch.user_agent}
            )
            self.websub = WebSub(self._hub_http, str(hub))
        self.store.articles.on_change(self.feeds_changed)

    @property
    def public_url(self) -> str:
        """Where readers reach the feeds; with port 0 it is known only once bound."""
        http = self.settings.file.http
        if http.public_url is None and http.port == 0 and self.bound_port is not None:
            return self.settings.public_url.rsplit(":", 1)[0] + f":{self.bound_port}"
        return self.settings.public_url

    def feed_site(self, base_url: str | None = None) -> Site:
        feeds = self.settings.file.feeds
        hub = str(feeds.websub_hub) if feeds.websub_hub is not None else None
        return Site(
            title=feeds.title,
            base_url=(base_url or self.public_url).rstrip("/"),
            limit=feeds.limit,
            max_age=feeds.max_age,
            websub_hub=hub,
        )

    def feed_server(self) -> FeedServer:
        probes = Probes(self.readiness_checks(), self.metrics.exposition)
        return FeedServer(self.store, self.feed_site(), self.feed_cache, probes)

    def readiness_checks(self) -> dict[str, readiness.Check]:
        """What /readyz checks: the database, its schema, and the scheduler if collecting."""
        checks = {
            "database": readiness.database(self.engine, lambda: self.starting),
            "migrations": readiness.migrations(self.engine, self.schema_head),
        }
        if self.collecting:
            checks["scheduler"] = readiness.scheduler(lambda: self.scheduler.running)
        return checks

    def feed_catalog(self, base_url: str | None = None) -> Catalog:
        return Catalog(self.store, self.feed_site(base_url))

    def feeds_changed(self, change: Changed) -> None:
        """Articles were stored or revised: drop the documents they change, ping the hub."""
        refs = affected(change.sources, change.categories)
        self.feed_cache.invalidate(ref.tag for ref in refs)
        if self.websub is not None:
            base = self.public_url
            self.websub.publish(base + ref.path(fmt) for ref in refs for fmt in FORMATS)

    async def __aenter__(self) -> App:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self.scheduler.shutdown()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self.websub is not None:
            await self.websub.drain()
            await self._hub_http.aclose()
        await self.http.aclose()
        await self.summarizers.aclose()
        if self._bot is not None:
            with contextlib.suppress(Exception):
                await self._bot.shutdown()
        if isinstance(self._pacer, SharedPacer):
            await self._pacer.settle()
        await self.engine.dispose()

    async def prepare(self, *, apply: bool = True) -> None:
        """Migrate the database, apply the config file to it (`apply_file`; not for the
        commands that change the store themselves) and load the channels' policies."""
        # Scale-out replicas start together: one at a time migrates and applies the file.
        turn = self.replica.preparing() if self.replica is not None else contextlib.nullcontext()
        database = self.settings.file.database
        async with turn:
            await asyncio.to_thread(
                migrate.upgrade, database.url, busy_timeout=database.busy_timeout
            )
            if self.replica is not None:
                await asyncio.to_thread(install_schema, self.settings.file.database.url)
            if apply:
                await self.apply_file()
        await self.reload()
        self.feed_cache.clear()  # names, categories and sources are in every document

    async def prepare_when_available(self, stop: asyncio.Event) -> bool:
        """`prepare`, tried again while the database does not answer (`StoreUnavailable`):
        after `[database] retry_initial` seconds, doubled after each failure up to
        `retry_max`, each wait ±25 % (replicas restarted together do not knock together),
        with one WARNING per attempt. False when `stop` is set first.

        Only the long-running commands wait: an orchestrator may start the service before
        its database, and the service should come up when the database does. One-shot
        commands call `prepare` and fail at once with the error, which is what a person at
        a terminal or a cron job needs to see."""
        database = self.settings.file.database
        delay, attempt = database.retry_initial, 0
        self.starting = "starting: migrating and applying the config file"
        while not stop.is_set():
            try:
                await self.prepare()
            except StoreUnavailable as exc:
                attempt += 1
                self.starting = f"starting: attempt {attempt} failed ({readiness.problem(exc)})"
                wait = min(delay, database.retry_max) * (0.75 + 0.5 * random.random())
                log.warning(
                    "database %s unavailable (%s), attempt %d: trying again in %.1f s",
                    shown(database.url), readiness.problem(exc), attempt, wait,
                )  # fmt: skip
                await pause(stop, wait)
                delay = min(delay * 2, database.retry_max)
            else:
                if attempt:
                    log.info("database %s answers (after %d failed attempts)",
                             shown(database.url), attempt)  # fmt: skip
                self.starting = None
                return True
        return False

    async def _start_commands(self) -> None:
        """Answer bot commands (a failure to start is logged; delivery goes on)."""
        token = self.settings.telegram_token
        if self.commands is None or token is None:
            return
        base_url = self.settings.file.telegram.base_url
        try:
            await self.commands.start(token.get_secret_value(), str(base_url) if base_url else None)
        except Exception as exc:
            log.error("bot commands could not start (%s); they stay off", type(exc).__name__)
            await self.commands.stop()

    async def apply_file(self) -> list[Change]:
        """Make the store state what the config file states, when `[database]
        apply_on_start` says so: always, never, or when the file's categories, sources,
        channels or routes changed since it was last applied (so changes made with the bot
        or the CLI survive restarts). Returns the changes (also in the audit log)."""
        mode = self.settings.file.database.apply_on_start
        if mode == "never":
            return []
        wanted = declared_from(self.settings.file)
        stamp = fingerprint(wanted)
        path = str(self.settings.path.resolve())
        declarations = self.store.declarations
        if mode == "changed" and await declarations.applied(path) == stamp:
            return []
        changes = await declarations.apply(wanted, Actor(path, "file"), self.clock())
        await declarations.remember(path, stamp, self.clock())
        for change in changes:
            log.info("applied %s: %s", self.settings.path, change)
        return changes

    async def reload(self) -> None:
        """Load the channels' policies and summary choices from the store, which holds the
        truth: channels' options and subscribers' modes change from the bot and the CLI."""
        self._seen_change = await self.store.audit.latest()
        telegram = self.settings.file.telegram
        configs = [channel_config(c) for c in await self.store.registry.channels()]
        policies = channel_policies(configs, telegram.timezone)
        at = self.settings.file.subscribers.digest_at
        for person in await self.store.subscribers.all(active_only=True):
            policies[person.channel_id] = subscriber_policy(
                person.mode == "digest", at, telegram.timezone
            )
        self.delivery_options = dataclasses.replace(self.delivery_options, channels=policies)
        self.delivery_summaries = self.summarizers.for_channels(configs)
        self.dispatcher.configure(self.delivery_options, self.delivery_summaries)
        self.dispatcher.wake.set()

    def changed(self) -> None:
        """Something was changed in this process (a bot command): reload soon."""
        self._changes.set()

    async def follow_changes(self, stop: asyncio.Event) -> None:
        """Reload the policies after changes: made here (at once) or by the CLI in another
        process (seen as a new audit entry within `RELOAD_EVERY` seconds)."""
        down = False  # the database did not answer: said once, until it answers again
        while not stop.is_set():
            waiters = [
                asyncio.ensure_future(stop.wait()),
                asyncio.ensure_future(self._changes.wait()),
            ]
            await asyncio.wait(waiters, timeout=RELOAD_EVERY, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if stop.is_set():
                return
            try:
                if self._changes.is_set() or await self.store.audit.latest() != self._seen_change:
                    self._changes.clear()
                    await self.reload()
            except StoreError as exc:
                if not down:
                    log.warning("could not look for changes: %s; retrying", exc)
                down = True
            except Exception:
                log.exception("could not reload the channels' options; retrying")
            else:
                down = False

    async def poll(self, source: Source, state: SourceState | None = None) -> PollResult:
        result = await self.collector.poll(source, state)
        self.metrics.polled(result)
        if result.new or result.revised:  # new posts owed, or corrections to edit
            self.dispatcher.wake.set()
        return result

    async def collect(self, source_id: str | None = None) -> list[PollResult]:
        """One pass over every enabled source (or one), concurrently."""
        sources = await self.store.registry.sources()
        if source_id is not None:
            sources = [s for s in sources if s.id == source_id]
            if not sources:
                raise ConfigError(f"{self.settings.path}: no enabled source with id '{source_id}'")
        return list(await asyncio.gather(*(self.collector.poll(s) for s in sources)))

    async def dispatch_once(self) -> Counter[str]:
        """Deliver what is due, then return; `interrupted` lists what a killed run left."""
        if self.replica is not None:
            raise ConfigError(
                f"{self.settings.path}: jobs.backend: with 'procrastinate' the replicas'"
                " workers deliver (`syndicator run`); a one-off pass would take their sends"
            )
        if self._bot is not None:
            await self._bot.initialize()
        self.interrupted = await self.dispatcher.recover()
        outcomes = await self.dispatcher.run_once(max_wait=math.inf)
        if self.interrupted:
            outcomes["interrupted (unknown)"] = len(self.interrupted)
        return outcomes

    def listen(self) -> socket.socket:
        """Bind the HTTP port now, so a busy port is a clear error before anything starts."""
        http = self.settings.file.http
        family = socket.AF_INET6 if ":" in http.host else socket.AF_INET
        # IPPROTO_TCP named: asyncio sets TCP_NODELAY on accepted connections only when the
        # listening socket says so, and without it every answer on a kept-alive connection
        # waited 40 ms (Nagle's algorithm against the reader's delayed ACK).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((http.host, http.port))
        except OSError as exc:
            sock.close()
            raise SyndicatorError(
                f"cannot listen on {http.host}:{http.port}: {exc.strerror}"
            ) from None
        sock.listen(128)
        sock.setblocking(False)
        self.bound_port = int(sock.getsockname()[1])
        return sock

    async def run(
        self,
        stop: asyncio.Event,
        *,
        collect: bool = True,
        dispatch: bool = True,
        serve: bool = True,
        ready: asyncio.Event | None = None,
    ) -> None:
        """Run the chosen parts in this event loop until `stop` is set, then stop cleanly:
        no new polls or sends, those in flight get `[run] shutdown_grace` seconds (then
        they are cancelled), and the feed server closes last.

        The feed server starts first, so that while the database does not answer yet
        (`prepare_when_available` waits) /healthz says alive, /readyz says why not ready,
        and feeds answer 503."""
        self.collecting = collect
        sock = self.listen() if serve else None
        tasks: list[asyncio.Task[None]] = []
        server: _EmbeddedServer | None = None
        prepared = False
        if sock is not None:
            config = uvicorn.Config(
                self.metrics.instrument(gated(self.feed_server().app(), lambda: prepared)),
                log_level="warning", log_config=None, lifespan="off", access_log=False,
                timeout_graceful_shutdown=HTTP_SHUTDOWN,
            )  # fmt: skip
            server = _EmbeddedServer(config)
            tasks.append(asyncio.create_task(server.serve(sockets=[sock]), name="http"))
        try:
            prepared = await self.prepare_when_available(stop)
        finally:
            if not prepared and server is not None:  # stopped while waiting, or failed
                server.should_exit = True
                await asyncio.gather(*tasks, return_exceptions=True)
        if not prepared:
            return
        if self.replica is not None and (collect or dispatch):
            if self._bot is not None and dispatch:
                await self._bot.initialize()
            grace = self.settings.file.run.shutdown_grace
            work = self.replica.run(stop, collect=collect, dispatch=dispatch, grace=grace)
            tasks.append(asyncio.create_task(work, name="jobs"))
        elif dispatch:
            if self._bot is not None:
                await self._bot.initialize()
            await self.dispatcher.recover()
            tasks.append(asyncio.create_task(self.dispatcher.run(stop), name="dispatcher"))
        tasks.append(asyncio.create_task(self.follow_changes(stop), name="reload"))
        if dispatch and self.replica is not None and self.commands is not None:
            commands = self.replica.answering(stop, self._start_commands, self.commands.stop)
            tasks.append(asyncio.create_task(commands, name="commands"))
        elif dispatch:
            await self._start_commands()
        if collect:
            self.scheduler.start()
        log.info(
            "running: collect=%s dispatch=%s (%s) serve=%s",
            collect, dispatch, "dry-run" if self.dry_run else "telegram",
            f"{self.public_url}/" if serve else "no",
        )  # fmt: skip
        if ready is not None:
            ready.set()
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        grace = self.settings.file.run.shutdown_grace
        log.info("stopping: no new polls or sends; up to %d s for those in flight", grace)
        self.scheduler.shutdown()
        if self.commands is not None:
            await self.commands.stop()
        workers = [task for task in tasks if task.get_name() != "http"]
        await asyncio.gather(self.jobs.drain(grace), _finish(workers, grace))
        if server is not None:
            server.should_exit = True
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                log.error("%s ended with %r", task.get_name(), result)


async def _finish(tasks: list[asyncio.Task[None]], grace: float) -> None:
    """Wait up to `grace` seconds for `tasks`, then cancel what is still running."""
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=grace)
    for task in late:
        log.warning(
            "%s still busy after %g s: cancelled (a send in flight is recorded as unknown at"
            " the next start)", task.get_name(), grace,
        )  # fmt: skip
        task.cancel()
