"""Security, end to end: the real service (App.run: scheduler, collector, feed server,
dispatcher, bot commands) between loopback sources and the fake Telegram Bot API.

- Script and markup from sources never reach readers in a form that runs. The hostile site
  (`tests.fakes.hostile`: /markup.xml, /markup.atom, /markup.json, /markup/page) puts
  `<script>`, event handlers, `javascript:`/`vbscript:`/`data:` URLs, frames, forms, `<svg>`,
  `<math>`, `<style>`, `<base>`, `<meta refresh>` and entity-escaped markup in titles,
  summaries, contents, links and images; source, category and site names carry markup too.
  Every document the server offers (each RSS, Atom and JSON feed, the index and category
  pages, the OPML), every file of the static export and every message the fake Bot API
  received are then checked by parsing them, as a reader would:
  * HTML (pages; RSS `description` and `content:encoded`, Atom `content type="html"`, JSON
    Feed `content_html`, each parsed after the one unescaping their format implies): no
    element that runs, frames, embeds, submits or redirects, no `on*` or `style`
    attribute, and every `href`/`src`/`action`/... an absolute http(s) URL;
  * plain-text fields (titles, RSS descriptions, names, OPML outlines): no `<` that starts a
    tag, so even a reader that takes an RSS title for HTML finds no element in it;
  * Telegram messages: only Telegram's entities (the fake parses the HTML strictly, see
    tests/fakes/telegram_html.py), links, buttons and previews only to http(s) URLs.
  Markup in titles is removed, not shown as text (`syndicator.normalize.plain_line` says
  why); the words around it stay readable in every output. An item whose link is
  `javascript:`, `data:` or `vbscript:` is dropped (a note in the log), so nothing links to it.
- The bot token never appears in logs (text and JSON, at DEBUG, through a failed send, a
  refused connection, an outage of getUpdates and bot commands), in the delivery errors
  raised (with their chained causes), in /metrics, /readyz or /healthz, in the database, or in
  what `syndicator status`, `config export` and `config validate` print.
- The HTTP server is read-only: its routes accept GET and HEAD only (a new route with another
  method fails here on purpose); every other method on every route, and any method on
  unknown paths, is answered 405 or 404 over a real socket, and the database and the files
  stay exactly as they were.
Operator commands refused to everyone else: tests/bot/test_commands.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import re
import sqlite3
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import lxml.html
import pytest
from lxml import etree
from starlette.routing import Route
from typer.testing import CliRunner, Result

from bot.format import TITLE_LIMIT, Message
from bot.telegram import TelegramSender, build_bot
from feeds.export import export
from syndicator import logs
from syndicator.app import App
from syndicator.cli import cli
from syndicator.config import TOKEN_ENV, settings_from_mapping
from syndicator.errors import DeliveryError
from syndicator.normalize import MAX_TITLE
from tests.fakes.bot_api import FakeBotAPI, SentMessage
from tests.fakes.hostile import MARKUP_ARTICLES, MARKUP_WORDS, HostileServer
from tests.fakes.news_site import SampleSite
from tests.test_end_to_end import running
from tests.waiting import eventually

TOKEN = "123456:SECRET-TOKEN-xyz"
SECRET_PART = TOKEN.split(":", 1)[1]
CHAT = -1003000000001
ONE_BY_ONE = -1003000000002  # a channel that gets every article as its own post
OPERATOR, STRANGER = 7101, 7102
LOOPBACK = {"allow_networks": ["127.0.0.0/8", "::1"], "per_host_delay": 0.0}
NAMED = "<script>alert('name')</script>"  # in the site's, category's and sources' names

# What no HTML a reader renders may hold: elements that run, frame, embed, submit, redirect
# or restyle the page, attributes that run or restyle, and URLs other than http(s).
FORBIDDEN = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "base", "meta", "link", "style", "svg", "math", "template",
    "noscript", "portal",
})  # fmt: skip
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "data", "poster", "background", "cite", "srcset",
    "longdesc", "usemap", "xmlurl", "htmlurl", "url",
})  # fmt: skip
TAG_START = re.compile(r"<[A-Za-z/!?]")
ENTITIES = frozenset({
    "bold", "italic", "underline", "strikethrough", "spoiler", "text_link", "code", "pre",
    "blockquote",
})  # fmt: skip


# -- checks: what a reader would parse --------------------------------------------------------


def is_web_url(value: str) -> bool:
    """Absolute http(s), read as a browser reads it (spaces and controls inside ignored)."""
    squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
    return squeezed.startswith(("http://", "https://")) and bool(urlsplit(squeezed).netloc)


def assert_plain(text: str | None, where: str) -> None:
    """Plain text: read once more as HTML, it holds no element."""
    assert not TAG_START.search(text or ""), f"markup in {where}: {(text or '')[:120]!r}"


def assert_inert_tree(root: Any, where: str, allowed: frozenset[str] = frozenset()) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment or a processing instruction
        tag = etree.QName(element).localname.lower()
        assert tag not in FORBIDDEN - allowed, f"<{tag}> in {where}"
        for name, value in element.attrib.items():
            attribute = etree.QName(name).localname.lower()
            assert not attribute.startswith("on"), f"{tag} {attribute}= in {where}"
            assert attribute != "style", f"{tag} style= in {where}"
            if attribute in URL_ATTRIBUTES:
                assert is_web_url(value), f"{tag} {attribute}={value!r} in {where}"


def assert_inert_html(fragment: str | None, where: str) -> None:
    """An HTML fragment as a reader renders it."""
    if fragment and fragment.strip():
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        assert_inert_tree(root, where)


def assert_inert_page(body: bytes, where: str) -> None:
    """One of our pages: the body as strictly as any fragment; the head holds only our own
    title, meta charset/viewport, feed links (and the empty data: favicon) and one style."""
    document = lxml.html.document_fromstring(body)
    [head] = document.findall("head")
    [body_element] = document.findall("body")
    assert_inert_tree(body_element, where)
    assert [e.tag for e in head.iter("style", "script")] == ["style"], where
    for element in head:
        assert element.tag in ("meta", "title", "link", "style"), f"<{element.tag}> in {where}"
        assert not any(a.startswith("on") for a in element.attrib), where
        assert "http-equiv" not in element.attrib, where
        if element.tag == "link":
            href = element.get("href", "")
            assert is_web_url(href) or (element.get("rel"), href) == ("icon", "data:,"), href
    assert_plain(head.findtext("title"), f"{where} <title>")


def assert_inert_xml(root: Any, where: str) -> None:
    """Any XML document: no element of the XHTML namespace, links to http(s) only."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element)
        assert name.namespace != "http://www.w3.org/1999/xhtml", f"XHTML in {where}"
        for attribute, value in element.attrib.items():
            if etree.QName(attribute).localname.lower() in URL_ATTRIBUTES:
                assert is_web_url(value), f"{name.localname} {attribute}={value!r} in {where}"
        if name.localname in ("link", "comments", "docs") and element.text and not len(element):
            assert is_web_url(element.text), f"<{name.localname}>{element.text!r} in {where}"


