"""Store: Telegram's send budget shared by every replica (scale-out, PostgreSQL only).

Telegram allows about 30 messages a second per bot token, and a spacing per chat; when
several replicas send for one token, each must see the slots the others booked. The
`send_budget` table holds one row per key: "*" for the bot's global spacing and one per
chat, each with the time its next message may go (`next_at`, seconds on the database's
clock).

A booking is one short transaction: lock the global row and the chat's row (in key order,
the same in every transaction, so bookings never deadlock). When the chat may take a
message now, the slot is the later of now and the global row, and each row moves past it
by its interval; when the chat is still spaced or held, nothing is booked and the caller
learns when to ask again (booking a global slot far ahead for one chat would hold up every
other chat). Times are read from the database (`clock_timestamp()`), so replicas whose
clocks disagree still space their messages correctly; the caller sleeps for the delay it
gets back, after the commit, so the lock is held for a few milliseconds only. A hold
(after a 429, or while Telegram cannot be reached) pushes a row forward, never back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from syndicator.store import tables as t

GLOBAL = "*"
SLACK = 0.05  # a chat free within this many seconds may book now
b = t.send_budget.c


@dataclass(frozen=True)
class Slot:
    wait: float  # seconds from now
    booked: bool  # False: the chat is not free yet; ask again after `wait`


def _now() -> ColumnElement[Any]:
    """Seconds since the epoch on the database's clock (not the transaction's start)."""
    return func.extract("epoch", func.clock_timestamp())


class SendBudget:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._known: set[str] = set()  # keys whose row exists (made once per process)

    async def book(
        self,
        chat_id: str,
        *,
        chat_interval: float,
        global_interval: float,
        not_before: float = 0.0,
    ) -> Slot:
        """Book the next slot for one message to `chat_id`, no sooner than `not_before`
        seconds from now (a hold this replica knows of)."""
        keys = sorted({GLOBAL, chat_id})
        async with self._engine.begin() as conn:
            if not self._known.issuperset(keys):
                await conn.execute(
                    insert(t.send_budget)
                    .values([{"key": key, "next_at": 0.0} for key in keys])
                    .on_conflict_do_nothing()
                )
            rows = list(
                await conn.execute(
                    select(b.key, b.next_at, _now().label("now"))
                    .where(b.key.in_(keys))
                    .order_by(b.key)
                    .with_for_update()
                )
            )
            now = float(rows[0].now)
            at = {r.key: float(r.next_at) for r in rows}
            ready = max(now + not_before, at[chat_id])
            if ready > now + SLACK:
                return Slot(ready - now, booked=False)
            start = max(ready, at[GLOBAL])
            await conn.execute(
                update(t.send_budget)
                .where(b.key.in_(keys))
                .values(
                    next_at=case(
                        (b.key == GLOBAL, start + global_interval),
                        else_=start + chat_interval,
                    )
                )
            )
        self._known.update(keys)
        return Slot(start - now, booked=True)

    async def hold(self, key: str, seconds: float) -> None:
        """No message for `key` (a chat id, or GLOBAL for all) in the next `seconds`."""
        until = _now() + seconds
        statement = insert(t.send_budget).values(key=key, next_at=until)
        async with self._engine.begin() as conn:
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[b.key],
                    set_={"next_at": func.greatest(b.next_at, statement.excluded.next_at)},
                )
            )
        self._known.add(key)
