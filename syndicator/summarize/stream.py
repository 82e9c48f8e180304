"""Summaries for a stream of JSON lines (`syndicator summarize`): evaluation and batch jobs.

In: one article per line, ``{"id": ..., "title": "...", "text": "..."}``; out: one line per
article, ``{"id": ..., "summary": "..."}``, UTF-8 (Arabic as text, not ``\\u`` escapes), in
the input's order. Several articles are summarized at once, so a model server's slots stay
busy, but each line is written as soon as it and every line before it are done: a long run
shows progress, and a bad line stops it with everything before it already written.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from syndicator.errors import InputError
from syndicator.summarize import Summarizer
from syndicator.summarize.budget import Budget

WINDOW = 16  # articles in flight; the backend bounds its own concurrency below this


def parse_line(line: bytes) -> tuple[Any, str, str]:
    """(id, title, text) of one input line; ValueError says what is wrong with it."""
    try:
        item = json.loads(line.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(item, dict):
        raise ValueError('expected an object {"id": ..., "title": "...", "text": "..."}')
    for key in ("id", "title", "text"):
        if key not in item:
            raise ValueError(f"'{key}' is missing")
    for key in ("title", "text"):
        if not isinstance(item[key], str):
            raise ValueError(f"'{key}' must be a string")
    return item["id"], item["title"], item["text"]


async def summarize_lines(
    summarizer: Summarizer,
    budget: Budget,
    read_line: Callable[[], Awaitable[bytes]],
    write: Callable[[bytes], None],
) -> int:
    """Summarize every line `read_line` gives until it returns b""; returns how many.

    Blank lines are skipped. A malformed line raises `InputError` naming its number, after
    the summaries of the lines before it have been written.
    """
    pending: deque[tuple[Any, asyncio.Task[str]]] = deque()
    written = 0

    async def write_first() -> None:
        nonlocal written
        item_id, task = pending.popleft()
        row = {"id": item_id, "summary": await task}
        write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
        written += 1

    number = 0
    try:
        while line := await read_line():
            number += 1
            if not line.strip():
                continue
            try:
                item_id, title, text = parse_line(line)
            except ValueError as exc:
                while pending:
                    await write_first()
                raise InputError(f"input line {number}: {exc}") from None
            task = asyncio.create_task(summarizer.summarize(title, text, budget))
            pending.append((item_id, task))
            while pending and (len(pending) >= WINDOW or pending[0][1].done()):
                await write_first()
        while pending:
            await write_first()
    finally:
        for _, task in pending:
            task.cancel()
    return written
