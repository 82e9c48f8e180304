"""The procrastinate job queue and its sweeper on a real PostgreSQL, without a worker
process: locks and queueing locks, delivery jobs deferred inside the outbox transaction,
and what the sweeper takes back from a dead worker (never from a live one). Workers are
rows of `procrastinate_workers` with an old or a fresh heartbeat; jobs run by them are
rows put in `doing` by hand. The three replicas for real: test_scaleout.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from syndicator.config import JobsConfig
from syndicator.errors import StoreError
from syndicator.jobs import BACKLOG_PER_SLOT, Room
from syndicator.model import Source, SourceState
from syndicator.store import Store, migrate
from syndicator.store.engine import create_engine
from syndicator.sweep import SWEEP_LOCK, Sweeper
from syndicator.workqueue import Workqueue, install_schema
from tests.conftest import _postgres_database
from tests.syndicator.store.test_outbox import NOW, article, configured

SOURCE = Source("sham", "أخبار الشام", "http://127.0.0.1:1/feed/")


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _postgres_database()


async def nothing(_: str) -> None:
    pass


@pytest.fixture
async def queue(pg_url: str) -> AsyncIterator[tuple[Store, Workqueue]]:
    migrate.upgrade(pg_url)
    assert install_schema(pg_url)
    engine = create_engine(pg_url)
    store = Store.on(engine)
    config = JobsConfig(backend="procrastinate", heartbeat=1, stalled_after=5)
    workqueue = Workqueue(pg_url, config, engine, poll=nothing, deliver=nothing)
    store.articles.on_outbox(workqueue.deliveries_stored)
    async with workqueue.opened():
        yield store, workqueue
    await engine.dispose()


async def sql(store: Store, query: str, **params: Any) -> list[Any]:
    async with store.engine.begin() as conn:
        result = await conn.execute(text(query), params)
        return list(result) if result.returns_rows else []


async def jobs(store: Store) -> list[tuple[Any, ...]]:
    """(task, lock, queueing lock, status) of every job, oldest first."""
    rows = await sql(
        store,
        "SELECT task_name, lock, queueing_lock, status::text FROM procrastinate_jobs ORDER BY id",
    )
    return [tuple(r) for r in rows]


async def worker(store: Store, *, alive: bool) -> int:
    age = "0 seconds" if alive else "1 hour"
    [(worker_id,)] = await sql(
        store,
        f"INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '{age}')"
        " RETURNING id",
    )
    return int(worker_id)


async def run_by(store: Store, lock: str, worker_id: int) -> None:
    """The waiting job with this lock is now running on that worker."""
    await sql(
        store,
        "UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w"
        " WHERE lock = :lock AND status = 'todo'",
        w=worker_id,
        lock=lock,
    )


def test_the_schema_is_installed_once(pg_url: str) -> None:
    assert install_schema(pg_url)
    assert not install_schema(pg_url)


def test_a_missing_database_is_a_store_error(pg_url: str) -> None:
    with pytest.raises(StoreError, match="job queue"):
        install_schema(pg_url.rsplit("/", 1)[0] + "/no_such_database_here")


async def test_a_source_is_queued_once_while_its_poll_waits_or_runs(
    queue: tuple[Store, Workqueue],
) -> None:
    store, workqueue = queue
    state = SourceState(SOURCE.id)
    assert await workqueue.submit_poll(SOURCE, state, lambda s, st: nothing(s.id))
    assert not await workqueue.submit_poll(SOURCE, state, lambda s, st: nothing(s.id))
    assert await jobs(store) == [("syndicator.poll", "poll:sham", "poll:sham", "todo")]
    await run_by(store, "poll:sham", await worker(store, alive=True))
    assert not await workqueue.submit_poll(SOURCE, state, lambda s, st: nothing(s.id))
    await sql(store, "UPDATE procrastinate_jobs SET status = 'succeeded'")
    assert await workqueue.submit_poll(SOURCE, state, lambda s, st: nothing(s.id))


async def test_room_counts_the_polls_waiting_or_running_on_any_replica(
    queue: tuple[Store, Workqueue],
) -> None:
    store, workqueue = queue
    backlog = BACKLOG_PER_SLOT * JobsConfig().concurrency
    assert await workqueue.room() == Room(backlog, frozenset())
    other = Source("halab", "حلب اليوم", "http://127.0.0.1:1/halab/")
    for source in (SOURCE, other):
        await workqueue.submit_poll(source, SourceState(source.id), lambda s, st: nothing(s.id))
    await run_by(store, "poll:sham", await worker(store, alive=True))
    await workqueue.deliver(["syria-news"])  # a delivery job is no poll
    assert await workqueue.room() == Room(backlog - 2, frozenset({"sham", "halab"}))
    await sql(store, "UPDATE procrastinate_jobs SET status = 'succeeded' WHERE lock = 'poll:sham'")
    assert await workqueue.room() == Room(backlog - 1, frozenset({"halab"}))


async def test_new_deliveries_bring_one_job_per_channel_in_their_transaction(
    queue: tuple[Store, Workqueue],
) -> None:
    store, _ = queue
    await configured(store, 6)
    waiting = [
        ("syndicator.deliver", "chat:business", "chat:business", "todo"),
        ("syndicator.deliver", "chat:syria-news", "chat:syria-news", "todo"),
    ]
    assert await jobs(store) == waiting
    await store.articles.add(article(6), NOW)  # a job already waits: no second one
    assert await jobs(store) == waiting

    async def broken(*_: object) -> None:
        raise RuntimeError("the write fails after the deferral")

    await sql(store, "DELETE FROM procrastinate_jobs")
    store.articles.on_outbox(broken)
    with pytest.raises(RuntimeError):
        await store.articles.add(article(7), NOW)
    assert await jobs(store) == []  # rolled back with the article and its deliveries
    assert await store.articles.count() == 7


async def test_a_lost_race_for_the_queueing_lock_keeps_the_transaction(
    queue: tuple[Store, Workqueue],
) -> None:
    store, workqueue = queue
    async with store.engine.begin() as conn:
        assert await workqueue._defer(
            conn, "syndicator.deliver", "chat:x", {"channel_id": "x"}, None
        )
        assert not await workqueue._defer(
            conn, "syndicator.deliver", "chat:x", {"channel_id": "x"}, None
        )
        await conn.execute(text("SELECT 1"))  # the transaction goes on
    assert await jobs(store) == [("syndicator.deliver", "chat:x", "chat:x", "todo")]


async def test_a_waiting_delivery_job_is_moved_earlier_never_later(
    queue: tuple[Store, Workqueue],
) -> None:
    store, workqueue = queue

    async def scheduled() -> Any:
        [(at,)] = await sql(store, "SELECT scheduled_at FROM procrastinate_jobs")
        return at

    assert await workqueue.deliver(["x"], NOW + timedelta(hours=2)) == 1
    assert await workqueue.deliver(["x"], NOW + timedelta(hours=1)) == 0
    assert await scheduled() == NOW + timedelta(hours=1)
    await workqueue.deliver(["x"], NOW + timedelta(hours=3))
    assert await scheduled() == NOW + timedelta(hours=1)
    await workqueue.deliver(["x"])
    assert await scheduled() is None  # due now


def sweeper(store: Store, workqueue: Workqueue) -> Sweeper:
    async def recover(where: Any) -> Any:
        return await store.outbox.recover(NOW, where=where)

    return Sweeper(store.engine, workqueue, recover, stalled_after=5, interval=1)


async def test_the_sweeper_takes_back_a_dead_workers_send_not_a_live_ones(
    queue: tuple[Store, Workqueue],
) -> None:
    store, workqueue = queue
    await configured(store, 6)
    queues = await store.outbox.queues(NOW)
    dead, live = await worker(store, alive=False), await worker(store, alive=True)
    await run_by(store, "chat:syria-news", dead)
    await run_by(store, "chat:business", live)
    [cut] = await store.outbox.claim_items(queues["syria-news"].items[:1], NOW)
    [busy] = await store.outbox.claim_items(queues["business"].items[:1], NOW)

    swept = await sweeper(store, workqueue).sweep()
    assert swept is not None
    assert [i.id for i in swept.interrupted] == [cut.delivery.id]
    assert (swept.retried, swept.dropped, swept.orphans) == (1, 0, 0)
    states = dict(await sql(store, "SELECT id, state FROM deliveries"))
    assert states[cut.delivery.id] == "unknown"
    assert states[busy.delivery.id] == "sending"  # its worker is alive: still in flight
    assert sorted(await jobs(store)) == [
        ("syndicator.deliver", "chat:business", "chat:business", "doing"),
        ("syndicator.deliver", "chat:syria-news", "chat:syria-news", "todo"),  # again
    ]
    # The live worker records its outcome; the fenced-off dead one could not.
    assert await store.outbox.sent(busy.delivery, 7, NOW)
    assert not await store.outbox.sent(cut.delivery, 8, NOW)


async def test_a_stalled_job_with_an_equal_one_waiting_is_dropped(
    queue: tuple[Store, Workqueue],
) -> None:
    store, workqueue = queue
    await configured(store, 3)
    await run_by(store, "chat:syria-news", await worker(store, alive=False))
    await workqueue.deliver(["syria-news"])  # a successor waits already
    swept = await sweeper(store, workqueue).sweep()
    assert swept is not None
    assert (swept.retried, swept.dropped) == (0, 1)
    statuses = await sql(
        store, "SELECT status::text FROM procrastinate_jobs WHERE lock = 'chat:syria-news'"
    )
    assert sorted(s for (s,) in statuses) == ["failed", "todo"]


async def test_channels_without_a_job_get_one_and_one_sweeper_runs_at_a_time(
    queue: tuple[Store, Workqueue],
) -> None:
    store, workqueue = queue
    await configured(store, 6)
    await sql(store, "DELETE FROM procrastinate_jobs")  # e.g. jobs that failed
    async with store.engine.connect() as other:
        await other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SWEEP_LOCK})
        assert await sweeper(store, workqueue).sweep() is None  # another replica sweeps
        await other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SWEEP_LOCK})
    swept = await sweeper(store, workqueue).sweep()
    assert swept is not None
    assert swept.orphans == 2
    assert [j[1] for j in await jobs(store)] == ["chat:business", "chat:syria-news"]
    again = await sweeper(store, workqueue).sweep()
    assert again is not None
    assert again.orphans == 0
