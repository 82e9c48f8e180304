"""Logging (I/O edge): the stdlib root logger, as text for a terminal or JSON lines for a
log collector (`[logging] format`), configured once by the command line.

A JSON line holds `timestamp` (UTC, ISO 8601 with milliseconds), `level`, `logger` and
`message`, then every field passed with ``extra={...}``, then `exception` (the traceback)
when there is one. Secrets the process knows (the Telegram token, an LLM API key) are
replaced by ``***`` in every line, whatever the format; the HTTP client loggers stay at
WARNING at least, since Bot API URLs carry the token.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
REDACTED = "***"
# Libraries that log request URLs or are chatty at INFO: never below WARNING.
QUIET = (
    "httpx", "httpcore", "telegram", "apscheduler", "trafilatura", "htmldate", "alembic",
    "procrastinate",  # a line per job and per deferral; its warnings still show
)  # fmt: skip
# Attributes every LogRecord has: whatever else a record carries came from `extra`.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _Redacting(logging.Formatter):
    """Wraps a formatter and blanks the secrets in what it writes."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self._inner = inner
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = self._inner.format(record)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class _Handler(logging.StreamHandler[TextIO]):
    """The handler `configure` installs (and replaces when called again). Without a stream
    of its own it writes to whatever `sys.stderr` is at the time (tests swap it)."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__(stream or sys.stderr)
        self._follow = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self._follow:
            self.stream = sys.stderr
        super().emit(record)


def formatter(fmt: str, secrets: Iterable[str] = ()) -> logging.Formatter:
    """The formatter for `fmt` ("text" or "json"), blanking `secrets`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}, expected one of: {', '.join(FORMATS)}")
    inner = JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    return _Redacting(inner, secrets)


def configure(
    level: str = "INFO",
    fmt: str = "text",
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Send every record at `level` or above to `stream` (stderr) in `fmt`; may be called
    again (the command line first, then with the config file's `[logging]`)."""
    handler = _Handler(stream)
    handler.setFormatter(formatter(fmt, secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:  # ours only (not pytest's)
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
