"""Delivery rate against the limit: the real dispatcher, in real time, saturated.

The dispatcher (`bot.dispatch.Dispatcher`, its outbox loop `run` as the service runs it)
sends through python-telegram-bot to the fake Bot API (`tests.fakes.bot_api`: real HTTP on
loopback, in a thread of this process; it answers 429 with retry_after to any send over
Telegram's limits: 30 a second per bot, 20 a minute per channel, 1 a second per private
chat). Pacing and concurrency are the defaults of `[telegram]`: 25 messages a second over
all chats, 3 s between posts to a channel, 1 s in a private chat, 4 sends in flight.

30 channels and 30 private chats, each with more pending posts than it can take in the
run: the channels together may take 10 messages a second and the private chats 30, so
only the global pace limits the rate. Backlog folding is off (every post is sent as a
message, none folded into a digest). After `seconds`, the dispatcher is stopped and the
sends the fake recorded are read back:

- messages/s from the first to the last send, against the configured global rate (ratio)
  and Telegram's 30;
- the most messages any channel got in a 60 s window (20 allowed), any private chat in
  1 s (1), and the bot in 1 s (30);
- 429 answers (0 expected: the pacer keeps under every limit, so none is provoked).
"""

from __future__ import annotations

import asyncio
import bisect
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.report import Section, Table, verdict
from bot.dispatch import Dispatcher
from bot.limits import Pacer
from bot.policy import ChannelPolicy, Options
from bot.telegram import TelegramSender, build_bot
from syndicator.assemble import NewArticle
from syndicator.config import TelegramConfig
from syndicator.model import Article, Category, Channel, Source
from syndicator.store import Store, migrate
from syndicator.store.engine import create_engine
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI, SentMessage

CHANNELS = 30
PRIVATE = 30
SECONDS = 61.0
QUICK = (10, 30, 10.0)  # still saturated: 10 / 3 + 30 > 25 a second
TELEGRAM_GLOBAL = 30  # messages a second per bot
TARGET = 0.9  # of the configured global rate
CHANNEL_BASE = -1001000000100
PRIVATE_BASE = 700_000_000


def utcnow() -> datetime:
    return datetime.now(UTC)


def _most_within(times: Sequence[float], window: float) -> int:
    """The most of `times` (sorted) inside any half-open window of `window` seconds."""
    best = 0
    for i, start in enumerate(times):
        best = max(best, bisect.bisect_left(times, start + window - 1e-9, i) - i)
    return best


async def _world(
    store: Store, telegram: FakeBotAPI, channels: int, private: int, owed: int
) -> list[int]:
    categories, chats = [], []
    for i in range(channels + private):
        chat = CHANNEL_BASE - i if i < channels else PRIVATE_BASE + i
        categories.append(Category(f"k{i:02d}", f"قسم {i}"))
        chats.append(Channel(f"c{i:02d}", str(chat), (f"k{i:02d}",)))
        if i < channels:
            telegram.add_chat(chat, title=f"قناة {i}")
        else:
            telegram.add_chat(chat, type="private", title=f"قارئ {i}")
    source = Source("sham", "أخبار الشام اليوم", "http://127.0.0.1:9/feed/", robots=False)
    await store.registry.apply(categories, [source], chats)
    now = utcnow()
    items = []
    for n in range(owed * (channels + private)):
        slot = n % (channels + private)
        items.append(
            NewArticle(
                Article(
                    source_id="sham",
                    guid=f"g{n}",
                    url=f"https://sham.example/2026/11/29/news-{n}/",
                    title=f"الخبر رقم {n}: روسيا تتجه لمؤتمر شعوب سوريا",
                    text="قال وزير الخارجية إن العملية السياسية تتقدم. " * 4,
                    content_html="",
                    summary="قال وزير الخارجية إن العملية السياسية تتقدم.",
                    published=now - timedelta(seconds=owed * (channels + private) - n),
                    updated=now,
                    content_hash=f"h{n}",
                    categories=(f"k{slot:02d}",),
                )
            )
        )
    for start in range(0, len(items), 500):
        await store.articles.add_many(items[start : start + 500], now)
    return [int(c.chat_id) for c in chats]


