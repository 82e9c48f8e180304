"""Bot commands (I/O): python-telegram-bot's `Application`, polling getUpdates in the
service's event loop, answering operators and subscribers.

Every update goes through one gate, in order:
1. only people (not channel posts) in private chats; in a group the bot says so;
2. the rate limit (`[subscribers] commands_per_minute`): past it, one polite refusal, then
   silence until the minute has passed;
3. the person's language (`/lang`, kept with their subscription; Arabic by default);
4. the role: operator commands (`bot.operate`) answer only `[telegram] operators`; anyone
   else is refused, and the attempt is logged and written to the audit log as `denied`;
5. the handler (`bot.operate.Operations`, `bot.subscribe.Subscriptions`); a refused change
   (`InvalidChange`) is answered with its reason, anything else is logged.

Started by the composition root only when a token is set and `[telegram] commands` is on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot.channels import ChannelCommands
from bot.chat import Replies, Turn
from bot.limits import Pacer
from bot.operate import Operations
from bot.subscribe import Subscriptions
from bot.telegram import bot_base_url
from bot.texts import LANGUAGES, language
from bot.throttle import Throttle
from syndicator.errors import InvalidChange
from syndicator.store import Store

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds a getUpdates long poll waits for an update
Handler = Callable[[Turn], Awaitable[None]]
OPERATOR_COMMANDS = frozenset({
    "status", "sources", "addsource", "removesource", "channels", "addchannel",
    "removechannel", "route", "pause", "resume", "preview", "test", "retry",
})  # fmt: skip
MENU = (
    ("start", "الاشتراك · subscribe"),
    ("categories", "الأقسام · categories"),
    ("alert", "تنبيه بكلمة · keyword alert"),
    ("alerts", "التنبيهات · alerts"),
    ("mode", "فوري أو يومي · instant or daily"),
    ("stop", "إيقاف الاشتراك · unsubscribe"),
    ("lang", "اللغة · language"),
    ("help", "المساعدة · help"),
)


class Commands:
    def __init__(
        self,
        store: Store,
        operations: Operations,
        channels: ChannelCommands,
        subscriptions: Subscriptions,
        pacer: Pacer,
        clock: Callable[[], datetime],
        *,
        operators: Sequence[int],
        per_minute: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._operations = operations
        self._channels = channels
        self._subscriptions = subscriptions
        self._pacer = pacer
        self._clock = clock
        self._operators = frozenset(operators)
        self._throttle = Throttle(per_minute)
        self._monotonic = monotonic
        self._app: Application | None = None  # type: ignore[type-arg]
        self._replies: Replies | None = None
        self._requests: tuple[HTTPXRequest, ...] = ()
        self._handlers: dict[str, Handler] = {
            "start": subscriptions.start,
            "stop": subscriptions.stop,
            "categories": subscriptions.categories,
            "alert": subscriptions.alert,
            "alerts": subscriptions.alerts,
            "unalert": subscriptions.unalert,
            "mode": subscriptions.mode,
            "help": self._help,
            "lang": self._lang,
            "status": operations.status,
            "sources": operations.sources,
            "addsource": operations.addsource,
            "removesource": operations.removesource,
            "channels": channels.channels,
            "addchannel": self._addchannel,
            "removechannel": channels.removechannel,
            "route": channels.route,
            "pause": channels.pause,
            "resume": channels.resume,
            "preview": operations.preview,
            "test": operations.test,
            "retry": operations.retry,
        }

    # -- lifetime ---------------------------------------------------------------------

    async def start(
        self, token: str, base_url: str | None, *, poll_timeout: int = POLL_TIMEOUT
    ) -> None:
        """Connect and start polling (returns once polling runs)."""
        self._requests = (
            HTTPXRequest(connection_pool_size=4, read_timeout=20.0, write_timeout=20.0),
            HTTPXRequest(connection_pool_size=1, read_timeout=poll_timeout + 10.0),
        )
        app = (
            ApplicationBuilder()
            .token(token)
            .base_url(bot_base_url(base_url))
            .request(self._requests[0])
            .get_updates_request(self._requests[1])
            .job_queue(None)
            .build()
        )
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        self._app = app
        await app.initialize()
        self._replies = Replies(app.bot, self._pacer)
        try:
            await app.bot.set_my_commands([BotCommand(name, text) for name, text in MENU])
        except Exception as exc:  # the menu is a nicety
            log.info("could not set the bot's command menu: %s", exc)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0,
            timeout=poll_timeout,
            allowed_updates=["message", "callback_query"],
        )
        await app.start()
        log.info("bot commands: polling for updates")

    @property
    def polling(self) -> bool:
        """Whether this process is polling Telegram for updates now."""
        app = self._app
        return app is not None and app.updater is not None and app.updater.running

    async def stop(self) -> None:
        app, self._app = self._app, None
        requests, self._requests = self._requests, ()
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        for request in requests:  # closed even when the start failed half-way
            await request.shutdown()

    # -- the gate ---------------------------------------------------------------------

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        turn = await self._turn(update)
        if turn is None:
            return
        verdict = self._throttle.check(turn.user_id, self._monotonic())
        if verdict != "ok":
            log.info("user %s is over the command rate limit", turn.user_id)
            await turn.answer()
            if verdict == "refuse":
                await turn.reply("too_many")
            return
        if not turn.private:
            if turn.command in self._handlers:
                await turn.reply("private_only")
            return
        await self.handle(turn)

    async def handle(self, turn: Turn) -> None:
        """Run one command or button press (the gate's checks passed)."""
        try:
            if turn.data:
                await self._button(turn)
                return
            handler = self._handlers.get(turn.command)
            if handler is None:
                await turn.reply("unknown_command")
                return
            if turn.command in OPERATOR_COMMANDS and turn.user_id not in self._operators:
                await self._deny(turn)
                return
            await handler(turn)
        except InvalidChange as exc:
            await turn.reply("error", reason=str(exc))
        except Exception as exc:
            log.exception("command /%s of user %s failed", turn.command or turn.data, turn.user_id)
            await turn.reply("error", reason=type(exc).__name__)

    async def _deny(self, turn: Turn) -> None:
        # A command, or an operator's button (its kind: the data after it is a one-time token).
        what = f"/{turn.command}" if turn.command else turn.data.partition(":")[0] + ":"
        log.warning("user %s tried the operator command %s: refused", turn.user_id, what)
        await self._store.audit.record(
            turn.actor, "denied", what, self._clock(), {"args": turn.args[:200]}
        )
        await turn.reply("not_operator")

    async def _button(self, turn: Turn) -> None:
        kind, _, rest = turn.data.partition(":")
        subscriptions = self._subscriptions
        if kind == "cat":
            await subscriptions.toggle_category(turn, rest)
        elif kind == "mode":
            await subscriptions.set_mode(turn, rest)
        elif kind == "unalert":
            await subscriptions.unalert_button(turn, rest)
        elif kind == "src" and turn.user_id in self._operators:
            answer, _, token = rest.partition(":")
            await self._operations.confirm_source(turn, answer, token)
        else:
            await turn.answer()
            if kind == "src":
                await self._deny(turn)

    async def _turn(self, update: Update) -> Turn | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or user.is_bot or self._replies is None:
            return None
        self._throttle.forget_idle(self._monotonic())
        subscriber = await self._store.subscribers.get(user.id)
        lang = language(subscriber.language if subscriber else None)
        turn = Turn(self._replies, user.id, chat.id, chat.type == "private", lang, "")
        query = update.callback_query
        if query is not None:
            turn.data = query.data or "?"
            turn.query_id = query.id
            message = query.message
            turn.message_id = message.message_id if message is not None else None
            return turn
        text = update.message.text if update.message is not None else None
        if not text:
            return None
        if not text.startswith("/"):
            turn.command = "?"  # plain text: answered with the list of commands
            return turn
        head, _, args = text.partition(" ")
        name, _, addressee = head[1:].partition("@")
        username = self._app.bot.username if self._app is not None else None
        if addressee and username and addressee.lower() != username.lower():
            return None  # a command for another bot in a group
        turn.command, turn.args = name.lower(), args.strip()
        return turn

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("bot update failed: %r", context.error)

    # -- commands of everyone ---------------------------------------------------------

    async def _help(self, turn: Turn) -> None:
        text = turn.say("help")
        if turn.user_id in self._operators:
            text += "\n\n" + turn.say("help_operator")
        await turn.reply_text(text)

    async def _lang(self, turn: Turn) -> None:
        wanted = turn.args.strip().lower()
        if wanted not in LANGUAGES:
            await turn.reply("lang_usage")
            return
        await self._store.subscribers.set_language(turn.user_id, wanted, self._clock())
        turn.lang = wanted
        await turn.reply("lang_set")

    async def _addchannel(self, turn: Turn) -> None:
        assert self._app is not None
        await self._channels.addchannel(self._app.bot, turn)
