"""OPML 2.0 (pure): every feed in one subscription list a reader can import at once.

Three groups: everything (`all`), the categories, the sources; each outline is
`type="rss"` with the RSS address (`xmlUrl`), its HTML page (`htmlUrl`) and `language="ar"`.
No dates: the list changes only when the configuration does, and its bytes with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from feeds import sanitize
from feeds.document import LANGUAGE

SPEC = "http://opml.org/spec2.opml"
ALL_NAME = "كل الأخبار"
CATEGORIES_NAME = "الأقسام"
SOURCES_NAME = "المصادر"


@dataclass(frozen=True)
class Outline:
    """One feed: its name, RSS address and HTML page."""

    name: str
    xml_url: str
    html_url: str


def render_opml(
    title: str, everything: Outline, categories: Sequence[Outline], sources: Sequence[Outline]
) -> bytes:
    root = etree.Element("opml", {"version": "2.0"})
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = sanitize.plain(title)
    etree.SubElement(head, "docs").text = SPEC
    body = etree.SubElement(root, "body")
    _feed(body, everything)
    for name, outlines in ((CATEGORIES_NAME, categories), (SOURCES_NAME, sources)):
        if outlines:
            group = etree.SubElement(body, "outline", {"text": name, "title": name})
            for outline in outlines:
                _feed(group, outline)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _feed(parent: etree._Element, outline: Outline) -> None:
    name = sanitize.plain(outline.name) or outline.xml_url
    etree.SubElement(
        parent,
        "outline",
        {
            "text": name,
            "title": name,
            "type": "rss",
            "version": "RSS2",
            "xmlUrl": sanitize.xml_safe(outline.xml_url),
            "htmlUrl": sanitize.xml_safe(outline.html_url),
            "language": LANGUAGE,
        },
    )
