"""Validation and bookkeeping of the fake Bot API (see :mod:`tests.fakes.bot_api`).

Telegram's answers as the fake gives them: the error envelope (:class:`ApiError`), typed
access to request parameters the way Telegram coerces them (:class:`Params`), the sliding
windows of its rate limits, and the checks on text, captions, entities and inline
keyboards, each failing with Telegram's wording.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from typing import Any

from .telegram_html import Entity, utf16_len

# Seconds of slack in the rate windows, so that a client spacing sends exactly by the limit
# (3 s in a channel) on a float clock is not refused over a rounding error.
TOLERANCE = 1e-6
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


class ApiError(Exception):
    """A Telegram error answer: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, int] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(reason: str, parameters: dict[str, int] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}", parameters)


class Params:
    """Typed access to request parameters, coercing strings like Telegram does."""

    def __init__(self, values: dict[str, Any], files: dict[str, bytes]) -> None:
        self.values = values
        self.files = files

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value)

    def integer(self, name: str, *, error: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad(error) from None

    def flag(self, name: str) -> bool | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value is True or str(value).lower() in ("true", "1")

    def json(self, name: str, *, error: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad(error) from None

    def upload(self, name: str) -> bytes | None:
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.files.get(value.removeprefix("attach://"))
        return self.files.get(name)


class SlidingWindows:
    """Timestamps of recent sends per key; answers how long until a slot frees."""

    def __init__(self) -> None:
        self._hits: dict[object, deque[float]] = {}

    def retry_after(self, key: object, limit: int, window: float, now: float) -> int | None:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - window + TOLERANCE:
            hits.popleft()
        if limit <= 0:
            return math.ceil(window)
        if len(hits) < limit:
            return None
        oldest = hits[len(hits) - limit]  # the send whose expiry frees a slot
        return max(1, math.ceil(oldest + window - now))

    def record(self, key: object, now: float) -> None:
        self._hits.setdefault(key, deque()).append(now)


def check_status(status: str) -> None:
    if status not in MEMBER_STATUSES:
        raise ValueError(f"unknown member status {status!r}; use one of {sorted(MEMBER_STATUSES)}")


def check_text(text: str) -> None:
    if not text.strip():
        raise bad("message text is empty")
    if utf16_len(text) > 4096:
        raise bad("message is too long")


def check_caption(caption: str) -> None:
    if utf16_len(caption) > 1024:
        raise bad("message caption is too long")


def explicit_entities(params: Params, name: str) -> tuple[Entity, ...]:
    raw = params.json(name, error="can't parse entities JSON object")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise bad("can't parse entities JSON object")
    try:
        return tuple(
            Entity(
                str(e["type"]),
                int(e["offset"]),
                int(e["length"]),
                e.get("url"),
                e.get("language"),
                e.get("custom_emoji_id"),
            )
            for e in raw
        )
    except (KeyError, TypeError, ValueError):
        raise bad("can't parse entities JSON object") from None


def check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            check_button(button)


def check_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad(prefix + "InlineKeyboardButton should be an Object")
    if not isinstance(button.get("text"), str):
        raise bad(prefix + 'Field "text" must be of type String')
    if not button["text"]:
        raise bad(prefix + 'Field "text" must be non-empty')
    actions = [key for key in BUTTON_ACTIONS if key in button]
    if not actions:
        raise bad(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad(prefix + f"exactly one of the optional fields must be used, got {actions}")
    url = button.get("url")
    if url is not None and not re.match(r"(?i)(https?|tg)://\S+$", str(url)):
        raise bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    data = button.get("callback_data")
    if data is not None and not (isinstance(data, str) and 1 <= len(data.encode()) <= 64):
        raise bad("BUTTON_DATA_INVALID")


ADMIN_RIGHTS: dict[str, bool] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": False,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}
RESTRICTIONS: dict[str, Any] = {
    "is_member": True,
    "until_date": 0,
    **dict.fromkeys(
        [
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
            "can_send_messages",
            "can_send_polls",
            "can_send_other_messages",
            "can_add_web_page_previews",
            "can_manage_topics",
            "can_send_audios",
            "can_send_documents",
            "can_send_photos",
            "can_send_videos",
            "can_send_video_notes",
            "can_send_voice_notes",
            "can_edit_tag",
            "can_react_to_messages",
        ],
        False,
    ),
}
MEMBER_FIELDS: dict[str, dict[str, Any]] = {
    "creator": {"is_anonymous": False},
    "administrator": ADMIN_RIGHTS,
    "restricted": RESTRICTIONS,
    "kicked": {"until_date": 0},
}


def member_json(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember object with the fields PTB requires for that status."""
    return {"status": status, "user": user, **MEMBER_FIELDS.get(status, {})}
