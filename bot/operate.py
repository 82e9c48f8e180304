"""Operator commands (I/O): the service's state, sources, and delivery, from Telegram.

Only `[telegram] operators` reach these handlers (`bot.commands` checks and logs the
others). Every change goes through `syndicator.store.edits`, which writes the audit entry;
`changed()` then tells the service to reload its channel policies and wake the dispatcher.
Channels and routes: `bot.channels`.

    /status                      sources in error, queues, last posts
    /sources                     the sources and their errors
    /addsource URL [ID]          discovery, a preview of the latest items, confirm by button
    /removesource ID             disable (articles stay)
    /preview URL [CHANNEL]       the message exactly as it would be posted
    /test CHANNEL                a test message in the channel
    /retry CHANNEL [unknown|failed]   send again what ended unknown or failed
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from html import escape

from bot.channels import find_channel
from bot.chat import Turn
from bot.format import Message
from bot.preview import Previews
from syndicator.config import SourceConfig
from syndicator.declared import check
from syndicator.discover import best, site_name, slug
from syndicator.errors import SyndicatorError
from syndicator.fetch import Fetcher
from syndicator.model import DeliveryState, Source, SourceState
from syndicator.sources.probe import probe
from syndicator.sources.read import READERS
from syndicator.store import Store
from syndicator.store.reports import DeliveryRow

log = logging.getLogger(__name__)

PREVIEW_ITEMS = 3
PENDING_TTL = 600.0  # seconds an /addsource confirmation button stays valid
LISTED = 30  # lines of a list


class Operations:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        previews: Previews,
        clock: Callable[[], datetime],
        changed: Callable[[], None],
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._previews = previews
        self._clock = clock
        self._changed = changed
        self._pending: dict[str, tuple[int, Source, datetime]] = {}

    # -- looking ----------------------------------------------------------------------

    async def status(self, turn: Turn) -> None:
        registry, reports = self._store.registry, self._store.reports
        sources = await registry.sources()
        states = await registry.states()
        failing = [states[s.id] for s in sources if s.id in states and states[s.id].error_count]
        channels = [c for c in await reports.channels() if not c.channel_id.startswith("sub:")]
        total = {
            state: sum(c.posts.get(state, 0) for c in await reports.channels())
            for state in ("pending", "unknown", "failed")
        }
        lines = [
            turn.say(
                "status", sources=len(sources), failing=len(failing),
                channels=sum(1 for c in channels if c.enabled),
                subscribers=await self._store.subscribers.count(), **total,
            )
        ]  # fmt: skip
        if failing:
            lines += ["", turn.say("status_failing")]
            lines += [f"• {s.source_id} ×{s.error_count}: {s.last_error}" for s in failing[:LISTED]]
        queues = [c for c in channels if c.posts.get("pending")]
        if queues:
            lines += ["", turn.say("status_queues")]
            lines += [
                f"• {c.channel_id}: {c.posts['pending']}"
                + (f" ({turn.say('paused')})" if c.paused_reason else "")
                for c in queues[:LISTED]
            ]
        sent = await reports.deliveries(DeliveryState.SENT, limit=5)
        lines += ["", turn.say("status_last")]
        lines += [_post(row) for row in sent] or [turn.say("none")]
        await turn.reply_text("\n".join(lines))

    async def sources(self, turn: Turn) -> None:
        states = await self._store.registry.states()
        lines = [turn.say("sources_title")]
        for source in (await self._store.registry.sources())[:LISTED]:
            state = states.get(source.id, SourceState(source.id))
            error = f" ⚠ {state.last_error}" if state.error_count else ""
            lines.append(f"• {source.id} ({source.kind}) {source.url}{error}")
        await turn.reply_text("\n".join(lines) if len(lines) > 1 else turn.say("none"))

    # -- sources ----------------------------------------------------------------------

    async def addsource(self, turn: Turn) -> None:
        words = turn.args.split()
        if not words:
            await turn.reply("usage", usage="/addsource URL [ID]")
            return
        await turn.reply("probing")
        try:
            found = await probe(words[0], self._fetcher)
            kind, url = best(found)
            fields = {"id": words[1] if len(words) > 1 else slug(found.site_url),
                      "name": site_name(found), "url": url, "kind": kind}  # fmt: skip
            config = check(SourceConfig, fields)
            source = Source(config.id, config.name, str(config.url), config.kind)
            collected = await READERS[kind](source, SourceState(source.id), self._fetcher)
        except SyndicatorError as exc:
            await turn.reply("error", reason=str(exc))
            return
        newest = sorted(collected.entries, key=lambda e: e.published is None)[:PREVIEW_ITEMS]
        items = "\n".join(f"• {e.title or e.url}" for e in newest) or turn.say("no_items")
        token = secrets.token_hex(6)
        self._forget_old()
        self._pending[token] = (turn.user_id, source, self._clock())
        buttons = [
            [(turn.say("yes_add"), f"src:ok:{token}"), (turn.say("cancel"), f"src:no:{token}")]
        ]
        await turn.reply("found_source", buttons, kind=kind, url=url, items=items, id=source.id)

    async def confirm_source(self, turn: Turn, answer: str, token: str) -> None:
        pending = self._pending.pop(token, None)
        await turn.answer()
        await turn.buttons([])
        if pending is None or pending[0] != turn.user_id:
            await turn.reply("expired")
            return
        if answer != "ok":
            await turn.reply("cancelled")
            return
        source = pending[1]
        new = await self._store.edits.add_source(source, turn.actor, self._clock())
        self._changed()
        await turn.reply("source_added" if new else "source_updated", id=source.id)

    def _forget_old(self) -> None:
        now = self._clock()
        for token, (_, _, at) in list(self._pending.items()):
            if (now - at).total_seconds() > PENDING_TTL:
                del self._pending[token]

    async def removesource(self, turn: Turn) -> None:
        source_id = turn.args.strip()
        if not source_id:
            await turn.reply("usage", usage="/removesource ID")
            return
        if await self._store.edits.remove_source(source_id, turn.actor, self._clock()):
            self._changed()
            await turn.reply("source_removed", id=source_id)
        else:
            await turn.reply("no_such_source", id=source_id)

    # -- delivery ---------------------------------------------------------------------

    async def preview(self, turn: Turn) -> None:
        words = turn.args.split()
        if not words:
            await turn.reply("usage", usage="/preview URL [CHANNEL]")
            return
        channel_id = words[1] if len(words) > 1 else None
        if channel_id is not None and await find_channel(self._store, turn, channel_id) is None:
            return
        try:
            message = await self._previews.message(words[0], channel_id)
            await turn.replies.article(turn.chat_id, message)
        except SyndicatorError as exc:
            await turn.reply("preview_failed", why=str(exc))

    async def test(self, turn: Turn) -> None:
        channel_id = turn.args.strip()
        if await find_channel(self._store, turn, channel_id) is None:
            return
        state = (await self._store.chats.states())[channel_id]
        text = turn.say("test_text")
        try:
            await turn.replies.article(state.chat_id, Message(escape(text, quote=False)))
        except SyndicatorError as exc:
            await turn.reply("test_failed", id=channel_id, why=str(exc))
            return
        await self._store.audit.record(turn.actor, "channel.test", channel_id, self._clock())
        await turn.reply("test_sent", id=channel_id)

    async def retry(self, turn: Turn) -> None:
        words = turn.args.split()
        if not words:
            await turn.reply("usage", usage="/retry CHANNEL [unknown|failed]")
            return
        which = words[1].lower() if len(words) > 1 else "all"
        states = {
            "unknown": [DeliveryState.UNKNOWN],
            "failed": [DeliveryState.FAILED],
        }.get(which, [DeliveryState.UNKNOWN, DeliveryState.FAILED])
        if await find_channel(self._store, turn, words[0]) is None:
            return
        count = await self._store.edits.retry(words[0], states, turn.actor, self._clock())
        self._changed()
        await turn.reply("retried", id=words[0], count=count)


def _post(row: DeliveryRow) -> str:
    return f"• {row.updated_at:%Y-%m-%d %H:%M} {row.channel_id}: {row.title}"