def check_rss(body: bytes, where: str) -> list[str]:
    root = etree.fromstring(body)
    assert_inert_xml(root, where)
    titles = []
    for node in root.iter("channel", "item"):
        title = node.findtext("title")
        assert_plain(title, f"{where} title")
        assert_plain(node.findtext("description"), f"{where} description")
        assert_inert_html(node.findtext("description"), f"{where} description")
        encoded = node.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
        assert_inert_html(encoded, f"{where} content:encoded")
        assert_plain(node.findtext("{http://purl.org/dc/elements/1.1/}creator"), where)
        if node.tag == "item":
            assert len(title or "") <= MAX_TITLE, f"a title of {len(title or '')} characters"
            titles.append(title or "")
    return titles


def check_atom(body: bytes, where: str) -> list[str]:
    atom = "{http://www.w3.org/2005/Atom}"
    root = etree.fromstring(body)
    assert_inert_xml(root, where)
    titles = []
    for node in root.iter(f"{atom}feed", f"{atom}entry"):
        for field in ("title", "subtitle", "summary", "content"):
            element = node.find(f"{atom}{field}")
            if element is None:
                continue
            if element.get("type", "text") == "html":
                assert_inert_html(element.text, f"{where} {field}")
            else:
                assert element.get("type", "text") == "text", f"{where} {field} type"
                assert_plain(element.text, f"{where} {field}")
        for name in node.iter(f"{atom}name"):
            assert_plain(name.text, f"{where} author")
        if node.tag == f"{atom}entry":
            titles.append(node.findtext(f"{atom}title") or "")
    return titles


