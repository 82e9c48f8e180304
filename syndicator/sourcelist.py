"""Source lists in OPML (pure): `syndicator sources export` and `sources import FILE.opml`.

Export writes one `<outline type="rss">` per source with its feed address (`xmlUrl`), its
name (`text`, `title`) and its categories (`category`, comma separated), plus two attributes
of our own that feed readers ignore: `id` and `kind` (wordpress, sitemap, html sources are
listed too, so an export is a complete backup). Import reads every outline with an `xmlUrl`
at any depth (folders are flattened); an outline without `id` gets one from its address's
host (`syndicator.discover.slug`, numbered when taken), without `kind` it is a feed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lxml import etree

from syndicator.discover import slug
from syndicator.errors import ParseError
from syndicator.model import Source

KINDS = frozenset({"feed", "wordpress", "sitemap", "html"})


def to_opml(sources: Iterable[Source], title: str = "Sources") -> bytes:
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    for s in sources:
        outline = etree.SubElement(
            body, "outline", type="rss", text=s.name, title=s.name, xmlUrl=s.url, id=s.id
        )
        if s.kind != "feed":
            outline.set("kind", s.kind)
        if s.categories:
            outline.set("category", ",".join(s.categories))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def from_opml(data: bytes, taken: Sequence[str] = ()) -> list[Source]:
    """The sources an OPML file lists (ids unique among themselves and `taken`)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not an OPML file: {exc}") from None
    if root.tag != "opml":
        raise ParseError(f"not an OPML file: the root element is <{root.tag}>")
    used = set(taken)
    found: list[Source] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if not url.startswith(("http://", "https://")):
            continue
        name = (outline.get("title") or outline.get("text") or "").strip() or url
        kind = outline.get("kind") or "feed"
        if kind not in KINDS:
            kind = "feed"
        source_id = outline.get("id") or _free(slug(outline.get("htmlUrl") or url), used)
        used.add(source_id)
        categories = tuple(
            c.strip() for c in (outline.get("category") or "").split(",") if c.strip()
        )
        found.append(Source(source_id, name, url, kind, categories))
    return found


def _free(base: str, used: set[str]) -> str:
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"
