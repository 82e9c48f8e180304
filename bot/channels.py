"""Operator commands about channels (I/O): add with a rights check, routes, pause.

    /channels                    the channels and their routes
    /addchannel CHAT [ID] [k=v]  only if the bot may post there and the operator administers
                                 it (getChatMember, for both); otherwise the reason is told
    /removechannel ID            disable (the delivery history stays)
    /route CHANNEL [k=v …]       show, or change the channel's first route and its options
    /pause, /resume CHANNEL      hold its posts (they wait) / deliver again

Changes go through `syndicator.store.edits` (with their audit entries); options are checked
as the config file's (`syndicator.declared.check`). `bot.commands` lets only operators in.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from datetime import datetime

from telegram import Bot, ChatMemberAdministrator, ChatMemberOwner
from telegram.error import TelegramError

from bot import routespec
from bot.chat import Turn
from bot.telegram import chat_ref
from syndicator.config import ROUTE_KEYS, ChannelConfig, channel_options
from syndicator.declared import check, describe
from syndicator.errors import InvalidChange
from syndicator.model import Channel, Route
from syndicator.store import Store

log = logging.getLogger(__name__)


async def find_channel(
    store: Store, turn: Turn, channel_id: str, *, quiet: bool = False
) -> Channel | None:
    """The enabled channel `channel_id`; else None, and the operator is told (unless quiet)."""
    for channel in await store.registry.channels():
        if channel.id == channel_id:
            return channel
    if not quiet:
        await turn.reply("no_such_channel", id=channel_id)
    return None


class ChannelCommands:
    def __init__(
        self, store: Store, clock: Callable[[], datetime], changed: Callable[[], None]
    ) -> None:
        self._store = store
        self._clock = clock
        self._changed = changed

    async def channels(self, turn: Turn) -> None:
        routes = await self._store.registry.routes()
        states = await self._store.chats.states()
        lines = [turn.say("channels_title")]
        for channel in await self._store.registry.channels():
            state = states.get(channel.id)
            mark = f" ({turn.say('paused')})" if state and state.paused_reason else ""
            lines.append(f"• {channel.id} → {channel.chat_id}{mark}")
            lines += [f"   {describe(r)}" for r in routes if r.channel_id == channel.id]
        await turn.reply_text("\n".join(lines) if len(lines) > 1 else turn.say("none"))

    async def addchannel(self, bot: Bot, turn: Turn) -> None:
        try:
            words = shlex.split(turn.args)
        except ValueError as exc:
            await turn.reply("error", reason=str(exc))
            return
        if not words:
            await turn.reply("usage", usage="/addchannel @channel [ID] [categories=…]")
            return
        target = words[0]
        named = [w for w in words[1:] if "=" not in w]
        try:
            spec = routespec.parse(shlex.join(w for w in words[1:] if "=" in w))
        except routespec.SpecError as exc:
            await turn.reply("error", reason=str(exc))
            return
        refusal, chat_id = await self._may_post(bot, turn, target)
        if refusal is not None:
            log.warning("user %s may not add channel %s: %s", turn.user_id, target, refusal)
            await turn.reply_text(refusal)
            return
        channel_id = (
            named[0]
            if named
            else (
                target.lstrip("@").lower()
                if target.startswith("@")
                else f"chat{chat_id.lstrip('-')}"
            )
        )
        try:
            config = check(ChannelConfig, {"id": channel_id, "chat_id": chat_id, **spec.options,
                                           **spec.route})  # fmt: skip
            channel = Channel(config.id, config.chat_id, (), channel_options(config))
            new = await self._store.edits.add_channel(channel, turn.actor, self._clock())
            if spec.route:
                await self._set_route(turn, channel.id, spec)
        except InvalidChange as exc:
            await turn.reply("error", reason=str(exc))
            return
        self._changed()
        await turn.reply("channel_added" if new else "channel_updated", id=channel.id, chat=target)

    async def _may_post(self, bot: Bot, turn: Turn, target: str) -> tuple[str | None, str]:
        """(None, chat id) when the bot may post in `target` and the operator administers
        it; else (why not, in the operator's language, "")."""
        try:
            chat = await bot.get_chat(chat_ref(target))
            me = await bot.get_chat_member(chat.id, bot.id)
        except TelegramError as exc:
            return turn.say("chat_unreachable", chat=target, why=exc.message), ""
        if not isinstance(me, ChatMemberAdministrator | ChatMemberOwner):
            why = turn.say("why_status", status=me.status)
            return turn.say("bot_not_admin", chat=target, why=why), ""
        if (
            chat.type == "channel"
            and isinstance(me, ChatMemberAdministrator)
            and not me.can_post_messages
        ):
            return turn.say("bot_not_admin", chat=target, why=turn.say("why_no_post")), ""
        try:
            them = await bot.get_chat_member(chat.id, turn.user_id)
        except TelegramError as exc:
            return turn.say("you_not_admin", chat=target, why=exc.message), ""
        if not isinstance(them, ChatMemberAdministrator | ChatMemberOwner):
            return turn.say("you_not_admin", chat=target, why=them.status), ""
        return None, str(chat.id)

    async def removechannel(self, turn: Turn) -> None:
        channel_id = turn.args.strip()
        if await self._store.edits.remove_channel(channel_id, turn.actor, self._clock()):
            self._changed()
            await turn.reply("channel_removed", id=channel_id)
        else:
            await turn.reply("no_such_channel", id=channel_id)

    async def route(self, turn: Turn) -> None:
        channel_id, _, rest = turn.args.strip().partition(" ")
        if not channel_id:
            await turn.reply("usage", usage="/route CHANNEL [categories=… include=… mode=…]")
            return
        channel = await self._channel(turn, channel_id)
        if channel is None:
            return
        try:
            spec = routespec.parse(rest)
            if spec:
                await self._set_route(turn, channel, spec)
        except (routespec.SpecError, InvalidChange) as exc:
            await turn.reply("error", reason=str(exc))
            return
        if spec:
            self._changed()
        channel = await self._channel(turn, channel_id)
        assert channel is not None
        routes = "\n".join(describe(r) for r in await self._store.registry.routes(channel_id))
        options = routespec.show(channel.options) or turn.say("defaults")
        key = "route_set" if spec else "route_shown"
        await turn.reply(key, id=channel_id, routes=routes or turn.say("none"), options=options)

    async def _set_route(self, turn: Turn, channel: Channel | str, spec: routespec.Spec) -> None:
        if isinstance(channel, str):
            found = await self._channel(turn, channel, quiet=True)
            if found is None:
                raise InvalidChange(f"no channel with id '{channel}'")
            channel = found
        now = self._clock()
        if spec.options or spec.reset:
            options = routespec.merged(channel.options, spec)
            config = check(ChannelConfig, {"id": channel.id, "chat_id": channel.chat_id, **options})
            await self._store.edits.set_options(
                channel.id, channel_options(config), turn.actor, now
            )
        if spec.route:
            routes = await self._store.registry.routes(channel.id)
            first = routes[0] if routes else Route(channel.id)
            pick = {k: spec.route.get(k, getattr(first, k)) for k in ROUTE_KEYS}
            route = Route(
                channel.id, pick["categories"], pick["sources"], pick["include"],
                pick["exclude"], first.id,
            )  # fmt: skip
            if routes:
                await self._store.edits.replace_route(route, turn.actor, now)
            else:
                await self._store.edits.add_route(route, turn.actor, now)

    async def _channel(self, turn: Turn, channel_id: str, *, quiet: bool = False) -> Channel | None:
        return await find_channel(self._store, turn, channel_id, quiet=quiet)

    async def pause(self, turn: Turn) -> None:
        channel_id = turn.args.strip()
        if await self._channel(turn, channel_id) is None:
            return
        reason = f"paused by operator {turn.user_id}"
        done = await self._store.edits.pause(channel_id, reason, turn.actor, self._clock())
        self._changed()
        await turn.reply("paused_now" if done else "already_paused", id=channel_id)

    async def resume(self, turn: Turn) -> None:
        channel_id = turn.args.strip()
        if await self._channel(turn, channel_id) is None:
            return
        await self._store.edits.resume(channel_id, turn.actor, self._clock())
        self._changed()
        await turn.reply("resumed", id=channel_id)
