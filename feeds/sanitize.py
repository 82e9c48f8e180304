"""Output sanitizing (pure): what any feed, page or outline may carry.

Articles are sanitized when they are stored, but every document is cleaned again on the way
out, with the output's own rules, so nothing a source sent can break a reader:

- `xml_safe`: characters XML 1.0 forbids (C0 controls, lone surrogates, U+FFFE/U+FFFF) are
  removed; lxml refuses them and a reader would reject the whole feed for one of them;
- `plain`: titles, summaries, names are plain text: tags dropped (script and style with
  their content), entities decoded, whitespace folded, capped at a word boundary. Text that
  decodes to a tag (`&lt;script&gt;`) loses it too: some readers take an RSS title or
  description for HTML, so no tag may survive as text where one HTML decoding would revive it;
- `content_html`: the nh3 allowlist below, relative URLs made absolute against the article's
  address, only http(s) links and images; no scripts, styles, event handlers or frames;
- `http_url`: an absolute http(s) URL or None (for links and enclosures).
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import nh3

TAGS = frozenset({
    "p", "br", "b", "strong", "i", "em", "u", "s", "a", "ul", "ol", "li", "blockquote", "q",
    "h2", "h3", "h4", "h5", "figure", "figcaption", "img", "code", "pre", "table", "thead",
    "tbody", "tr", "td", "th", "caption", "sub", "sup", "hr", "cite", "time",
})  # fmt: skip
ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "time": frozenset({"datetime"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan"}),
}
SCHEMES = frozenset({"http", "https"})
MAX_TITLE = 1000  # characters, as at ingestion; a runaway title is cut at a word boundary
MAX_TEXT = 4000  # characters of a plain-text summary or name

_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TAG_START = re.compile(r"<[A-Za-z/!?]")  # what an HTML parser would take for markup
_DECODINGS = 3  # rounds of "remove tags, decode entities" before the last resort


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 does not allow."""
    return _XML_ILLEGAL.sub("", text)


def plain(text: str, limit: int = MAX_TEXT) -> str:
    """Plain, single-line text from something that may hold markup or entities."""
    text = xml_safe(text)
    for _ in range(_DECODINGS):
        if "<" not in text and "&" not in text:
            break
        decoded = unescape(nh3.clean(text, tags=set()))
        text = xml_safe(decoded)  # an entity may have encoded an illegal character
        if not _TAG_START.search(text):
            break  # what is left is text, even read once more as HTML
    else:
        text = _TAG_START.sub(lambda m: m.group()[1:], text)  # escaped deeper than that
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def content_html(html: str, base_url: str) -> str:
    """The allowlisted fragment, URLs absolute against `base_url`."""
    html = xml_safe(html).strip()
    if not html:
        return ""
    base = http_url(base_url)
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(SCHEMES),
        url_relative=("rewrite_with_base", base) if base else "deny",
        link_rel="noopener noreferrer",
    ).strip()


def http_url(url: str | None, base_url: str = "") -> str | None:
    """`url` made absolute; None unless it is http(s) with a host."""
    if not url:
        return None
    absolute = urljoin(base_url, xml_safe(url).strip())
    parts = urlsplit(absolute)
    if parts.scheme not in SCHEMES or not parts.netloc:
        return None
    return absolute
