"""A strict fake of the Telegram Bot API, served over real HTTP on loopback for tests.

python-telegram-bot talks to it unchanged: ``telegram.Bot(DEFAULT_TOKEN, base_url=fake.base_url)``.
Requests are read the way Telegram reads them: GET query strings, url-encoded forms (where
PTB JSON-encodes non-string values), multipart forms (file uploads) and JSON bodies. Method
names are case-insensitive. Answers use Telegram's envelope, ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}`` with HTTP status N.

Faked methods: getMe, sendMessage, sendPhoto, editMessageText, editMessageCaption,
editMessageReplyMarkup, getChat, getChatMember, getUpdates (offset/limit/timeout long
poll/allowed_updates), deleteWebhook, setMyCommands, getMyCommands, answerCallbackQuery.
Other methods get 404 "Not Found"; a well-formed wrong token gets 401 "Unauthorized" (a
malformed one 404, as on Telegram).

Strict like Telegram, with its wording: unknown chats, a bot that left, was kicked or lacks
posting rights, HTML parse errors (see :mod:`tests.fakes.telegram_html`), text length 1..4096
and caption length <= 1024 in UTF-16 code units after entity parsing, inline keyboard buttons,
edits of missing or unchanged messages, migrated groups (:meth:`FakeBotAPI.migrate_chat`), and
rate limits answered with 429 and ``retry_after``: per channel/group chat ``channel_per_minute``
(20) in a sliding 60 s window, per private chat ``private_per_second`` (1) in a sliding 1 s
window (so no burst above one message), and ``global_per_second`` (30) per token. Only sends
count towards the limits; edits do not. ``clock`` (default ``time.monotonic``) can be replaced
to test limits without sleeping.

Deliberately stricter than Telegram: more than ``max_entities`` (100) formatting entities is
rejected with "Bad Request: too many entities" (Telegram silently drops the rest); an inline
button with several action fields is rejected; the HTML rules listed in telegram_html.
Looser: MarkdownV2/Markdown text is accepted without validation (backslash escapes are
removed for the length check, no entities are produced); message text is not trimmed.

Faults, beyond Telegram's error answers (``fail_next``: any status, 5xx included, with
``retry_after`` or ``migrate_to_chat_id``): ``slow`` answers late (after posting, so a
client that gives up cannot know whether it was posted), ``drop`` closes the connection
without an answer, ``down``/``up`` stop and resume listening on the same port (connections
refused meanwhile). ``wait_for_calls`` lets a test act while a request is being held, and
``release`` answers the held requests when the test says so.
Validation helpers live in :mod:`tests.fakes.bot_api_checks`, the HTTP plumbing and faults
in :mod:`tests.fakes.bot_api_http`.

Chats answer to their numeric id and, when they have a username, to ``@username`` (one chat,
one rate budget). getChatMember knows the bot and users registered with ``add_member``; other
users get "Bad Request: user not found".

Incoming updates for getUpdates: ``push_text`` (a person's message; a ``/command`` gets its
entity, and the person's private chat becomes known, as on Telegram once they write to the
bot) and ``push_callback`` (a press on an inline button of a message the bot sent);
``answered`` lists the callback queries answered.

Errors queued with ``fail_next`` are answered after the token check and before any
validation.

Recording: :meth:`FakeBotAPI.sent` lists successful sends and edits as :class:`SentMessage`,
:attr:`FakeBotAPI.calls` every request with its HTTP status. All state sits behind one lock.

Usage::

    with FakeBotAPI() as fake:
        fake.add_chat(-1001234, username="news")
        async with telegram.Bot(DEFAULT_TOKEN, base_url=fake.base_url) as bot:
            await bot.send_message("@news", "<b>عاجل</b>", parse_mode="HTML")
        assert fake.sent(-1001234)[0].text == "عاجل"

``wait_for_messages`` blocks its thread; from a coroutine use ``await fake.await_messages(...)``.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from syndicator.demo.loopback import Loopback

from .bot_api_checks import ApiError
from .bot_api_checks import Params as _Params
from .bot_api_checks import SlidingWindows as _SlidingWindows
from .bot_api_checks import bad as _bad
from .bot_api_checks import check_caption as _check_caption
from .bot_api_checks import check_inline_keyboard as _check_inline_keyboard
from .bot_api_checks import check_status as _check_status
from .bot_api_checks import check_text as _check_text
from .bot_api_checks import explicit_entities as _explicit_entities
from .bot_api_checks import member_json as _member_json
from .bot_api_http import Fault, Server
from .telegram_html import EntityParseError, ParsedText, parse_html, utf16_len

DEFAULT_TOKEN = "123456:TEST-fake-token-for-tests-only_abcde"

_PATH_RE = re.compile(r"/bot([^/]*)/([^/]*)")
_TOKEN_RE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
_CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class SentMessage:
    """A successful send or edit, as the fake understood it.

    ``text`` is the visible plain text after entity parsing (the message text, or the caption
    of a photo); ``caption`` is that plain caption for photo messages (else None); ``html`` is
    the raw text/caption as received. ``link_preview_options`` (decoded JSON) and
    ``disable_web_page_preview`` are the raw request values (PTB 22 only sends the former).
    ``entities`` are the parsed MessageEntity objects as JSON dicts.
    """

    method: str
    chat_id: int
    message_id: int
    text: str | None
    html: str | None
    caption: str | None
    photo: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    disable_notification: bool
    link_preview_options: dict[str, Any] | None
    disable_web_page_preview: bool | None
    date: int
    entities: tuple[dict[str, Any], ...] = ()
    at: float = 0.0  # the fake's `clock` when it was recorded (the rate limits' time)


@dataclass(frozen=True)
class ApiCall:
    """One request: canonical method name, parameters as received, HTTP status answered.

    Form values stay strings (as PTB encoded them); uploaded files appear as
    ``"<upload:N bytes>"``.
    """

    method: str
    params: dict[str, Any]
    status: int
    at: float = 0.0  # the fake's `clock` when it was answered
    retry_after: int | None = None  # of a 429 answer


@dataclass
class _Chat:
    id: int
    type: str
    title: str
    username: str | None
    bot_status: str
    can_post_messages: bool
    members: dict[int, str] = field(default_factory=dict)
    migrated_to: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        data["first_name" if self.type == "private" else "title"] = self.title
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class _Post:
    chat: _Chat
    message_id: int
    date: int
    body: ParsedText
    photo: str | None
    reply_markup: dict[str, Any] | None
    edit_date: int | None = None


class FakeBotAPI(Loopback):
    """The fake server and its recorded state; see the module docstring."""

    bot_username: str = "syndicator_test_bot"
    poll_interval = 0.01  # `down` and `stop` return quickly

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limits: bool = True,
    ) -> None:
        super().__init__(host, port)
        self.token = token
        self.rate_limits = rate_limits
        self.channel_per_minute = 20
        self.private_per_second = 1
        self.global_per_second = 30
        self.max_entities = 100
        self.clock: Callable[[], float] = time.monotonic
        self.bot_id = int(token.split(":", 1)[0])
        self._cond = threading.Condition()
        self._chats: dict[int, _Chat] = {}
        self._posts: dict[tuple[int, int], _Post] = {}
        self._next_message_id: dict[int, int] = {}
        self._sent: list[SentMessage] = []
        self._calls: list[ApiCall] = []
        self._failures: dict[str, deque[ApiError]] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._queries = 0
        self._commands: list[Any] = []
        self._windows = _SlidingWindows()
        self._faults: dict[str, deque[Fault | None]] = {}
        self._holding = 0
        self._released = 0  # how many times `release` was called
        self._address: tuple[str, int] | None = None  # kept while down: `up` listens there
        self._methods: dict[str, tuple[str, Callable[[_Params], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getUpdates": self._get_updates,
                "deleteWebhook": lambda p: True,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": lambda p: list(self._commands),
                "answerCallbackQuery": self._answer_callback_query,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
            }.items()
        }

    # -- lifecycle ------------------------------------------------------------------------

    def _bind(self, address: tuple[str, int]) -> Server:
        server = Server(self._address or address, self)
        host, port = server.server_address[:2]
        self._address = (str(host), int(port))
        return server

    def stop(self) -> None:
        """Wake long polls and held answers first, then stop as every loopback server does."""
        with self._cond:
            self._stopping.set()
            self._cond.notify_all()
        super().stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/bot``: pass as ``telegram.Bot(token, base_url=...)``."""
        if self._address is None:
            raise RuntimeError("FakeBotAPI is not running; call start() first")
        host, port = self._address
        return f"http://{host!s}:{port}/bot"

    def down(self) -> None:
        """An outage: stop listening (connections are refused); state is kept for `up`."""
        self.stop()

    def up(self) -> None:
        """The end of an outage: listen again on the same port."""
        self.start()

    # -- arranging ------------------------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        *,
        type: str = "channel",
        title: str = "قناة الاختبار",
        username: str | None = None,
        bot_status: str = "administrator",
        can_post_messages: bool = True,
    ) -> None:
        """Register (or replace) a chat; private chats use ``title`` as first name."""
        if type not in _CHAT_TYPES:
            raise ValueError(f"unknown chat type {type!r}")
        _check_status(bot_status)
        with self._cond:
            old = self._chats.get(chat_id)
            chat = _Chat(chat_id, type, title, username, bot_status, can_post_messages)
            if old is not None:
                chat.members = old.members
            self._chats[chat_id] = chat

    def add_member(self, chat_id: int, user_id: int, status: str = "administrator") -> None:
        """Set a user's status in a chat, as getChatMember will report it."""
        _check_status(status)
        with self._cond:
            if chat_id not in self._chats:
                raise ValueError(f"add_chat({chat_id}) first")
            self._chats[chat_id].members[user_id] = status

    def migrate_chat(self, chat_id: int, new_chat_id: int) -> None:
        """Upgrade a group: sends to ``chat_id`` now fail with ``migrate_to_chat_id``."""
        with self._cond:
            old = self._chats[chat_id]
            old.migrated_to = new_chat_id
            if new_chat_id not in self._chats:
                self._chats[new_chat_id] = _Chat(
                    new_chat_id,
                    "supergroup",
                    old.title,
                    old.username,
                    old.bot_status,
                    old.can_post_messages,
                    dict(old.members),
                )

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with this error (queued in order)."""
        parameters: dict[str, int] = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        error = ApiError(status, description, parameters or None)
        with self._cond:
            queue = self._failures.setdefault(method.lower(), deque())
            queue.extend([error] * count)

    def slow(
        self,
        method: str,
        seconds: float,
        *,
        count: int = 1,
        skip: int = 0,
        processed: bool = True,
    ) -> None:
        """Answer ``count`` calls of ``method`` (after the next ``skip``) ``seconds`` late;
        with ``processed`` the call takes effect (a message is posted) before the wait.
        ``stop`` cuts the wait short."""
        self._add_fault(method, Fault("slow", seconds, processed), count, skip)

    def drop(self, method: str, *, count: int = 1, skip: int = 0, processed: bool = True) -> None:
        """Close the connection of ``count`` calls of ``method`` (after the next ``skip``)
        without answering, after the call took effect (``processed``) or before."""
        self._add_fault(method, Fault("drop", 0.0, processed), count, skip)

    def _add_fault(self, method: str, fault: Fault, count: int, skip: int) -> None:
        with self._cond:
            queue = self._faults.setdefault(method.lower(), deque())
            queue.extend([None] * skip + [fault] * count)

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw Update for getUpdates; its ``update_id`` is assigned and returned."""
        with self._cond:
            update_id = self._next_update_id
            self._next_update_id += 1
            self._updates.append({**update, "update_id": update_id})
            self._cond.notify_all()
            return update_id

    def push_text(
        self, chat_id: int, user_id: int, text: str, *, chat_type: str = "private"
    ) -> int:
        """Queue a user's text message (a leading ``/command`` gets its bot_command entity)."""
        with self._cond:
            known = self._chats.get(chat_id)
            title = f"User {user_id}" if chat_type == "private" else f"Chat {chat_id}"
            chat = known or _Chat(chat_id, chat_type, title, None, "member", True)
            if known is None and chat_type == "private":  # the bot may now answer them
                self._chats[chat_id] = chat
            message: dict[str, Any] = {
                "message_id": self._take_message_id(chat_id),
                "from": {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"},
                "chat": chat.to_json(),
                "date": int(time.time()),
                "text": text,
            }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self.push_update({"message": message})

    def push_callback(self, chat_id: int, user_id: int, message_id: int, data: str) -> str:
        """Queue a press on an inline button of the bot's message ``message_id`` in
        ``chat_id`` (its ``callback_data`` is ``data``); returns the query id."""
        with self._cond:
            post = self._posts.get((chat_id, message_id))
            if post is None:
                raise ValueError(f"no message {message_id} in chat {chat_id}")
            self._queries += 1
            query_id = f"{self.bot_id}{self._queries:06d}"
            query = {
                "id": query_id,
                "from": {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"},
                "message": self._message_json(post, None),
                "chat_instance": str(chat_id),
                "data": data,
            }
        self.push_update({"callback_query": query})
        return query_id

    @property
    def answered(self) -> list[str]:
        """The ids of the callback queries answered so far."""
        with self._cond:
            return [
                str(c.params.get("callback_query_id"))
                for c in self._calls
                if c.method == "answerCallbackQuery" and c.status == 200
            ]

    # -- inspecting -----------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Successful sends and edits so far, in order (a copy)."""
        with self._cond:
            return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    @property
    def calls(self) -> list[ApiCall]:
        """Every request so far, including failed ones (a copy)."""
        with self._cond:
            return list(self._calls)

    def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 10.0
    ) -> list[SentMessage]:
        """Block until ``chat_id`` has >= ``count`` new messages (sends, not edits).

        Blocking: from async code use :meth:`await_messages`, or the event loop that would
        send them stalls.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(posted := self._posted(chat_id)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(_not_enough(chat_id, count, timeout, posted))
                self._cond.wait(min(remaining, 0.05))
            return posted

    async def await_messages(  # same signature as the blocking twin
        self,
        chat_id: int,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Async twin of :meth:`wait_for_messages` that yields to the event loop."""
        deadline = time.monotonic() + timeout
        while len(posted := self._locked_posted(chat_id)) < count:
            if time.monotonic() >= deadline:
                raise AssertionError(_not_enough(chat_id, count, timeout, posted))
            await asyncio.sleep(0.01)
        return posted

    def wait_for_calls(
        self, method: str, count: int, timeout: float = 10.0, *, held: bool = False
    ) -> list[ApiCall]:
        """Block until ``method`` was called ``count`` times (and, with ``held``, one of
        them is being held by a ``slow`` fault)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                calls = [c for c in self._calls if c.method.lower() == method.lower()]
                if len(calls) >= count and (self._holding or not held):
                    return calls
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{len(calls)} calls of {method} within {timeout}s")
                self._cond.wait(min(remaining, 0.05))

    def _locked_posted(self, chat_id: int) -> list[SentMessage]:
        with self._cond:
            return self._posted(chat_id)

    def _posted(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self._sent if m.chat_id == chat_id and m.method.startswith("send")]

    # -- request handling (called by the HTTP handler threads) ----------------------------

    def handle(
        self, path: str, values: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[int, dict[str, Any]]:
        """Answer one request to ``path`` (``/bot<token>/<method>``); records the call."""
        match = _PATH_RE.fullmatch(path)
        method = match.group(2) if match else path
        entry = self._methods.get(method.lower())
        name = entry[0] if entry else method
        with self._cond:
            try:
                result = self._dispatch(match, entry, _Params(values, files))
                status, payload = 200, {"ok": True, "result": result}
            except ApiError as error:
                status, payload = error.status, error.payload()
            recorded = {**values, **{k: f"<upload:{len(v)} bytes>" for k, v in files.items()}}
            wait = payload.get("parameters", {}).get("retry_after") if status == 429 else None
            self._calls.append(ApiCall(name, recorded, status, self.clock(), wait))
        return status, payload

    def take_fault(self, path: str) -> Fault | None:
        """The fault queued for the method of ``path``, if any (called by the server)."""
        match = _PATH_RE.fullmatch(path)
        if match is None or match.group(1) != self.token:
            return None
        with self._cond:
            queue = self._faults.get(match.group(2).lower())
            return queue.popleft() if queue else None

    def hold(self, seconds: float) -> None:
        """Keep a request thread waiting (a slow answer); `stop` or `release` wakes it early."""
        with self._cond:
            self._holding += 1
            self._cond.notify_all()
            released = self._released
            try:
                self._cond.wait_for(
                    lambda: self._stopping.is_set() or self._released != released, timeout=seconds
                )
            finally:
                self._holding -= 1

    def release(self) -> None:
        """Answer every request held by a ``slow`` fault now (later ones are held again)."""
        with self._cond:
            self._released += 1
            self._cond.notify_all()

    def _dispatch(
        self,
        match: re.Match[str] | None,
        entry: tuple[str, Callable[[_Params], Any]] | None,
        params: _Params,
    ) -> Any:
        if match is None:
            raise ApiError(404, "Not Found")
        if match.group(1) != self.token:
            if _TOKEN_RE.fullmatch(match.group(1)):
                raise ApiError(401, "Unauthorized")
            raise ApiError(404, "Not Found")
        if entry is None:
            raise ApiError(404, "Not Found")
        injected = self._failures.get(entry[0].lower())
        if injected:
            raise injected.popleft()
        return entry[1](params)

    # -- methods --------------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Syndicator Test Bot",
            "username": self.bot_username,
        }

    def _get_me(self, params: _Params) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _send_message(self, params: _Params) -> dict[str, Any]:
        chat = self._writable_chat(params)
        body = self._formatted(params, "text", "entities")
        _check_text(body.text)
        markup = self._reply_markup(params)
        return self._deliver("sendMessage", chat, params, body, None, markup)

    def _send_photo(self, params: _Params) -> dict[str, Any]:
        chat = self._writable_chat(params)
        upload = params.upload("photo")
        photo = f"<upload:{len(upload)} bytes>" if upload is not None else params.text("photo")
        if not photo:
            raise _bad("there is no photo in the request")
        body = self._formatted(params, "caption", "caption_entities")
        _check_caption(body.text)
        markup = self._reply_markup(params)
        return self._deliver("sendPhoto", chat, params, body, photo, markup)

    def _edit_message_text(self, params: _Params) -> dict[str, Any]:
        post = self._post_to_edit(params)
        if post.photo is not None:
            raise _bad("there is no text in the message to edit")
        body = self._formatted(params, "text", "entities")
        _check_text(body.text)
        return self._edit("editMessageText", post, params, body)

    def _edit_message_caption(self, params: _Params) -> dict[str, Any]:
        post = self._post_to_edit(params)
        if post.photo is None:
            raise _bad("there is no caption in the message to edit")
        body = self._formatted(params, "caption", "caption_entities")
        _check_caption(body.text)
        return self._edit("editMessageCaption", post, params, body)

    def _get_chat(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        return {
            **chat.to_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(
                (
                    "unlimited_gifts",
                    "limited_gifts",
                    "unique_gifts",
                    "premium_subscription",
                    "gifts_from_channels",
                ),
                False,
            ),
        }

    def _get_chat_member(self, params: _Params) -> dict[str, Any]:
        chat = self._chat(params)
        user_id = params.integer("user_id", error="invalid user_id specified")
        if user_id is None:
            raise _bad("invalid user_id specified")
        if user_id == self.bot_id:
            member = _member_json(chat.bot_status, self._bot_user())
            if chat.bot_status == "administrator" and chat.type == "channel":
                member["can_post_messages"] = chat.can_post_messages
            return member
        if user_id not in chat.members:
            raise _bad("user not found")
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        return _member_json(chat.members[user_id], user)

    def _get_updates(self, params: _Params) -> list[dict[str, Any]]:
        offset = params.integer("offset", error="invalid offset specified") or 0
        limit = params.integer("limit", error="invalid limit specified") or 100
        timeout = params.integer("timeout", error="invalid timeout specified") or 0
        allowed = params.json("allowed_updates", error="can't parse allowed_updates JSON")
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        deadline = time.monotonic() + max(timeout, 0)
        while True:
            batch = [u for u in self._updates if _update_allowed(u, allowed)]
            remaining = deadline - time.monotonic()
            if batch or self._stopping.is_set() or remaining <= 0:
                return batch[: min(max(limit, 1), 100)]
            self._cond.wait(remaining)

    def _set_my_commands(self, params: _Params) -> bool:
        commands = params.json("commands", error="can't parse commands JSON object")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(name)):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("command description must be non-empty")
        self._commands = commands
        return True

    def _edit_message_reply_markup(self, params: _Params) -> dict[str, Any]:
        post = self._post_to_edit(params)
        markup = self._reply_markup(params)  # omitted: the keyboard is removed
        if markup == post.reply_markup:
            raise _bad(_NOT_MODIFIED)
        post.reply_markup, post.edit_date = markup, int(time.time())
        self._record("editMessageReplyMarkup", post, params, None)
        return self._message_json(post, None)

    def _answer_callback_query(self, params: _Params) -> bool:
        if not params.text("callback_query_id"):
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        return True

    # -- shared steps ---------------------------------------------------------------------

    def _chat(self, params: _Params) -> _Chat:
        raw = (params.text("chat_id") or "").strip()
        if not raw:
            raise _bad("chat_id is empty")
        chat: _Chat | None = None
        if raw.startswith("@"):
            wanted = raw[1:].lower()
            chat = next(
                (c for c in self._chats.values() if (c.username or "").lower() == wanted), None
            )
        elif re.fullmatch(r"-?[0-9]+", raw):
            chat = self._chats.get(int(raw))
        if chat is None:
            raise _bad("chat not found")
        if chat.migrated_to is not None:
            raise _bad(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        return chat

    def _writable_chat(self, params: _Params) -> _Chat:
        chat = self._chat(params)
        status = chat.bot_status
        if chat.type == "private":
            if status == "kicked":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if status == "left":
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return chat
        kind = f"{chat.type} chat"
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")
        may_post = status in ("administrator", "creator") and chat.can_post_messages
        if chat.type == "channel" and not may_post:
            raise _bad("need administrator rights in the channel chat")
        return chat

    def _formatted(self, params: _Params, text_field: str, entities_field: str) -> ParsedText:
        raw = params.text(text_field) or ""
        mode = (params.text("parse_mode") or "").strip().lower()
        if mode == "html":
            try:
                body = parse_html(raw)
            except EntityParseError as error:
                raise _bad(f"can't parse entities: {error}") from None
        elif mode in ("markdownv2", "markdown"):
            body = ParsedText(re.sub(r"\\(.)", r"\1", raw))
        elif mode:
            raise _bad("unsupported parse_mode")
        else:
            body = ParsedText(raw, _explicit_entities(params, entities_field))
        if len(body.entities) > self.max_entities:
            raise _bad("too many entities")
        return body

    def _reply_markup(self, params: _Params) -> dict[str, Any] | None:
        error = "can't parse reply keyboard markup JSON object"
        markup = params.json("reply_markup", error=error)
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad(error)
        if "inline_keyboard" in markup:
            _check_inline_keyboard(markup["inline_keyboard"])
        return markup

    def _check_rate(self, chat: _Chat) -> None:
        if not self.rate_limits:
            return
        now = self.clock()
        if chat.type == "private":
            per_chat = (self.private_per_second, 1.0)
        else:
            per_chat = (self.channel_per_minute, 60.0)
        waits = [
            self._windows.retry_after(("chat", chat.id), *per_chat, now),
            self._windows.retry_after("token", self.global_per_second, 1.0, now),
        ]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        self._windows.record(("chat", chat.id), now)
        self._windows.record("token", now)

    def _take_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _deliver(
        self,
        method: str,
        chat: _Chat,
        params: _Params,
        body: ParsedText,
        photo: str | None,
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        preview = self._link_preview(params)
        self._check_rate(chat)
        post = _Post(chat, self._take_message_id(chat.id), int(time.time()), body, photo, markup)
        self._posts[(chat.id, post.message_id)] = post
        self._record(method, post, params, preview)
        return self._message_json(post, preview)

    def _link_preview(self, params: _Params) -> dict[str, Any] | None:
        error = "can't parse link preview options JSON object"
        preview = params.json("link_preview_options", error=error)
        if preview is not None and not isinstance(preview, dict):
            raise _bad(error)
        return preview

    def _post_to_edit(self, params: _Params) -> _Post:
        if params.text("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._writable_chat(params)
        error = "message identifier is not specified"
        message_id = params.integer("message_id", error=error)
        if message_id is None:
            raise _bad(error)
        post = self._posts.get((chat.id, message_id))
        if post is None:
            raise _bad("message to edit not found")
        return post

    def _edit(self, method: str, post: _Post, params: _Params, body: ParsedText) -> dict[str, Any]:
        markup = self._reply_markup(params)  # omitted: the keyboard is removed, as on Telegram
        preview = self._link_preview(params)
        if (post.body, post.reply_markup) == (body, markup):
            raise _bad(_NOT_MODIFIED)
        post.body, post.reply_markup, post.edit_date = body, markup, int(time.time())
        self._record(method, post, params, preview)
        return self._message_json(post, preview)

    def _record(
        self, method: str, post: _Post, params: _Params, preview: dict[str, Any] | None
    ) -> None:
        is_photo = post.photo is not None
        raw = params.text("caption" if is_photo else "text")
        message = SentMessage(
            method=method,
            chat_id=post.chat.id,
            message_id=post.message_id,
            text=post.body.text if raw is not None else None,
            html=raw,
            caption=post.body.text if is_photo and raw is not None else None,
            photo=post.photo,
            parse_mode=params.text("parse_mode"),
            reply_markup=post.reply_markup,
            disable_notification=bool(params.flag("disable_notification")),
            link_preview_options=preview,
            disable_web_page_preview=params.flag("disable_web_page_preview"),
            date=post.edit_date or post.date,
            entities=tuple(e.to_json() for e in post.body.entities),
            at=self.clock(),
        )
        self._sent.append(message)
        self._cond.notify_all()

    def _message_json(self, post: _Post, preview: dict[str, Any] | None) -> dict[str, Any]:
        chat = post.chat.to_json()
        data: dict[str, Any] = {"message_id": post.message_id, "date": post.date, "chat": chat}
        if post.chat.type == "channel":
            data["sender_chat"] = chat
        else:
            data["from"] = self._bot_user()
        entities = [e.to_json() for e in post.body.entities]
        if post.photo is None:
            data["text"] = post.body.text
            if entities:
                data["entities"] = entities
            if preview:
                data["link_preview_options"] = preview
        else:
            data["photo"] = _photo_sizes(post)
            if post.body.text:
                data["caption"] = post.body.text
            if entities:
                data["caption_entities"] = entities
        if post.reply_markup is not None:
            data["reply_markup"] = post.reply_markup
        if post.edit_date is not None:
            data["edit_date"] = post.edit_date
        return data


def _not_enough(chat_id: int, count: int, timeout: float, posted: list[SentMessage]) -> str:
    return (
        f"chat {chat_id}: expected >= {count} messages within {timeout}s, "
        f"got {len(posted)}: {posted!r}"
    )


def _photo_sizes(post: _Post) -> list[dict[str, Any]]:
    file_id = f"fake-photo-{post.chat.id}-{post.message_id}"
    return [
        {"file_id": f"{file_id}-s", "file_unique_id": f"{file_id}-s", "width": 90, "height": 60},
        {"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 533},
    ]


def _update_allowed(update: dict[str, Any], allowed: Any) -> bool:
    if not allowed:
        return True
    return any(key in update for key in allowed)
