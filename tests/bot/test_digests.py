"""Digest-mode channels and backlogs: one message listing many headlines, at set times,
restart-safe, split correctly when long; a backlog never floods a chat."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from bot.digest import BACKLOG_TITLE, DIGEST_TITLE
from bot.format import Style
from bot.policy import ChannelPolicy, Options
from bot.telegram import TelegramSender
from syndicator.model import Channel
from syndicator.store import Store
from tests.bot.conftest import CHAT, add_articles, configure, dispatcher, rows
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.telegram_html import parse_html, utf16_len
from tests.fakes.virtual_time import VirtualTime

DAMASCUS = ZoneInfo("Asia/Damascus")  # NOW (12:00 UTC) is 15:00 there
DIGEST = ChannelPolicy(
    Style(zone=DAMASCUS), mode="digest", digest_times=(time(8), time(16), time(20))
)


def digest_options(policy: ChannelPolicy = DIGEST) -> Options:
    return Options(channels={"syria-news": policy})


async def test_digest_channel_posts_one_digest_at_each_slot(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    options = digest_options()
    assert await dispatcher(store, sender, vt, options).run_once() == {}  # starts at 15:00
    await add_articles(store, 5)
    vt.advance(30 * 60)
    assert await dispatcher(store, sender, vt, options).run_once() == {}  # waits for 16:00
    assert telegram.sent(CHAT) == []
    vt.advance(31 * 60)  # 16:01 in Damascus
    worker = dispatcher(store, sender, vt, options)
    assert await worker.run_once() == {"digested": 5}
    [digest] = telegram.sent(CHAT)
    assert digest.text is not None
    lines = digest.text.split("\n")
    assert lines[0] == "\u200f" + DIGEST_TITLE
    assert lines[1] == "\u200f29 تشرين الثاني 2026، 16:00 بتوقيت دمشق"
    assert [line.split("• ")[1].split(" — ")[0] for line in lines[3:]] == [
        f"الخبر رقم {n}" for n in (4, 3, 2, 1, 0)
    ]  # newest first
    links = [e for e in digest.entities if e["type"] == "text_link"]
    assert len(links) == 5
    assert digest.reply_markup is None
    assert digest.link_preview_options == {"is_disabled": True}
    assert {r for r in await rows(store, "state", "message_kind", "telegram_message_id")} == {
        ("sent", "digest", digest.message_id)
    }
    assert worker.metrics.total().digests == 1
    # Restarted within the same slot: nothing is repeated, new articles wait for 20:00.
    await add_articles(store, 2, start=10)
    vt.advance(60)
    assert await dispatcher(store, sender, vt, options).run_once() == {}
    vt.advance(4 * 3600)
    assert await dispatcher(store, sender, vt, options).run_once() == {"digested": 2}
    assert len(telegram.sent(CHAT)) == 2


async def test_digest_every_hours_and_an_empty_slot(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    options = digest_options(ChannelPolicy(mode="digest", digest_times=(time(0), time(12))))
    assert await dispatcher(store, sender, vt, options).run_once() == {}
    vt.advance(12 * 3600)  # the next slot has nothing to list: no message
    assert await dispatcher(store, sender, vt, options).run_once() == {}
    assert telegram.sent(CHAT) == []
    states = await store.chats.states()
    assert states["syria-news"].last_digest_at == vt.now()


async def test_a_long_digest_is_split_between_headlines(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    options = digest_options()
    await dispatcher(store, sender, vt, options).run_once()
    await add_articles(store, 230)
    vt.advance(3600)
    assert await dispatcher(store, sender, vt, options).run_once(max_wait=100) == {"digested": 230}
    parts = telegram.sent(CHAT)
    assert len(parts) == 3  # 99 links at most per message (and the bold title)
    for n, part in enumerate(parts, 1):
        assert part.text is not None
        assert part.text.startswith(f"\u200f{DIGEST_TITLE} ({n}/3)")
        assert utf16_len(part.text) <= 4096
        assert len(part.entities) <= 100
        assert part.html is not None
        assert parse_html(part.html).text == part.text
    listed = [e["url"] for part in parts for e in part.entities if e["type"] == "text_link"]
    assert len(listed) == len(set(listed)) == 230
    times = [p.at for p in parts]
    assert times[1] - times[0] >= 3.0  # paced like any message


async def test_a_flood_hold_in_the_middle_of_a_digest_keeps_the_slot_open(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    options = digest_options()
    await dispatcher(store, sender, vt, options).run_once()
    await add_articles(store, 150)
    vt.advance(3600)
    telegram.fail_next("sendMessage", status=429, description="Too Many Requests", retry_after=30)
    outcomes = await dispatcher(store, sender, vt, options).run_once(max_wait=100)
    assert outcomes == {"pending": 150}
    vt.advance(31)
    outcomes = await dispatcher(store, sender, vt, options).run_once(max_wait=100)
    assert outcomes == {"digested": 150}
    assert len(telegram.sent(CHAT)) == 2
    vt.advance(60)
    assert await dispatcher(store, sender, vt, options).run_once() == {}


async def test_backlog_posts_the_newest_and_folds_the_rest_into_one_digest(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    await add_articles(store, 10)
    worker = dispatcher(store, sender, vt)
    assert await worker.run_once(max_wait=100) == {"digested": 7, "sent": 3}
    digest, *posts = telegram.sent(CHAT)
    assert digest.text is not None
    assert digest.text.startswith("\u200f" + BACKLOG_TITLE)
    assert [p.text.split("\n")[0] for p in posts if p.text] == [
        f"الخبر رقم {n}" for n in (7, 8, 9)
    ]  # the newest three, oldest of them first, after the digest
    assert worker.metrics.total().digests == 1


async def test_a_huge_backlog_is_one_message_that_counts_the_rest(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    await add_articles(store, 203)
    outcomes = await dispatcher(store, sender, vt).run_once(max_wait=100)
    assert outcomes["sent"] == 3
    assert outcomes["digested"] + outcomes["skipped"] == 200
    assert len(telegram.sent(CHAT)) == 4
    digest = telegram.sent(CHAT)[0]
    assert digest.text is not None
    assert digest.text.endswith(f"وأخبار أخرى: {outcomes['skipped']}")
    states = [state for (state,) in await rows(store, "state")]
    assert states.count("skipped") == outcomes["skipped"]


async def test_backlog_skip_posts_only_the_newest(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    await add_articles(store, 10)
    options = Options(channels={"syria-news": ChannelPolicy(backlog="skip", backlog_newest=2)})
    worker = dispatcher(store, sender, vt, options)
    assert await worker.run_once(max_wait=100) == {"skipped": 8, "sent": 2}
    assert len(telegram.sent(CHAT)) == 2
    assert worker.metrics.total().skipped == 8
    skipped = [error for state, error, _ in await rows(store) if state == "skipped"]
    assert skipped == ["backlog: skipped to the newest 2"] * 8


async def test_a_few_at_once_are_no_backlog(
    store: Store, telegram: FakeBotAPI, sender: TelegramSender, vt: VirtualTime
) -> None:
    await configure(store, Channel("syria-news", str(CHAT), ("syria",)))
    await add_articles(store, 3)
    assert await dispatcher(store, sender, vt).run_once(max_wait=100) == {"sent": 3}
    vt.advance(timedelta(minutes=1).total_seconds())
    await add_articles(store, 3, start=3)
    assert await dispatcher(store, sender, vt).run_once(max_wait=100) == {"sent": 3}
