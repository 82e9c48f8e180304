"""Subscriber commands (I/O): anyone in a private chat picks categories and keyword alerts.

    /start       subscribe (again), then pick categories with buttons
    /categories  the category buttons (a ✓ marks those chosen; a press toggles one)
    /alert WORD  every new article with WORD (whole word, normalized Arabic) reaches you
    /alerts      your alerts, each a button that removes it; /unalert WORD also does
    /mode        instantly, or one digest a day
    /stop        unsubscribe (your choices are kept for a later /start)

Articles reach subscribers through the outbox like a channel's (`syndicator.store.ingest`
matches their categories and alerts); these handlers only change the subscription.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from bot.chat import Button, Turn
from syndicator.config import SubscribersConfig
from syndicator.errors import InvalidChange
from syndicator.model import Subscriber, SubscriberMode
from syndicator.store import Store

CHECK = "✓ "


def alert_key(keyword: str) -> str:
    """A short stable id of an alert for a button (keywords may exceed 64 bytes)."""
    return hashlib.sha1(keyword.encode("utf-8")).hexdigest()[:16]


class Subscriptions:
    def __init__(
        self,
        store: Store,
        config: SubscribersConfig,
        clock: Callable[[], datetime],
        changed: Callable[[], None],
    ) -> None:
        self._store = store
        self._config = config
        self._clock = clock
        self._changed = changed  # the service reloads policies and wakes the dispatcher

    async def start(self, turn: Turn) -> None:
        if not self._config.enabled:
            await turn.reply("closed")
            return
        subscriber = await self._store.subscribers.start(turn.user_id, turn.actor, self._clock())
        self._changed()
        await turn.reply("welcome")
        await self._category_buttons(turn, subscriber)

    async def stop(self, turn: Turn) -> None:
        await self._store.subscribers.stop(turn.user_id, turn.actor, self._clock())
        self._changed()
        await turn.reply("stopped")

    async def categories(self, turn: Turn) -> None:
        subscriber = await self._active(turn)
        if subscriber is not None:
            await self._category_buttons(turn, subscriber)

    async def _category_buttons(self, turn: Turn, subscriber: Subscriber) -> None:
        buttons = await self._categories_keyboard(subscriber)
        await turn.reply("pick_categories" if buttons else "no_categories", buttons)

    async def _categories_keyboard(self, subscriber: Subscriber) -> list[list[Button]]:
        rows: list[list[Button]] = []
        for category in await self._store.registry.categories():
            data = f"cat:{category.slug}"
            if len(data.encode()) > 64:
                continue
            mark = CHECK if category.slug in subscriber.categories else ""
            button = (mark + category.name, data)
            if rows and len(rows[-1]) < 2:
                rows[-1].append(button)
            else:
                rows.append([button])
        return rows

    async def toggle_category(self, turn: Turn, slug: str) -> None:
        subscriber = await self._active(turn, answer=True)
        if subscriber is None:
            return
        known = {c.slug for c in await self._store.registry.categories()}
        chosen = list(subscriber.categories)
        if slug in chosen:
            chosen.remove(slug)
        elif slug in known:
            chosen.append(slug)
        chosen = [c for c in chosen if c in known]
        await self._store.subscribers.set_categories(
            turn.user_id, chosen, turn.actor, self._clock()
        )
        self._changed()
        updated = await self._store.subscribers.get(turn.user_id)
        assert updated is not None
        await turn.answer()
        await turn.buttons(await self._categories_keyboard(updated))

    async def alert(self, turn: Turn) -> None:
        if await self._active(turn) is None:
            return
        if not turn.args.strip():
            await turn.reply("alert_usage")
            return
        limit = self._config.max_alerts
        subscriber = await self._store.subscribers.get(turn.user_id)
        if subscriber is not None and len(subscriber.alerts) >= limit:
            await turn.reply("alert_limit", limit=limit)
            return
        try:
            keyword = await self._store.subscribers.add_alert(
                turn.user_id, turn.args, limit, turn.actor, self._clock()
            )
        except InvalidChange as exc:
            await turn.reply("error", reason=str(exc))
            return
        self._changed()
        await turn.reply("alert_added", keyword=keyword)

    async def alerts(self, turn: Turn) -> None:
        subscriber = await self._active(turn)
        if subscriber is None:
            return
        if not subscriber.alerts:
            await turn.reply("no_alerts")
            return
        await turn.reply("alerts", self._alert_buttons(subscriber))

    def _alert_buttons(self, subscriber: Subscriber) -> list[list[Button]]:
        return [
            [(f"✖ {keyword}", f"unalert:{alert_key(keyword)}")] for keyword in subscriber.alerts
        ]

    async def unalert(self, turn: Turn) -> None:
        if await self._active(turn) is None:
            return
        keyword = " ".join(turn.args.split())
        if not keyword:
            await self.alerts(turn)
            return
        removed = await self._store.subscribers.remove_alert(
            turn.user_id, keyword, turn.actor, self._clock()
        )
        if removed:
            self._changed()
        await turn.reply("alert_removed" if removed else "alert_missing", keyword=keyword)

    async def unalert_button(self, turn: Turn, key: str) -> None:
        subscriber = await self._active(turn, answer=True)
        if subscriber is None:
            return
        keyword = next((k for k in subscriber.alerts if alert_key(k) == key), None)
        if keyword is not None:
            await self._store.subscribers.remove_alert(
                turn.user_id, keyword, turn.actor, self._clock()
            )
            self._changed()
            subscriber = await self._store.subscribers.get(turn.user_id)
            assert subscriber is not None
        await turn.answer(turn.say("alert_removed", keyword=keyword) if keyword else None)
        await turn.buttons(self._alert_buttons(subscriber))

    async def mode(self, turn: Turn) -> None:
        if await self._active(turn) is None:
            return
        at = self._config.digest_at
        wanted = turn.args.strip().lower()
        if wanted in ("instant", "digest"):
            await self.set_mode(turn, wanted)
            return
        buttons: list[list[Button]] = [
            [(turn.say("mode_instant"), "mode:instant")],
            [(turn.say("mode_digest", at=at), "mode:digest")],
        ]
        await turn.reply("pick_mode", buttons)

    async def set_mode(self, turn: Turn, mode: str) -> None:
        if await self._active(turn, answer=True) is None:
            return
        chosen: SubscriberMode = "digest" if mode == "digest" else "instant"
        await self._store.subscribers.set_mode(turn.user_id, chosen, turn.actor, self._clock())
        self._changed()
        await turn.answer()
        await turn.reply(f"mode_set_{chosen}", at=self._config.digest_at)

    async def _active(self, turn: Turn, *, answer: bool = False) -> Subscriber | None:
        subscriber = await self._store.subscribers.get(turn.user_id)
        if subscriber is None or not subscriber.active:
            if answer:
                await turn.answer()
            await turn.reply("not_subscribed")
            return None
        return subscriber