async def measure_async(
    channels: int = CHANNELS, private: int = PRIVATE, seconds: float = SECONDS
) -> Section:
    config = TelegramConfig()
    # Enough for every chat to stay busy for the whole run even if it alone were served.
    owed = int(seconds / min(config.per_chat_interval, config.private_chat_interval)) + 5
    with tempfile.TemporaryDirectory() as tmp, FakeBotAPI() as telegram:
        url = f"sqlite:///{Path(tmp) / 'delivery.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url)
        store = Store.on(engine)
        chats = await _world(store, telegram, channels, private, owed)
        pacer = Pacer(
            global_rate=config.global_rate,
            per_chat_interval=config.per_chat_interval,
            private_interval=config.private_chat_interval,
        )
        options = Options(
            default=ChannelPolicy(backlog_newest=10_000), concurrency=config.concurrency
        )
        bot = build_bot(DEFAULT_TOKEN, telegram.base_url, pool=config.concurrency + 4)
        async with bot:
            dispatcher = Dispatcher(store, TelegramSender(bot), pacer, utcnow, options=options)
            stop = asyncio.Event()
            task = asyncio.create_task(dispatcher.run(stop))
            await asyncio.sleep(seconds)
            stop.set()
            await asyncio.wait_for(task, 30)
        await engine.dispose()
        sent = telegram.sent()
        floods = sum(1 for call in telegram.calls if call.status == 429)
        failures = sum(1 for call in telegram.calls if call.status not in (200, 429))
    return _section(sent, chats[:channels], chats[channels:], floods, failures, config, seconds)


def _section(
    sent: list[SentMessage],
    channel_chats: list[int],
    private_chats: list[int],
    floods: int,
    failures: int,
    config: TelegramConfig,
    seconds: float,
) -> Section:
    times = sorted(m.at for m in sent)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span else 0.0
    ratio = achieved / config.global_rate
    by_chat: dict[int, list[float]] = defaultdict(list)
    for message in sent:
        by_chat[message.chat_id].append(message.at)
    per_channel = max((_most_within(sorted(by_chat[c]), 60) for c in channel_chats), default=0)
    per_private = max((_most_within(sorted(by_chat[c]), 1) for c in private_chats), default=0)
    global_second = _most_within(times, 1)
    to_channels = sum(len(by_chat[c]) for c in channel_chats)
    fast = verdict(ratio >= TARGET, f">= {TARGET} x configured")
    clean = verdict(
        floods == 0 and per_channel <= 20 and per_private <= 1 and global_second <= 30,
        "no 429, every limit kept",
    )
    table = Table(
        ("measure", "figure", "limit", "ratio"),
        [
            ("**messages/s** (first to last send)", f"**{achieved:.2f}**",
             f"configured {config.global_rate:g}/s", f"**{ratio:.2f}**"),
            ("", "", f"Telegram {TELEGRAM_GLOBAL}/s", f"{achieved / TELEGRAM_GLOBAL:.2f}"),
            ("most messages to one channel in any 60 s", str(per_channel), "20", ""),
            ("most messages to one private chat in any 1 s", str(per_private), "1", ""),
            ("most messages of the bot in any 1 s", str(global_second), f"{TELEGRAM_GLOBAL}", ""),
            ("429 answers", str(floods), "0", ""),
            ("other failed calls", str(failures), "0", ""),
            ("messages sent (channels / private chats)",
             f"{len(sent):,} ({to_channels:,} / {len(sent) - to_channels:,})", "", ""),
        ],
        f"{len(channel_chats)} channels and {len(private_chats)} private chats, all with posts "
        f"waiting, {seconds:g} s of sending in real time:",
    )  # fmt: skip
    return Section(
        "delivery",
        "Delivery rate against the limit",
        (table,),
        (f"rate: {fast}; limits: {clean}",),
        {"rate": achieved, "ratio": ratio, "floods": floods, "per_channel": per_channel},
        (
            f"{achieved:.2f} messages/s, {floods} x 429",
            f"configured {config.global_rate:g}/s: {ratio:.2f}",
            f"{fast}; {clean}",
        ),
    )


def measure(channels: int = CHANNELS, private: int = PRIVATE, seconds: float = SECONDS) -> Section:
    return asyncio.run(measure_async(channels, private, seconds))


def run(quick: bool = False) -> Section:
    return measure(*(QUICK if quick else (CHANNELS, PRIVATE, SECONDS)))


def main(argv: list[str] | None = None) -> None:
    started = time.perf_counter()
    print(run("--quick" in (sys.argv[1:] if argv is None else argv)).markdown())
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
