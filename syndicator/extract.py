"""Extraction stage (pure): article HTML -> clean text, safe HTML and page metadata.

Feeds often carry only an excerpt, so the collector fetches the article page and hands the
bytes here. trafilatura finds the main text; then the leftovers that Arabic WordPress themes
put around it («مقالات ذات صلة», «زر الذهاب إلى الأعلى», share prompts, stray ad ids) are
removed line by line (`syndicator.boilerplate`), because trafilatura keeps some of them as if
they were paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from urllib.parse import urljoin

import lxml.html
import nh3
import readability
import trafilatura
from lxml import etree

from syndicator.arabic import clean, clean_line, normalize, scrub
from syndicator.boilerplate import strip_boilerplate
from syndicator.encoding import decode

__all__ = ["Extracted", "extract_page", "html_to_text", "sanitize_html", "strip_boilerplate"]

_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr",
    "table", "ul", "ol", "section", "article", "figure",
})  # fmt: skip
_ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "s", "a", "ul", "ol", "li", "blockquote",
    "h2", "h3", "h4", "figure", "figcaption", "img", "code", "pre", "table", "tr", "td", "th",
}  # fmt: skip
FALLBACK_BELOW = 200  # characters of text under which readability is tried as well
_PUBLISHED_META = re.compile(
    r"<meta[^>]+property=[\"']article:published_time[\"'][^>]+content=[\"']([^\"']+)", re.IGNORECASE
)
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}}


@dataclass(frozen=True)
class Extracted:
    """The main content of one article page."""

    text: str
    html: str
    title: str = ""
    author: str = ""
    image: str | None = None
    categories: tuple[str, ...] = ()
    published: datetime | None = None


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, one paragraph per block element, cleaned."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean(re.sub(r"<[^>]*>", " ", html))
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
            element.tail = "\n\n" + (element.tail or "")
    return clean(str(root.text_content()))


def text_to_html(text: str) -> str:
    """Paragraphs of plain text as escaped `<p>` elements."""
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p)


def sanitize_html(html: str, base_url: str) -> str:
    """Allowlisted HTML for feed content: no scripts, styles or handlers; absolute URLs."""

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src"):
            url = urljoin(base_url, value.strip())
            return url if url.startswith(("http://", "https://")) else None
        return value

    return nh3.clean(
        scrub(html),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=absolute,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
    ).strip()


def extract_page(page: str | bytes, url: str, content_type: str = "") -> Extracted:
    """Main text and metadata of an article page; empty text when nothing was found.

    Bytes are decoded by our own rule first (`syndicator.encoding`), so a windows-1256
    page is never guessed wrong by the extractor. trafilatura does the work; readability
    is the fallback when trafilatura finds little (some themes wrap the text oddly).
    """
    html = page if isinstance(page, str) else decode(page, content_type)
    if not html.strip():
        return Extracted(text="", html="")
    document = trafilatura.bare_extraction(
        _without_code(html), url=url, with_metadata=True, include_comments=False,
        include_tables=False,
    )  # fmt: skip
    fields: dict[str, object] = {}
    if document is not None:
        fields = document if isinstance(document, dict) else document.as_dict()
    title = clean_line(str(fields.get("title") or ""))
    text = strip_boilerplate(clean(str(fields.get("text") or "").replace("\n", "\n\n")))
    if len(text) < FALLBACK_BELOW:
        text = max(text, _readability(html), key=len)
    text = _without_headline(text, title)
    image = fields.get("image")
    names = [*(_names(fields.get("categories"))), *(_names(fields.get("tags")))]
    return Extracted(
        text=text,
        html=text_to_html(text),
        title=title,
        author=clean_line(str(fields.get("author") or "")),
        image=urljoin(url, str(image)) if image else None,
        categories=tuple(dict.fromkeys(names)),
        published=_published(html, fields.get("date")),
    )


def _without_code(html: str) -> str | lxml.html.HtmlElement:
    """The page without scripts, styles and templates. trafilatura leaves them out of the
    text but not out of the metadata: a script inside the <h1> became part of the title
    («خبر alert(1)»). The text after each removed element stays. A page lxml cannot parse
    goes to trafilatura as it is."""
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    for code in tree.xpath("//script|//style|//noscript|//template"):
        code.drop_tree()
    return tree


def _without_headline(text: str, title: str) -> str:
    """Themes often repeat the headline as the body's first paragraph: drop that copy."""
    first, _, rest = text.partition("\n\n")
    if title and normalize(first) == normalize(title):
        return rest
    return text


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        return []
    return [clean_line(str(name)) for name in value if str(name).strip()]


def _readability(html: str) -> str:
    try:
        summary = readability.Document(html).summary(html_partial=True)
    except Exception:  # readability raises bare exceptions on odd markup
        return ""
    return strip_boilerplate(html_to_text(summary))


def _published(html: str, fallback: object) -> datetime | None:
    """`article:published_time` (precise), else the extractor's date (a day, taken as UTC)."""
    match = _PUBLISHED_META.search(html[:200_000])
    for value in (match.group(1) if match else None, fallback):
        if not value:
            continue
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None