def check_json_feed(body: bytes, where: str) -> list[str]:
    document = json.loads(body)
    links = ("home_page_url", "feed_url", "next_url", "icon", "favicon")
    for key in links:
        if key in document:
            assert is_web_url(document[key]), f"{key} in {where}"
    assert_plain(document["title"], f"{where} title")
    assert_plain(document.get("description"), f"{where} description")
    for item in document["items"]:
        for key in ("url", "external_url", "image", "banner_image"):
            if key in item:
                assert is_web_url(item[key]), f"{key}={item[key]!r} in {where}"
        for key in ("title", "summary", "content_text"):
            assert_plain(item.get(key), f"{where} {key}")
        assert_inert_html(item.get("content_html"), f"{where} content_html")
        for author in item.get("authors", []):
            assert_plain(author.get("name"), f"{where} author")
        assert len(item["title"]) <= MAX_TITLE
    return [item["title"] for item in document["items"]]


def check_opml(body: bytes, where: str) -> None:
    root = etree.fromstring(body)
    assert_inert_xml(root, where)
    assert_plain(root.findtext("head/title"), f"{where} title")
    for outline in root.iter("outline"):
        assert_plain(outline.get("text"), f"{where} outline")
        assert_plain(outline.get("title"), f"{where} outline")


def check_document(path: str, body: bytes) -> list[str]:
    """Check one served or exported document by its path; the item titles of a feed."""
    if path.endswith(".rss"):
        return check_rss(body, path)
    if path.endswith(".atom"):
        return check_atom(body, path)
    if path.endswith(".json"):
        return check_json_feed(body, path)
    if path.endswith(".opml"):
        check_opml(body, path)
    elif path.endswith((".html", "/")):
        assert_inert_page(body, path)
    else:
        raise AssertionError(f"a document of unknown kind: {path}")
    return []


def check_message(message: SentMessage) -> None:
    """A message as Telegram shows it: entities only, links only to web pages."""
    where = f"message {message.message_id}"
    assert message.parse_mode == "HTML", where
    for entity in message.entities:
        assert entity["type"] in ENTITIES, f"{entity['type']} in {where}"
        if entity["type"] == "text_link":
            assert is_web_url(entity["url"]), f"{entity['url']!r} in {where}"
        if entity["type"] == "bold":  # the title (after a right-to-left mark)
            assert entity["length"] <= TITLE_LIMIT + 1, where
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    for button in (b for row in rows for b in row):
        assert is_web_url(button["url"]), f"button {button!r} in {where}"
    preview = message.link_preview_options or {}
    if preview.get("url"):
        assert is_web_url(preview["url"]), where
    if message.photo:
        assert is_web_url(message.photo), where


# -- the hostile markup, end to end ------------------------------------------------------------


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture
def telegram() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token=TOKEN, rate_limits=False) as fake:
        fake.add_chat(CHAT, title="قناة الأخبار")
        fake.add_chat(ONE_BY_ONE, title="قناة كل خبر")
        yield fake


