"""Bot commands end to end: the real service (App.run) polls the fake Bot API with
python-telegram-bot's Application; people's messages and button presses are queued in the
fake as updates and answered over loopback HTTP, like Telegram would.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels import ChannelCommands
from bot.commands import OPERATOR_COMMANDS
from bot.operate import Operations
from syndicator.app import App
from syndicator.config import settings_from_mapping
from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI, SentMessage
from tests.fakes.news_site import SampleSite
from tests.waiting import eventually

OPERATOR, STRANGER, READER = 7001, 7002, 7003
NEWS = -1002000000001  # the bot may post, the operator administers it
NO_POSTS = -1002000000002  # the bot is an administrator without the right to post
NOT_MINE = -1002000000003  # the bot may post, the operator is not an administrator there
GROUP = -1002000000004  # a group where people talk to the bot


@pytest.fixture
def site(empty_site: SampleSite) -> SampleSite:
    return empty_site  # every article is published by the test


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(rate_limits=False) as api:
        api.add_chat(NEWS, username="syria_news_test", title="أخبار سوريا")
        api.add_member(NEWS, OPERATOR, "creator")
        api.add_chat(NO_POSTS, username="no_posts_test", can_post_messages=False)
        api.add_member(NO_POSTS, OPERATOR, "administrator")
        api.add_chat(NOT_MINE, username="not_mine_test")
        yield api


def make_app(
    fake: FakeBotAPI,
    tmp_path: Path,
    site: SampleSite | None = None,
    *,
    channels: list[dict[str, Any]] | None = None,
    **subscribers: Any,
) -> App:
    raw: dict[str, Any] = {
        "database": {"url": f"sqlite:///{tmp_path / 'bot.db'}"},
        "fetch": {"allow_networks": ["127.0.0.0/8", "::1"]},  # the sample sites are on loopback
        "telegram": {
            "base_url": fake.base_url,
            "per_chat_interval": 0.0,
            "private_chat_interval": 0.0,
            "operators": [OPERATOR],
        },
        "subscribers": subscribers,
        "categories": [
            {"slug": "syria", "name": "الشأن السوري", "aliases": ["سوريا"]},
            {"slug": "economy", "name": "اقتصاد"},
            {"slug": "sports", "name": "رياضة"},
        ],
    }
    if channels is not None:
        raw["channels"] = channels
    if site is not None:
        raw["sources"] = [
            {"id": "sham", "name": "أخبار الشام اليوم", "url": site.feed_url(), "interval": 1}
        ]
    settings = settings_from_mapping(
        raw, tmp_path / "bot.toml", env={"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN}
    )
    return App(settings)


@contextlib.asynccontextmanager
async def running(app: App, *, collect: bool = False) -> AsyncIterator[App]:
    stop, ready = asyncio.Event(), asyncio.Event()
    service = asyncio.create_task(app.run(stop, collect=collect, serve=False, ready=ready))
    await asyncio.wait_for(ready.wait(), 30)
    try:
        yield app
    finally:
        stop.set()
        await asyncio.wait_for(service, 30)


async def said(fake: FakeBotAPI, chat: int, count: int, within: float = 15.0) -> SentMessage:
    """The `count`-th message the bot sent to `chat`."""
    return (await fake.await_messages(chat, count, within))[count - 1]


def buttons(message: SentMessage) -> list[tuple[str, str]]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


async def test_a_stranger_is_refused_operator_commands_and_the_attempt_is_logged(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    async with make_app(fake, tmp_path) as app, running(app):
        fake.push_text(STRANGER, STRANGER, "/addchannel @syria_news_test")
        answer = await said(fake, STRANGER, 1)
        assert answer.text is not None
        assert "للمشرفين فقط" in answer.text
        fake.push_text(STRANGER, STRANGER, "/status")
        await said(fake, STRANGER, 2)

        assert await app.store.registry.channels() == []
        denied = await app.store.audit.entries(actor=f"tg:{STRANGER}")
        assert [(e.action, e.target, e.via) for e in denied] == [
            ("denied", "/status", "bot"),
            ("denied", "/addchannel", "bot"),
        ]


# Arguments that would change something, send something or fetch something if the gate let
# the command through (`news` and `sham` exist; the URLs are the sample site's).
def operator_attempts(site: SampleSite) -> dict[str, str]:
    return {
        "status": "",
        "sources": "",
        "addsource": f"{site.url}/ evil",
        "removesource": "sham",
        "channels": "",
        "addchannel": "@not_mine_test evil categories=syria",
        "removechannel": "news",
        "route": "news categories=economy include=x",
        "pause": "news",
        "resume": "news",
        "preview": f"{site.url}/ news",
        "test": "news",
        "retry": "news failed",
    }


def rows(database: Path, *, leave_out: tuple[str, ...] = ()) -> dict[str, list[Any]]:
    """Every row of every table (read-only), but those of `leave_out`."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in sorted(names)
            if name not in leave_out
        }


