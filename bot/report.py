"""Delivery reports for operators: tables and JSON for `syndicator deliveries` (no I/O).

Built from the store's read-only views (`syndicator.store.reports`); the CLI prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.table import Table

from syndicator.store.reports import ChannelReport, DeliveryRow

STATES = ("sent", "pending", "sending", "failed", "unknown", "skipped")
SHOWN = ("sent", "pending", "failed", "unknown", "skipped")  # in the table


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _age(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


def status(report: ChannelReport, now: datetime) -> str:
    if not report.enabled:
        return "disabled"
    if report.paused_reason:
        return f"paused: {report.paused_reason}"
    if report.not_before is not None and report.not_before > now:
        return f"flood control until {_when(report.not_before)}"
    return "ok"


def channels_table(reports: Sequence[ChannelReport], now: datetime) -> Table:
    table = Table("channel", "chat", *SHOWN, "edits", "waiting", "status")
    for r in reports:
        table.add_row(
            r.channel_id,
            r.chat_id,
            *(str(r.posts.get(state, 0)) for state in SHOWN),
            str(r.edits.get("sent", 0)),
            _age(r.oldest_pending, now),
            status(r, now),
        )
    return table


def channel_json(report: ChannelReport, now: datetime) -> dict[str, Any]:
    return {
        "channel": report.channel_id,
        "chat_id": report.chat_id,
        "enabled": report.enabled,
        "posts": {state: report.posts.get(state, 0) for state in STATES},
        "edits": {state: report.edits.get(state, 0) for state in STATES},
        "oldest_pending": report.oldest_pending.isoformat() if report.oldest_pending else None,
        "status": status(report, now),
    }


def deliveries_table(rows: Sequence[DeliveryRow]) -> Table:
    table = Table("id", "channel", "kind", "state", "article", "attempt", "updated", "error")
    for r in rows:
        table.add_row(
            str(r.id), r.channel_id, r.kind, r.state, f"{r.article_id} {r.title}",
            str(r.attempt), _when(r.updated_at), r.error or "",
        )  # fmt: skip
    return table


def delivery_json(row: DeliveryRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel": row.channel_id,
        "kind": row.kind,
        "state": row.state,
        "article": row.article_id,
        "title": row.title,
        "attempt": row.attempt,
        "updated": row.updated_at.isoformat(),
        "error": row.error,
        "message_id": row.message_id,
    }
