"""The fake Bot API, driven by the real python-telegram-bot over loopback HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter

from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.fakes.telegram_html import EntityParseError, parse_html, utf16_len

CHANNEL = -1001234567890
PRIVATE = 424242
ARABIC_TITLE = "عاجل: وزير الخارجية يصل إلى دمشق"
NEED_ADMIN = "need administrator rights in the channel chat"


class Clock:
    """A hand-moved monotonic clock for rate-limit tests."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        api.add_chat(CHANNEL, username="syndicator_news")
        api.add_chat(PRIVATE, type="private", title="علي")
        yield api


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(DEFAULT_TOKEN, base_url=fake.base_url) as client:
        yield client


@pytest.fixture
async def raw(fake: FakeBotAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client on the fake's token URL, for exact payload checks."""
    async with httpx.AsyncClient(base_url=fake.base_url + DEFAULT_TOKEN + "/") as client:
        yield client


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt into PTB's future RetryAfter.retry_after type (silences its deprecation warning)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def reason(error: telegram.error.TelegramError) -> str:
    """PTB drops "Bad Request: " and lower-cases the rest; compare in lower case."""
    return error.message.lower()


# -- sending ------------------------------------------------------------------------------------


async def test_get_me_describes_the_bot(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (fake.bot_id, True, "syndicator_test_bot")


async def test_html_message_is_recorded_as_plain_text(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    html = f'<b>{ARABIC_TITLE}</b>\nالتفاصيل &amp; المزيد: <a href="https://e.com/?a=1&amp;b=2">هنا</a>'

    message = await bot.send_message(
        "@syndicator_news", html, parse_mode="HTML", disable_notification=True
    )

    [sent] = fake.sent(CHANNEL)
    assert sent.text == f"{ARABIC_TITLE}\nالتفاصيل & المزيد: هنا"
    assert (sent.html, sent.parse_mode, sent.disable_notification) == (html, "HTML", True)
    assert (sent.method, sent.message_id) == ("sendMessage", message.message_id)
    assert message.text == sent.text
    assert message.chat.id == CHANNEL
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, len(ARABIC_TITLE)),
        ("text_link", len(sent.text) - 3, 3),
    ]
    assert message.entities[1].url == "https://e.com/?a=1&b=2"


async def test_plain_and_markdown_text_are_accepted_unvalidated(
    bot: telegram.Bot, fake: FakeBotAPI
) -> None:
    await bot.send_message(CHANNEL, "5 < 6 & <div>")
    await bot.send_message(CHANNEL, r"*عاجل* 1\.5", parse_mode="MarkdownV2")

    assert [m.text for m in fake.sent(CHANNEL)] == ["5 < 6 & <div>", "*عاجل* 1.5"]


async def test_link_preview_options_are_recorded(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    await bot.send_message(
        CHANNEL, "خبر", link_preview_options=LinkPreviewOptions(is_disabled=True)
    )

    assert fake.sent()[0].link_preview_options == {"is_disabled": True}


async def test_send_photo_records_url_and_upload(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    await bot.send_photo(CHANNEL, "https://e.com/a.jpg", caption="<i>صورة</i>", parse_mode="HTML")
    message = await bot.send_photo(
        CHANNEL, b"\x89PNG" + bytes(96), caption="<b>رفع</b>", parse_mode="HTML"
    )
    await bot.send_photo(CHANNEL, "file-id")

    first, second, third = fake.sent(CHANNEL)
    assert (first.photo, first.caption, first.html) == (
        "https://e.com/a.jpg",
        "صورة",
        "<i>صورة</i>",
    )
    assert (second.photo, second.caption) == ("<upload:100 bytes>", "رفع")
    assert second.entities == ({"type": "bold", "offset": 0, "length": 3},)
    assert (third.text, third.caption) == (None, None)
    assert message.photo[-1].width == 800


# -- HTML parse errors -------------------------------------------------------------------------


INVALID_HTML = [
    ("<div>خبر</div>", 'Unsupported start tag "div" at byte offset 0'),
    ("خبر <br>", 'Unsupported start tag "br" at byte offset 7'),
    ("5 < 6", 'Unsupported start tag "" at byte offset 2'),
    ("<b>عاجل", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("أ & ب", "Character '&' is reserved and must be escaped as \"&amp;\" at byte offset 3"),
    ("&nbsp;", "Character '&' is reserved"),
    ('<a href="?a=1&b=2">x</a>', "Character '&' is reserved"),
    ("<a>رابط</a>", 'Tag "a" must have attribute "href" at byte offset 0'),
    ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<tg-emoji>👍</tg-emoji>", 'Tag "tg-emoji" must have attribute "emoji-id"'),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
]


@pytest.mark.parametrize(("html", "expected"), INVALID_HTML)
def test_invalid_html_names_telegrams_reason(html: str, expected: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(html)

    assert str(caught.value).startswith(expected)


async def test_invalid_html_surfaces_as_bad_request(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    for html, expected in INVALID_HTML:
        with pytest.raises(BadRequest) as caught:
            await bot.send_message(CHANNEL, html, parse_mode="HTML")
        assert reason(caught.value).startswith(f"can't parse entities: {expected}".lower())

    assert fake.sent() == []
    assert {c.status for c in fake.calls if c.method == "sendMessage"} == {400}


def test_every_supported_tag_becomes_an_entity() -> None:
    html = (
        "<b>a</b><strong>b</strong><i>c</i><em>d</em><U>e</U><ins>f</ins><s>g</s>"
        "<strike>h</strike><del>i</del><a href='https://x.org'>j</a><code>k</code>"
        '<pre><code class="language-python">l</code></pre><blockquote expandable>m</blockquote>'
        '<tg-spoiler>n</tg-spoiler><span class="tg-spoiler">o</span>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>&lt;&gt;&amp;&quot;&#1575;&#x628;'
    )

    parsed = parse_html(html)

    assert parsed.text == 'abcdefghijklmno👍<>&"اب'
    assert [e.type for e in parsed.entities] == [
        "bold", "bold", "italic", "italic", "underline", "underline", "strikethrough",
        "strikethrough", "strikethrough", "text_link", "code", "pre", "expandable_blockquote",
        "spoiler", "spoiler", "custom_emoji",
    ]  # fmt: skip
    assert parsed.entities[11].language == "python"
    assert (parsed.entities[-1].offset, parsed.entities[-1].length) == (15, 2)


def test_entity_offsets_count_utf16_units() -> None:
    parsed = parse_html("😀 <b>خبر</b>")

    assert [(e.offset, e.length) for e in parsed.entities] == [(3, 3)]
    assert utf16_len("😀") == 2


def test_numeric_entities_must_name_a_character() -> None:
    with pytest.raises(EntityParseError, match="reserved"):
        parse_html("&#0;")


# -- lengths and entity count ------------------------------------------------------------------


async def test_text_length_is_counted_in_utf16_after_parsing(
    bot: telegram.Bot, fake: FakeBotAPI
) -> None:
    for fits in ("ب" * 4096, "😀" * 2048, f"<b>{'ب' * 4096}</b>"):
        await bot.send_message(CHANNEL, fits, parse_mode="HTML")
    for too_long in ("ب" * 4097, "😀" * 2048 + "ب"):
        with pytest.raises(BadRequest, match=r"(?i)^message is too long$"):
            await bot.send_message(CHANNEL, too_long, parse_mode="HTML")

    assert [utf16_len(m.text or "") for m in fake.sent()] == [4096, 4096, 4096]


async def test_empty_text_is_rejected(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHANNEL, "<b> </b>", parse_mode="HTML")


async def test_caption_limit_is_1024_utf16_units(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    await bot.send_photo(CHANNEL, "file-id", caption="😀" * 512)

    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(CHANNEL, "file-id", caption="ب" * 1025)

    assert len(fake.sent()) == 1


async def test_more_than_100_entities_are_rejected(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    await bot.send_message(CHANNEL, "<b>x</b> " * 100, parse_mode="HTML")

    with pytest.raises(BadRequest, match=r"(?i)too many entities"):
        await bot.send_message(CHANNEL, "<b>x</b> " * 101, parse_mode="HTML")

    assert len(fake.sent()[0].entities) == 100


# -- chats and permissions ---------------------------------------------------------------------


async def test_unknown_chat_is_not_found(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)^chat not found$"):
        await bot.send_message(-100999, "خبر")
    with pytest.raises(BadRequest, match=r"(?i)^chat not found$"):
        await bot.send_message("@nobody_here", "خبر")


@pytest.mark.parametrize(
    ("chat_type", "bot_status", "can_post", "description"),
    [
        ("channel", "left", True, "Forbidden: bot is not a member of the channel chat"),
        ("channel", "kicked", True, "Forbidden: bot was kicked from the channel chat"),
        ("channel", "administrator", False, f"Bad Request: {NEED_ADMIN}"),
        ("channel", "member", True, f"Bad Request: {NEED_ADMIN}"),
        ("supergroup", "left", True, "Forbidden: bot is not a member of the supergroup chat"),
        ("group", "kicked", True, "Forbidden: bot was kicked from the group chat"),
        ("private", "kicked", True, "Forbidden: bot was blocked by the user"),
        ("private", "left", True, "Forbidden: bot can't initiate conversation with a user"),
    ],
)  # fmt: skip
async def test_bot_without_rights_cannot_post(
    bot: telegram.Bot,
    fake: FakeBotAPI,
    chat_type: str,
    bot_status: str,
    can_post: bool,
    description: str,
) -> None:
    fake.add_chat(-1005, type=chat_type, bot_status=bot_status, can_post_messages=can_post)
    error = Forbidden if description.startswith("Forbidden") else BadRequest

    with pytest.raises(error) as caught:
        await bot.send_message(-1005, "خبر")

    assert reason(caught.value) == description.removeprefix("Bad Request: ").lower()


async def test_get_chat_by_username(bot: telegram.Bot) -> None:
    chat = await bot.get_chat("@Syndicator_News")

    assert (chat.id, chat.type, chat.title) == (CHANNEL, "channel", "قناة الاختبار")


@pytest.mark.parametrize(
    ("status", "member_class"),
    [
        ("creator", telegram.ChatMemberOwner),
        ("administrator", telegram.ChatMemberAdministrator),
        ("member", telegram.ChatMemberMember),
        ("left", telegram.ChatMemberLeft),
        ("kicked", telegram.ChatMemberBanned),
        ("restricted", telegram.ChatMemberRestricted),
    ],
)
async def test_get_chat_member_reports_each_status(
    bot: telegram.Bot, fake: FakeBotAPI, status: str, member_class: type[telegram.ChatMember]
) -> None:
    fake.add_member(CHANNEL, 77, status)

    member = await bot.get_chat_member(CHANNEL, 77)

    assert isinstance(member, member_class)
    assert member.user.id == 77


async def test_get_chat_member_knows_the_bot_and_not_strangers(
    bot: telegram.Bot, fake: FakeBotAPI
) -> None:
    me = await bot.get_chat_member(CHANNEL, fake.bot_id)
    assert isinstance(me, telegram.ChatMemberAdministrator)
    assert me.can_post_messages is True

    with pytest.raises(BadRequest, match=r"(?i)user not found"):
        await bot.get_chat_member(CHANNEL, 78)


# -- errors: tokens, injected failures, migration ----------------------------------------------


async def test_wrong_token_is_unauthorized(fake: FakeBotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with telegram.Bot(
            "654321:WRONG-token-abcdefghijklmnopqrstuvw", base_url=fake.base_url
        ):
            pass
    assert fake.calls[-1].status == 401


async def test_unknown_method_and_wrong_token_payloads(
    fake: FakeBotAPI, raw: httpx.AsyncClient
) -> None:
    unknown = await raw.post("sendCarrierPigeon", data={"chat_id": CHANNEL})
    async with httpx.AsyncClient() as client:
        wrong = await client.get(f"{fake.base_url}123:nope/getMe")

    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )


async def test_injected_failures_map_to_ptb_exceptions(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    fake.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 7", retry_after=7
    )
    fake.fail_next(
        "sendMessage",
        status=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=-1009,
    )
    fake.fail_next("sendMessage", status=502, description="Bad Gateway", count=2)

    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(CHANNEL, "خبر")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(CHANNEL, "خبر")
    for _ in range(2):
        with pytest.raises(telegram.error.NetworkError):
            await bot.send_message(CHANNEL, "خبر")
    await bot.send_message(CHANNEL, "خبر")

    assert retry.value.retry_after == dtm.timedelta(seconds=7)
    assert migrated.value.new_chat_id == -1009
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [429, 400, 502, 502, 200]


async def test_migrated_group_points_to_its_supergroup(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    fake.add_chat(-5555, type="group", bot_status="member")
    fake.migrate_chat(-5555, -1005555)

    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-5555, "خبر")
    await bot.send_message(caught.value.new_chat_id, "خبر")

    assert [m.chat_id for m in fake.sent()] == [-1005555]


# -- rate limits -------------------------------------------------------------------------------


async def test_channel_limit_answers_429_until_a_slot_frees(
    bot: telegram.Bot, fake: FakeBotAPI, raw: httpx.AsyncClient
) -> None:
    clock = fake.clock = Clock()
    fake.channel_per_minute = 2
    await bot.send_message(CHANNEL, "1")
    clock.now += 10
    await bot.send_message("@syndicator_news", "2")  # same chat, same budget

    limited = await raw.post("sendMessage", data={"chat_id": CHANNEL, "text": "3"})
    clock.now += 50
    await bot.send_message(CHANNEL, "3")

    assert (limited.status_code, limited.json()) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 50",
            "parameters": {"retry_after": 50},
        },
    )
    assert [m.text for m in fake.sent(CHANNEL)] == ["1", "2", "3"]


async def test_private_chat_allows_one_message_per_second(
    bot: telegram.Bot, fake: FakeBotAPI
) -> None:
    clock = fake.clock = Clock()
    await bot.send_message(PRIVATE, "أ")

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(PRIVATE, "ب")
    clock.now += 1
    await bot.send_message(PRIVATE, "ب")

    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    assert len(fake.sent(PRIVATE)) == 2


async def test_global_limit_spans_chats(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    fake.clock = Clock()
    fake.global_per_second = 2
    fake.add_chat(-1002, type="group", bot_status="member")
    await bot.send_message(CHANNEL, "أ")
    await bot.send_message(PRIVATE, "ب")

    with pytest.raises(RetryAfter):
        await bot.send_message(-1002, "ج")

    fake.rate_limits = False
    await bot.send_message(CHANNEL, "د")
    assert len(fake.sent()) == 3


async def test_concurrent_sends_are_counted_exactly(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    fake.clock = Clock()
    fake.channel_per_minute = 5
    chats = [-2001, -2002, -2003, -2004]
    for chat in chats:
        fake.add_chat(chat)

    results = await asyncio.gather(
        *(bot.send_message(chats[i % 4], f"خبر {i}") for i in range(40)),
        return_exceptions=True,
    )

    assert sum(isinstance(r, telegram.Message) for r in results) == 20
    assert sum(isinstance(r, RetryAfter) for r in results) == 20
    for chat in chats:
        assert [m.message_id for m in fake.sent(chat)] == [1, 2, 3, 4, 5]


# -- edits -------------------------------------------------------------------------------------


async def test_edit_text_flow(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    original = await bot.send_message(CHANNEL, "<b>خبر</b>", parse_mode="HTML")
    mid = original.message_id

    edited = await bot.edit_message_text("<b>خبر محدث</b>", CHANNEL, mid, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified: specified new message"):
        await bot.edit_message_text("<b>خبر محدث</b>", CHANNEL, mid, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)^message to edit not found$"):
        await bot.edit_message_text("خبر", CHANNEL, mid + 100)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("اقرأ", url="https://e.com/1")]])
    await bot.edit_message_text(
        "<b>خبر محدث</b>", CHANNEL, mid, parse_mode="HTML", reply_markup=markup
    )

    assert isinstance(edited, telegram.Message)
    assert edited.edit_date is not None
    assert [(m.method, m.message_id, m.text) for m in fake.sent(CHANNEL)] == [
        ("sendMessage", mid, "خبر"),
        ("editMessageText", mid, "خبر محدث"),
        ("editMessageText", mid, "خبر محدث"),
    ]


async def test_edit_caption_flow(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    photo = await bot.send_photo(CHANNEL, "https://e.com/a.jpg", caption="قديم")
    text = await bot.send_message(CHANNEL, "نص")

    await bot.edit_message_caption(CHANNEL, photo.message_id, caption="جديد")
    with pytest.raises(BadRequest, match=r"(?i)there is no text in the message to edit"):
        await bot.edit_message_text("نص", CHANNEL, photo.message_id)
    with pytest.raises(BadRequest, match=r"(?i)there is no caption in the message to edit"):
        await bot.edit_message_caption(CHANNEL, text.message_id, caption="جديد")

    last = fake.sent(CHANNEL)[-1]
    assert (last.method, last.caption, last.photo) == (
        "editMessageCaption",
        "جديد",
        "https://e.com/a.jpg",
    )


# -- inline keyboards --------------------------------------------------------------------------


async def test_inline_keyboard_url_button_is_accepted(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("اقرأ المزيد", url="https://e.com/1")]])

    message = await bot.send_message(CHANNEL, "خبر", reply_markup=markup)

    assert message.reply_markup == markup
    assert fake.sent()[0].reply_markup == {
        "inline_keyboard": [[{"text": "اقرأ المزيد", "url": "https://e.com/1"}]]
    }


@pytest.mark.parametrize(
    ("button", "expected"),
    [
        (InlineKeyboardButton("نص"), "can't parse inline keyboard button: text buttons are"),
        (InlineKeyboardButton("x", callback_data="ب" * 33), "button_data_invalid"),
        (InlineKeyboardButton("x", url="ftp://e.com"), "inline keyboard button url 'ftp://e.com'"),
    ],
)
async def test_invalid_inline_buttons_are_rejected(
    bot: telegram.Bot, button: InlineKeyboardButton, expected: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(CHANNEL, "خبر", reply_markup=InlineKeyboardMarkup([[button]]))

    assert reason(caught.value).startswith(expected)


# -- updates and other methods -----------------------------------------------------------------


async def test_get_updates_honours_offset(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    first = fake.push_text(PRIVATE, PRIVATE, "/start")
    fake.push_text(PRIVATE, PRIVATE, "مرحبا")
    third = fake.push_text(-100, 5, "/subscribe سوريا", chat_type="group")

    everything = await bot.get_updates()
    after_first = await bot.get_updates(offset=first + 1, limit=1)
    remaining = await bot.get_updates()

    assert [u.update_id for u in everything] == [first, first + 1, third]
    assert everything[0].message is not None
    assert everything[0].message.entities[0].type == "bot_command"
    assert [u.update_id for u in after_first] == [first + 1]
    assert [u.update_id for u in remaining] == [first + 1, third]


async def test_long_poll_wakes_on_a_new_update(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    timer = threading.Timer(0.2, fake.push_text, args=(PRIVATE, PRIVATE, "/help"))
    timer.start()
    started = time.monotonic()

    updates = await bot.get_updates(timeout=5)

    timer.join()
    assert time.monotonic() - started < 3
    assert [u.message.text for u in updates if u.message] == ["/help"]


async def test_long_poll_times_out_empty(bot: telegram.Bot) -> None:
    assert await bot.get_updates(timeout=1) == ()


async def test_housekeeping_methods_are_accepted(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    assert await bot.delete_webhook()
    assert await bot.set_my_commands([("subscribe", "اشترك في التنبيهات")])
    assert [c.command for c in await bot.get_my_commands()] == ["subscribe"]
    assert await bot.answer_callback_query("cbq-1")
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("Subscribe!", "x")])


async def test_json_bodies_and_query_strings_are_read(
    fake: FakeBotAPI, raw: httpx.AsyncClient
) -> None:
    by_json = await raw.post("sendMessage", json={"chat_id": CHANNEL, "text": "<i>أ</i>"})
    by_query = await raw.get("SENDMESSAGE", params={"chat_id": "@syndicator_news", "text": "ب"})

    assert by_json.json()["ok"]
    assert by_query.json()["ok"]
    assert [(m.html, m.method) for m in fake.sent()] == [
        ("<i>أ</i>", "sendMessage"),
        ("ب", "sendMessage"),
    ]


# -- waiting and lifecycle ---------------------------------------------------------------------


async def test_waiting_for_messages(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    async def post_later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(CHANNEL, "أ")
        await bot.send_message(CHANNEL, "ب")

    task = asyncio.create_task(post_later())
    awaited = await fake.await_messages(CHANNEL, 2, timeout=5)
    await task
    blocking = await asyncio.to_thread(fake.wait_for_messages, CHANNEL, 2, 1.0)

    assert [m.text for m in awaited] == [m.text for m in blocking] == ["أ", "ب"]
    with pytest.raises(AssertionError, match="expected >= 3 messages"):
        fake.wait_for_messages(CHANNEL, 3, timeout=0.1)


def test_stop_ends_long_polls_and_frees_the_port() -> None:
    fake = FakeBotAPI().start()
    url = fake.base_url + DEFAULT_TOKEN + "/getUpdates"
    port = int(url.split(":")[2].split("/")[0])
    poll = threading.Thread(target=httpx.get, args=(url,), kwargs={"params": {"timeout": 30}})
    poll.start()
    time.sleep(0.2)

    started = time.monotonic()
    fake.stop()
    poll.join(timeout=5)

    assert time.monotonic() - started < 2
    assert not poll.is_alive()
    assert not any(t.name == "fake-bot-api" for t in threading.enumerate())
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))


# -- faults ------------------------------------------------------------------------------------


async def test_slow_answer_after_posting_can_be_waited_for(fake: FakeBotAPI) -> None:
    fake.slow("sendMessage", 30, skip=1)
    async with telegram.Bot(DEFAULT_TOKEN, base_url=fake.base_url) as client:
        await client.send_message(CHANNEL, "أ")  # skipped: answered at once
        pending = asyncio.create_task(client.send_message(CHANNEL, "ب"))
        calls = await asyncio.to_thread(fake.wait_for_calls, "sendMessage", 2, 10, held=True)
        assert [c.status for c in calls] == [200, 200]
        assert [m.text for m in fake.sent(CHANNEL)] == ["أ", "ب"]  # posted, answer held
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending


async def test_dropped_connection_after_posting(bot: telegram.Bot, fake: FakeBotAPI) -> None:
    fake.drop("sendMessage")
    with pytest.raises(telegram.error.NetworkError):
        await bot.send_message(CHANNEL, "أ")
    fake.drop("sendMessage", processed=False)
    with pytest.raises(telegram.error.NetworkError):
        await bot.send_message(CHANNEL, "ب")
    await bot.send_message(CHANNEL, "ج")
    assert [m.text for m in fake.sent(CHANNEL)] == ["أ", "ج"]


async def test_down_refuses_connections_and_up_listens_on_the_same_port(fake: FakeBotAPI) -> None:
    url = fake.base_url
    fake.down()
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url + DEFAULT_TOKEN + "/getMe")
        fake.up()
        assert fake.base_url == url
        answer = await client.get(url + DEFAULT_TOKEN + "/getMe")
    assert answer.json()["ok"] is True


async def test_calls_and_messages_carry_the_fakes_clock(
    bot: telegram.Bot, fake: FakeBotAPI
) -> None:
    clock = fake.clock = Clock()
    fake.channel_per_minute = 1
    await bot.send_message(CHANNEL, "أ")
    clock.now += 5
    with pytest.raises(RetryAfter):
        await bot.send_message(CHANNEL, "ب")
    [message] = fake.sent(CHANNEL)
    assert message.at == 1000.0
    limited = fake.calls[-1]
    assert (limited.status, limited.at, limited.retry_after) == (429, 1005.0, 55)