async def test_every_operator_command_is_refused_to_everyone_else_in_private_and_in_groups(
    fake: FakeBotAPI, site: SampleSite, tmp_path: Path
) -> None:
    """Each command of `OPERATOR_COMMANDS`, with arguments that would change the store, post
    or fetch: refused to a stranger in a private chat (answered, logged, audited as denied)
    and in a group (where even operators are told to write privately); nothing changes,
    nothing is posted or fetched. The /addsource confirmation button is refused too."""
    attempts = operator_attempts(site)
    assert set(attempts) == OPERATOR_COMMANDS
    channels = [{"id": "news", "chat_id": NEWS, "categories": ["syria"]}]
    app = make_app(fake, tmp_path, site, channels=channels, commands_per_minute=600)
    fake.add_chat(GROUP, type="group", title="مجموعة", bot_status="member")
    async with app, running(app):
        operator_handlers = {
            name
            for name, handler in app.commands._handlers.items()  # type: ignore[union-attr]
            if isinstance(getattr(handler, "__self__", None), Operations | ChannelCommands)
        }
        assert operator_handlers | {"addchannel"} == OPERATOR_COMMANDS  # none left ungated
        database = tmp_path / "bot.db"
        before, fetched = rows(database, leave_out=("audit_log",)), len(site.requests)
        for command, args in attempts.items():
            fake.push_text(STRANGER, STRANGER, f"/{command} {args}".strip())
        refusals = await fake.await_messages(STRANGER, len(attempts), 20.0)
        for command, args in attempts.items():
            fake.push_text(GROUP, STRANGER, f"/{command} {args}".strip(), chat_type="group")
        in_group = await fake.await_messages(GROUP, len(attempts), 20.0)
        fake.push_callback(STRANGER, STRANGER, refusals[0].message_id, "src:ok:0123456789")
        await eventually(lambda: _audited(app, len(attempts) + 1))

        assert all("للمشرفين فقط" in (m.text or "") for m in refusals)
        assert all("المحادثة الخاصة" in (m.text or "") for m in in_group)
        await asyncio.sleep(0.3)  # a late answer would show here
        [*_, button] = fake.sent(STRANGER)
        assert len(fake.sent(STRANGER)) == len(attempts) + 1  # the button's refusal too
        assert "للمشرفين فقط" in (button.text or "")
        assert fake.sent(NEWS) == []
        assert fake.sent(NOT_MINE) == []
        assert len(site.requests) == fetched  # nothing was previewed or discovered
        assert rows(database, leave_out=("audit_log",)) == before
        denied = await app.store.audit.entries(actor=f"tg:{STRANGER}")
        assert {e.action for e in denied} == {"denied"}
        assert sorted(e.target for e in denied) == sorted(
            [*(f"/{command}" for command in attempts), "src:"]
        )


async def _audited(app: App, count: int) -> bool:
    return len(await app.store.audit.entries(actor=f"tg:{STRANGER}")) >= count