def markup_config(tmp_path: Path, hostile: HostileServer, telegram: FakeBotAPI) -> dict[str, Any]:
    source = {"categories": ["world"], "interval": 60}
    return {
        "database": {"url": f"sqlite:///{tmp_path / 'security.db'}"},
        "http": {"host": "127.0.0.1", "port": 0},
        "fetch": LOOPBACK,
        "feeds": {"title": f"أخبار {NAMED}"},
        "telegram": {"base_url": telegram.base_url, "per_chat_interval": 0.0, "commands": False},
        "categories": [{"slug": "world", "name": f"العالم {NAMED}"}],
        "sources": [
            {**source, "id": "rss", "name": f"آر إس إس {NAMED}", "url": hostile.url("/markup.xml")},
            {**source, "id": "atom", "name": f"أتوم {NAMED}", "url": hostile.url("/markup.atom")},
            {**source, "id": "json", "name": f"جيسون {NAMED}", "url": hostile.url("/markup.json")},
        ],
        "channels": [
            # Posts that pile up: the newest three, and a digest of the rest (the default).
            {"id": "world", "chat_id": CHAT, "categories": ["world"]},
            {"id": "all", "chat_id": ONE_BY_ONE, "categories": ["world"], "backlog_newest": 50},
        ],
    }


async def test_script_and_markup_never_reach_readers_unescaped(
    hostile: HostileServer, telegram: FakeBotAPI, tmp_path: Path
) -> None:
    raw = markup_config(tmp_path, hostile, telegram)
    settings = settings_from_mapping(raw, tmp_path / "security.toml", env={TOKEN_ENV: TOKEN})
    async with App(settings) as app, running(app) as base, httpx.AsyncClient() as http:

        async def all_sent() -> bool:
            counts = await app.store.outbox.counts()  # digested posts count as sent
            return counts == {"sent": 2 * MARKUP_ARTICLES}

        await eventually(all_sent, within=30)
        assert await app.store.articles.count() == MARKUP_ARTICLES

        paths = [path async for path, _ in app.feed_catalog().documents()]
        assert {"/", "/c/world/", "/feeds.opml", "/feeds/all.rss", "/feeds/source/json.json"} <= (
            set(paths)
        )
        served: dict[str, list[str]] = {}
        bodies: dict[str, bytes] = {}
        for path in paths:
            answer = await http.get(base + path)
            assert answer.status_code == 200, path
            served[path], bodies[path] = check_document(path, answer.content), answer.content

        exported = tmp_path / "export"
        done = await export(app.feed_catalog(), exported)
        assert done.total == len(paths)
        for file in sorted(p for p in exported.rglob("*") if p.is_file()):
            relative = "/" + file.relative_to(exported).as_posix()
            check_document(relative.removesuffix("index.html") or "/", file.read_bytes())

    # Readable: the words around the markup are in the titles of every format, and the
    # 100,000-character title is cut.
    for fmt in ("rss", "atom", "json"):
        titles = served[f"/feeds/all.{fmt}"]
        assert len(titles) == MARKUP_ARTICLES, fmt
        for words in MARKUP_WORDS:
            assert any(words in title for title in titles), (fmt, words)
        assert max(len(t) for t in titles) > MAX_TITLE - 30, "the long title is missing"
    page = lxml.html.document_fromstring(bodies["/c/world/"]).text_content()
    assert all(words in page for words in MARKUP_WORDS), page
    # Not vacuous: the articles' HTML made it into the feeds, cleaned, with its links.
    encoded = etree.fromstring(bodies["/feeds/all.rss"]).iter(
        "{http://purl.org/rss/1.0/modules/content/}encoded"
    )
    contents = [element.text or "" for element in encoded]
    assert len(contents) == MARKUP_ARTICLES
    assert all("<p>" in content for content in contents)
    assert sum('<a href="http' in content for content in contents) >= MARKUP_ARTICLES // 2

    posts, digested = telegram.sent(ONE_BY_ONE), telegram.sent(CHAT)
    assert len(posts) == MARKUP_ARTICLES
    # Posts, and digests of what came in faster than the channel posts (how many of each
    # depends on when each source was polled).
    assert 4 <= len(digested) <= MARKUP_ARTICLES
    for message in [*posts, *digested]:
        check_message(message)
    for words in MARKUP_WORDS:
        assert any(words in (m.text or "") for m in posts), words


