"""Dry run (I/O: it prints): each would-be message on stdout instead of Telegram.

Used when no token is configured, and by `syndicator demo`. A message prints as a rule, a
`[dry-run] to CHAT` line, its HTML, then one line per option that shapes it in Telegram:
the photo, the button, the link preview, a silent delivery.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from typing import TextIO

from bot.format import Message
from bot.telegram import Sent
from syndicator.model import MessageKind

RULE = "─" * 60


class DryRunSender:
    def __init__(
        self, out: TextIO | None = None, label: Callable[[str], str] | None = None
    ) -> None:
        self._out = out
        self._ids = itertools.count(1)
        self._label = label or (lambda chat_id: chat_id)

    async def send(self, chat_id: str, message: Message) -> Sent:
        self._print(f"[dry-run] to {self._label(chat_id)}", message)
        return Sent(next(self._ids), message.kind)

    async def edit(
        self, chat_id: str, message_id: int, kind: MessageKind, message: Message
    ) -> None:
        self._print(f"[dry-run] edit of {kind.value} message {message_id} in {chat_id}", message)

    def _print(self, head: str, message: Message) -> None:
        out = self._out or sys.stdout
        lines = [RULE, head]
        if message.photo:
            lines.append(f"[photo] {message.photo}")
        lines.append(message.html)
        if message.url:
            lines.append(f"[{message.button_text}] {message.url}")
        if message.preview and not message.photo:
            lines.append(f"[preview] {message.preview}")
        if message.silent:
            lines.append("[silent]")
        out.write("\n".join(lines) + "\n")
        out.flush()