async def test_a_channel_is_added_only_where_the_bot_may_post_and_the_operator_administers(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    async with make_app(fake, tmp_path) as app, running(app):
        fake.push_text(OPERATOR, OPERATOR, "/addchannel @no_posts_test")
        refused = (await said(fake, OPERATOR, 1)).text or ""
        assert "لا أستطيع النشر في @no_posts_test" in refused
        assert "لا يملك حق نشر الرسائل" in refused

        fake.push_text(OPERATOR, OPERATOR, "/addchannel @not_mine_test")
        refused = (await said(fake, OPERATOR, 2)).text or ""
        assert "لست مشرفًا فيها" in refused

        fake.push_text(OPERATOR, OPERATOR, "/addchannel @syria_news_test news categories=syria")
        added = (await said(fake, OPERATOR, 3)).text or ""
        assert "أُضيفت القناة «news»" in added
        [channel] = await app.store.registry.channels()
        assert (channel.id, channel.chat_id) == ("news", str(NEWS))
        [route] = await app.store.registry.routes("news")
        assert route.categories == ("syria",)

        command = '/route news include="بشار الأسد",دمشق exclude=رياضة quiet=23:00-07:00 image=off'
        fake.push_text(OPERATOR, OPERATOR, command)
        shown = (await said(fake, OPERATOR, 4)).text or ""
        assert "include=بشار الأسد,دمشق" in shown
        assert "quiet_hours=23:00-07:00" in shown
        [route] = await app.store.registry.routes("news")
        assert (route.include, route.exclude) == (("بشار الأسد", "دمشق"), ("رياضة",))
        [channel] = await app.store.registry.channels()
        assert channel.options == {"image": False, "quiet_hours": "23:00-07:00"}

        fake.push_text(OPERATOR, OPERATOR, "/route news quiet=25:00-07:00")
        assert "quiet_hours" in ((await said(fake, OPERATOR, 5)).text or "")

        fake.push_text(OPERATOR, OPERATOR, "/lang en")
        assert (await said(fake, OPERATOR, 6)).text == "Messages will be in English."
        fake.push_text(OPERATOR, OPERATOR, "/pause news")
        assert "Posting to «news» paused" in ((await said(fake, OPERATOR, 7)).text or "")
        fake.push_text(OPERATOR, OPERATOR, "/test news")
        assert "Test post sent" in ((await said(fake, OPERATOR, 8)).text or "")
        assert "test message" in ((await said(fake, NEWS, 1)).text or "")

        actions = [e.action for e in await app.store.audit.entries(actor=f"tg:{OPERATOR}")]
        assert actions == [
            "channel.test", "channel.pause", "route.change", "channel.options",
            "route.add", "channel.add",
        ]  # fmt: skip


async def test_a_keyword_alert_fires_on_a_new_article(
    fake: FakeBotAPI, site: SampleSite, tmp_path: Path
) -> None:
    async with make_app(fake, tmp_path, site) as app, running(app, collect=True):
        fake.push_text(READER, READER, "/start")
        await said(fake, READER, 1)  # welcome
        keyboard = await said(fake, READER, 2)
        assert ("اقتصاد", "cat:economy") in buttons(keyboard)

        fake.push_callback(READER, READER, keyboard.message_id, "cat:economy")

        async def ticked() -> bool:
            edits = [m for m in fake.sent(READER) if m.method == "editMessageReplyMarkup"]
            return bool(edits) and ("✓ اقتصاد", "cat:economy") in buttons(edits[-1])

        await eventually(ticked)
        fake.push_text(READER, READER, "/alert الاسد")
        assert "«الاسد»" in ((await said(fake, READER, 3)).text or "")
        assert len(fake.answered) == 1

        sports = site.publish_next("sports")  # neither the category nor the keyword
        syria = site.publish_next("syria")  # «... لمصالحة الأسد و المعارضة»
        alert = await said(fake, READER, 4, within=30)
        assert syria.article.title in (alert.text or "")
        economy = site.publish_next("economy")
        by_category = await said(fake, READER, 5, within=30)
        assert economy.article.title in (by_category.text or "")
        await asyncio.sleep(0.5)
        assert all(sports.article.title not in (m.text or "") for m in fake.sent(READER))

        fake.push_text(READER, READER, "/stop")
        assert "أُوقف اشتراكك" in ((await said(fake, READER, 6)).text or "")
        subscriber = await app.store.subscribers.get(READER)
        assert subscriber is not None
        assert (subscriber.active, subscriber.categories, subscriber.alerts) == (
            False, ("economy",), ("الاسد",),
        )  # fmt: skip


async def test_commands_past_the_rate_limit_get_one_polite_refusal(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    async with make_app(fake, tmp_path, commands_per_minute=3) as app, running(app):
        for _ in range(6):
            fake.push_text(READER, READER, "/help")
        await said(fake, READER, 4)
        await asyncio.sleep(0.5)
        texts = [m.text or "" for m in fake.sent(READER)]
        assert len(texts) == 4
        assert sum("/start" in t for t in texts) == 3
        assert "حاول بعد دقيقة" in texts[3]


async def test_an_operator_adds_a_source_after_a_preview_and_previews_an_article(
    fake: FakeBotAPI, site: SampleSite, tmp_path: Path
) -> None:
    published = site.publish_next("syria")
    async with make_app(fake, tmp_path) as app, running(app):
        fake.push_text(OPERATOR, OPERATOR, f"/addsource {site.url}/ sham")
        await said(fake, OPERATOR, 1)  # looking at the site
        found = await said(fake, OPERATOR, 2)
        assert published.article.title in (found.text or "")
        [(_, ok), _] = buttons(found)
        fake.push_callback(OPERATOR, OPERATOR, found.message_id, ok)
        assert "أُضيف المصدر «sham»" in ((await said(fake, OPERATOR, 3)).text or "")
        [source] = await app.store.registry.sources()
        assert (source.id, source.kind) == ("sham", "feed")

        fake.push_text(OPERATOR, OPERATOR, f"/preview {published.url}")
        preview = await said(fake, OPERATOR, 4)
        assert preview.parse_mode == "HTML"
        assert (preview.text or "").startswith(published.article.title)
        assert [text for text, _ in buttons(preview)] == ["اقرأ المزيد"]
        assert [e.action for e in await app.store.audit.entries(actor=f"tg:{OPERATOR}")] == [
            "source.add"
        ]