async def test_an_item_whose_link_is_not_a_web_address_is_dropped_with_a_note(
    hostile: HostileServer, telegram: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """javascript:, data: and vbscript: links: no article, so nothing anywhere links to them."""
    raw = markup_config(tmp_path, hostile, telegram)
    settings = settings_from_mapping(raw, tmp_path / "security.toml", env={})
    caplog.set_level(logging.INFO, logger="syndicator.sources.feed")
    async with App(settings) as app:
        await app.prepare()
        results = await app.collect()
        assert [r.error for r in results] == [None, None, None]
        urls = [a.url for a in await app.store.articles.recent(None, 100, one_per_story=False)]
    assert len(urls) == MARKUP_ARTICLES
    assert all(is_web_url(url) for url in urls), urls
    notes = [r.getMessage() for r in caplog.records if r.name == "syndicator.sources.feed"]
    assert len(notes) == 6, notes  # three in the RSS feed, one in Atom, two in JSON Feed
    for scheme in ("javascript:", "data:", "vbscript:"):
        assert any(scheme in note for note in notes), scheme
    assert all(note.startswith(("source rss:", "source atom:", "source json:")) for note in notes)


# -- the bot token -----------------------------------------------------------------------------


@contextlib.contextmanager
def restored_logging() -> Iterator[None]:
    """Put the root logger's level and handlers and the quiet loggers' levels back."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    quiet = {name: logging.getLogger(name).level for name in logs.QUIET}
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
        root.setLevel(level)
        for name, was in quiet.items():
            logging.getLogger(name).setLevel(was)


@contextlib.contextmanager
def service_logs() -> Iterator[dict[str, io.StringIO]]:
    """Logging as `syndicator --log-level DEBUG` sets it up (the token among the secrets),
    into a buffer per format: text, and JSON lines."""
    buffers = {fmt: io.StringIO() for fmt in logs.FORMATS}
    with restored_logging():
        logs.configure("DEBUG", "text", secrets=[TOKEN], stream=buffers["text"])
        also = logging.StreamHandler(buffers["json"])
        also.setFormatter(logs.formatter("json", [TOKEN]))
        logging.getLogger().addHandler(also)
        yield buffers


def assert_no_token(text: str, where: str) -> None:
    assert TOKEN not in text, f"the token in {where}"
    assert SECRET_PART not in text, f"the token's secret in {where}"


def dump(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read-only."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in sorted(names)
        }


async def test_the_bot_token_never_shows_in_logs_errors_metrics_or_the_store(
    empty_site: SampleSite, telegram: FakeBotAPI, tmp_path: Path
) -> None:
    database = tmp_path / "token.db"
    raw = {
        "database": {"url": f"sqlite:///{database}"},
        "http": {"host": "127.0.0.1", "port": 0},
        "fetch": LOOPBACK,
        "telegram": {
            "base_url": telegram.base_url,
            "per_chat_interval": 0.0,
            "private_chat_interval": 0.0,
            "operators": [OPERATOR],
        },
        "categories": [{"slug": "syria", "name": "الشأن السوري", "aliases": ["سوريا"]}],
        "sources": [
            {"id": "sham", "name": "أخبار الشام", "url": empty_site.feed_url(), "interval": 1}
        ],
        "channels": [{"id": "syria", "chat_id": CHAT, "categories": ["syria"], "image": False}],
    }
    settings = settings_from_mapping(raw, tmp_path / "token.toml", env={TOKEN_ENV: TOKEN})
    raised: list[BaseException] = []
    with service_logs() as logged:
        async with App(settings) as app, running(app) as base, httpx.AsyncClient() as http:
            # A send that fails with a 500: the outcome is unknown.
            telegram.fail_next("sendMessage", status=500, description="Internal Server Error")
            empty_site.publish_next("syria")
            await eventually(lambda: _outbox(app, {"unknown": 1}))
            # Bot commands: an operator's and a stranger's.
            telegram.push_text(OPERATOR, OPERATOR, "/status")
            telegram.push_text(STRANGER, STRANGER, "/addsource http://x.invalid/")
            await telegram.await_messages(STRANGER, 1, 15.0)
            # An outage: sends and getUpdates find the connection refused.
            telegram.down()
            empty_site.publish_next("syria")
            await eventually(lambda: _logged(logged["text"], "Telegram not reached"))
            telegram.up()
            await eventually(lambda: _outbox(app, {"unknown": 1, "sent": 1}))
            bodies = {
                p: (await http.get(base + p)).text for p in ("/metrics", "/readyz", "/healthz")
            }
            assert "syndicator_" in bodies["/metrics"]

        # The errors a sender raises, with their chained causes.
        bot = build_bot(TOKEN, telegram.base_url)
        async with bot:
            sender = TelegramSender(bot)
            telegram.fail_next("sendMessage", status=500, description="Internal Server Error")
            telegram.fail_next("sendMessage", status=401, description="Unauthorized")
            telegram.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
            for _ in range(3):
                with pytest.raises(DeliveryError) as failed:
                    await sender.send(str(CHAT), Message("<b>عاجل</b>"))
                raised.append(failed.value)
            telegram.down()
            with pytest.raises(DeliveryError) as refused:
                await sender.send(str(CHAT), Message("<b>عاجل</b>"))
            raised.append(refused.value)
            telegram.up()

    for fmt, buffer in logged.items():
        text = buffer.getvalue()
        assert "Telegram not reached" in text, fmt  # the log saw the outage ...
        assert "/addsource" in text, fmt  # ... and the refused command
        assert_no_token(text, f"the {fmt} log")
        assert "HTTP Request:" not in text, "httpx request lines logged"
    assert len(raised) == 4
    for error in raised:
        shown = "".join(traceback.format_exception(error))
        assert_no_token(shown + repr(error), f"{type(error).__name__}: {error}")
    for path, body in bodies.items():
        assert_no_token(body, path)
    assert_no_token(repr(dump(database)), "the database")


async def test_the_token_would_be_blanked_even_if_httpx_logged_requests(
    telegram: FakeBotAPI,
) -> None:
    """The second line of defence: with the httpx logger forced to DEBUG (its request lines
    carry the Bot API URL, token included), what is written shows *** instead."""
    with service_logs() as logged:
        logging.getLogger("httpx").setLevel(logging.DEBUG)
        async with build_bot(TOKEN, telegram.base_url) as bot:
            await bot.get_me()
    for fmt, buffer in logged.items():
        text = buffer.getvalue()
        assert f"/bot{logs.REDACTED}/getMe" in text, fmt  # the request line, blanked
        assert_no_token(text, f"the {fmt} log")


def syndicator_cli(*args: str) -> Result:
    """The command line in this process (as `syndicator --log-level DEBUG ...`), the token
    in the environment as an operator sets it."""
    with restored_logging():
        return CliRunner().invoke(
            cli, ["--log-level", "DEBUG", *args], env={TOKEN_ENV: TOKEN, "COLUMNS": "200"}
        )


def test_the_bot_token_never_shows_in_status_or_config_export(tmp_path: Path) -> None:
    """`syndicator status` and `config export` with the token set; a config file that tries
    to hold the token is refused without repeating it."""
    database = tmp_path / "cli.db"
    config = tmp_path / "syndicator.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{database}"\n\n[logging]\nformat = "json"\n\n'
        '[telegram]\noperators = [7101]\n\n[[categories]]\nslug = "syria"\nname = "سوريا"\n\n'
        '[[channels]]\nid = "syria"\nchat_id = -1003000000001\ncategories = ["syria"]\n',
        encoding="utf-8",
    )
    runs = {
        "config apply": syndicator_cli("--config", str(config), "config", "apply", "--yes"),
        "config export": syndicator_cli("--config", str(config), "config", "export"),
        "status": syndicator_cli("--config", str(config), "status"),
        "status --json": syndicator_cli("--config", str(config), "status", "--json"),
    }
    assert "[[channels]]" in runs["config export"].stdout
    for name, run in runs.items():
        assert run.exit_code == 0, (name, run.output)
        assert '"level": "DEBUG"' in run.stderr, name  # logged as the file says, at DEBUG
        assert_no_token(run.stdout + run.stderr, name)

    holding = tmp_path / "with-token.toml"
    holding.write_text(
        config.read_text(encoding="utf-8").replace(
            "[telegram]\n", f'[telegram]\ntoken = "{TOKEN}"\nbot_token = "{TOKEN}"\n'
        ),
        encoding="utf-8",
    )
    for args in (("config", "validate"), ("config", "export"), ("status",)):
        refused = syndicator_cli("--config", str(holding), *args)
        assert refused.exit_code == 2, (args, refused.output)
        assert "telegram.token" in refused.stderr or "telegram.bot_token" in refused.stderr
        assert_no_token(refused.stdout + refused.stderr, " ".join(args))


async def _outbox(app: App, expected: dict[str, int]) -> bool:
    return dict(await app.store.outbox.counts()) == expected


async def _logged(buffer: io.StringIO, text: str) -> bool:
    return text in buffer.getvalue()


# -- the HTTP server writes nothing --------------------------------------------------------------

WRITES = ("POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "MKCOL")
UNKNOWN = (
    "/admin", "/api/sources", "/feeds", "/feeds/", "/feeds/syria", "/config", "/shutdown",
    "/feeds/syria.rss/edit", "/metrics/reset", "/c/", "/feeds/source/", "/.env",
)  # fmt: skip


def files(directory: Path) -> dict[str, bytes]:
    """Every file but the database and its journal (compared table by table instead)."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not p.name.startswith("server.db")
    }


