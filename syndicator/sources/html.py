"""Source kind `html` (pure): a listing page (home, category, "latest news") -> article links.

The last resort for sites with no feed, API or sitemap. Links are chosen by the source's
`link_selector` (CSS, via lxml's cssselect), else its `link_pattern` (a regular expression
searched in the absolute URL), else a heuristic for WordPress-style article URLs: same host,
a date (``/2024/05/``), a numeric id or a long slug in the path, and none of the archive,
feed or admin paths. Entries carry only a URL and the anchor's title: the pipeline fetches
and extracts the article itself. Duplicate links keep their first position and the best
title any of their anchors gives (a theme repeats a link on the image, the title and «اقرأ
المزيد»): anchor text, then a title attribute, then an image's alt text; a generic «read more»
is no title, so the pipeline takes the one of the article page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import lxml.html
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from syndicator import arabic, encoding
from syndicator.errors import ParseError
from syndicator.model import Entry, Source

_SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "sms:", "whatsapp:", "#")
_ARCHIVE_PATHS = (
    "category tag tags author page feed rss atom comments wp-admin wp-content wp-includes "
    "wp-json wp-login.php search attachment amp"
)
_ARCHIVE = frozenset(_ARCHIVE_PATHS.split())
_FILES = re.compile(r"\.(jpe?g|png|gif|webp|svg|pdf|zip|rar|mp[34]|xml|rss|json|css|js)$", re.I)
_YEAR = re.compile(r"^(19|20)\d{2}$")
_MONTH = re.compile(r"^(0?[1-9]|1[0-2])$")
_DIGITS = re.compile(r"\d+")
_ID_QUERY = re.compile(r"(^|&)(p|id|nid|article|articleid|news_id|newsid)=\d+", re.I)
_SLUG_WORDS = 4
_GENERIC = frozenset(
    arabic.normalize(text)
    for text in (
        "اقرأ المزيد",
        "المزيد",
        "قراءة المزيد",
        "تابع القراءة",
        "أكمل القراءة",
        "التفاصيل",
        "اقرأ أيضا",
        "read more",
        "more",
        "continue reading",
    )
)


def document(body: bytes, url: str, content_type: str = "") -> tuple[etree._Element, str]:
    """The parsed HTML page and its base URL (``<base href>`` resolved against `url`)."""
    text = encoding.decode(body, content_type)
    if not text.strip():
        raise ParseError(f"{url}: empty HTML page")
    parser = lxml.html.HTMLParser(encoding="utf-8", no_network=True)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"{url}: not a readable HTML page: {exc}") from None
    base = root.xpath("string(//base[@href][1]/@href)").strip()
    return root, urljoin(url, base) if base else url


def parse_listing(body: bytes, source: Source, url: str, content_type: str = "") -> list[Entry]:
    """Entries (url, guid, title) for the article links of one listing page, in page order."""
    root, base = document(body, url, content_type)
    if source.link_selector:
        try:
            selector = CSSSelector(source.link_selector, translator="html")
        except SelectorError as exc:
            raise ParseError(
                f"{url}: invalid link_selector {source.link_selector!r}: {exc}"
            ) from None
        anchors = [
            anchor
            for element in selector(root)
            for anchor in ([element] if element.tag == "a" else element.iterdescendants("a"))
        ]
        links = _links(anchors, base, lambda link: True)
    elif source.link_pattern:
        try:
            pattern = re.compile(source.link_pattern)
        except re.error as exc:
            raise ParseError(
                f"{url}: invalid link_pattern {source.link_pattern!r}: {exc}"
            ) from None
        links = _links(root.iter("a"), base, lambda link: bool(pattern.search(link)))
    else:
        page = urldefrag(url).url
        links = _links(
            root.iter("a"),
            base,
            lambda link: link != page and looks_like_article(link, url),
            fragments=False,
        )
    return [
        Entry(source_id=source.id, guid=link, url=link, title=title)
        for link, title in links.items()
    ]


def looks_like_article(link: str, page_url: str) -> bool:
    """Whether `link` looks like an article of the site `page_url` belongs to."""
    parts = urlsplit(link)
    if _host(parts.hostname) != _host(urlsplit(page_url).hostname):
        return False
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if any(s.lower() in _ARCHIVE for s in segments) or (segments and _FILES.search(segments[-1])):
        return False
    if _ID_QUERY.search(parts.query):
        return True
    if not segments:
        return False
    for i in range(len(segments) - 2):  # /2024/05/slug or /2024/05/01/slug
        if _YEAR.match(segments[i]) and _MONTH.match(segments[i + 1]):
            rest = [s for s in segments[i + 2 :] if not s.isdigit() or len(s) > 2]
            if rest:
                return True
    if any(_is_id(run) for s in segments for run in _DIGITS.findall(s)):
        return True
    slug = re.sub(r"\.\w{2,5}$", "", segments[-1])
    return len([word for word in re.split(r"[-_+ ]+", slug) if word]) >= _SLUG_WORDS


def _is_id(digits: str) -> bool:
    """Five digits or more, or four that are not a year (``/elections-2024/`` is no article)."""
    return len(digits) >= 5 or (len(digits) == 4 and not _YEAR.match(digits))


def _host(hostname: str | None) -> str:
    host = (hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _links(
    anchors: Iterable[etree._Element],
    base: str,
    keep: Callable[[str], bool],
    *,
    fragments: bool = True,
) -> dict[str, str]:
    """Absolute link -> best title, in order of first appearance; `fragments=False` skips
    links with a ``#fragment`` (comment anchors, jump links)."""
    found: dict[str, tuple[int, str]] = {}
    for anchor in anchors:
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        link, fragment = urldefrag(urljoin(base, href))
        if (fragment and not fragments) or not link.startswith(("http://", "https://")):
            continue
        if not keep(link):
            continue
        title = _title(anchor)
        if link not in found or title[0] > found[link][0]:
            found[link] = title
    return {link: title for link, (_, title) in found.items()}


def _title(anchor: etree._Element) -> tuple[int, str]:
    """(rank, title): the anchor's text, else its title attribute, else its image's alt.

    Texts every teaser repeats («اقرأ المزيد», "read more") are no title at all: the
    pipeline then takes the title from the article page.
    """
    alts = anchor.xpath(".//img/@alt")
    candidates = (anchor.text_content(), anchor.get("title") or "", str(alts[0]) if alts else "")
    for rank, candidate in zip((3, 2, 1), candidates, strict=True):
        title = arabic.clean_line(candidate)
        if title and arabic.normalize(title).strip(" »«>.…") not in _GENERIC:
            return rank, title
    return 0, ""