async def test_the_feed_server_accepts_only_get_and_head_and_writes_nothing(
    site: SampleSite, tmp_path: Path
) -> None:
    database = tmp_path / "server.db"
    raw = {
        "database": {"url": f"sqlite:///{database}"},
        "http": {"host": "127.0.0.1", "port": 0},
        "fetch": LOOPBACK,
        "categories": [{"slug": "syria", "name": "الشأن السوري", "aliases": ["سوريا"]}],
        "sources": [{"id": "sham", "name": "أخبار الشام", "url": site.feed_url()}],
    }
    settings = settings_from_mapping(raw, tmp_path / "server.toml", env={})
    async with App(settings) as app:
        await app.prepare()
        [polled] = await app.collect()
        assert polled.new > 0
        routes = app.feed_server().app().routes
        assert all(isinstance(route, Route) for route in routes), routes  # no mounted app
        methods = {m for route in routes if isinstance(route, Route) for m in route.methods or ()}
        assert methods == {"GET", "HEAD"}
        values = {"slug": "syria", "fmt": "rss", "key": "sham", "page": 1}
        paths = [r.path_format.format(**values) for r in routes if isinstance(r, Route)]
        assert {"/", "/c/syria/", "/feeds.opml", "/metrics", "/healthz", "/readyz"} <= set(paths)

        stop, ready = asyncio.Event(), asyncio.Event()
        service = asyncio.create_task(app.run(stop, collect=False, dispatch=False, ready=ready))
        await asyncio.wait_for(ready.wait(), 30)
        base = f"http://127.0.0.1:{app.bound_port}"
        try:
            # A connection per request: with keep-alive each answer waits ~40 ms for a
            # delayed ACK on loopback, and there are about 200 of them.
            close = {"Connection": "close"}
            async with httpx.AsyncClient(base_url=base, headers=close) as http:
                for path in paths:  # the routes answer reads
                    assert (await http.get(path)).status_code in (200, 404), path
                rows, written = dump(database), files(tmp_path)
                for method in WRITES:
                    for path in paths:
                        answer = await http.request(method, path, json={"id": "x", "url": "y"})
                        assert answer.status_code == 405, (method, path, answer.status_code)
                        assert set(answer.headers["allow"].split(", ")) == {"GET", "HEAD"}
                    for path in UNKNOWN:
                        answer = await http.request(method, path, content=b"id=x&url=y")
                        assert answer.status_code == 404, (method, path, answer.status_code)
                for path in UNKNOWN:
                    assert (await http.get(path)).status_code == 404, path
        finally:
            stop.set()
            await asyncio.wait_for(service, 30)
    assert dump(database) == rows
    assert files(tmp_path) == written
