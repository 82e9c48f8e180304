"""Discovery pages (pure): the Arabic index page and one page per category, as HTML text.

Right-to-left (`<html lang="ar" dir="rtl">`), responsive (one column on a phone, a grid on
wider screens, long words wrap), no script. Every feed shown has its RSS, Atom and JSON
links, and the `<head>` carries `<link rel="alternate">` per feed (and the OPML list), so
pasting the site's address into a reader finds them. Links are absolute (the public URL),
as in the feeds, so a static export behind nginx or a CDN links exactly like the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from feeds import sanitize
from feeds.document import LANGUAGE
from feeds.paging import ALL, FORMATS, MEDIA_TYPES, FeedRef, page_path
from syndicator.model import Article

ALL_NAME = "كل الأخبار"
SOURCES_NAME = "المصادر"
LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON"}
MONTHS = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip

_STYLE = """
*{box-sizing:border-box}
body{font-family:"Noto Naskh Arabic","Noto Sans Arabic","Segoe UI",Tahoma,sans-serif;margin:0;
background:#f6f5f2;color:#1d1d1f;line-height:1.7;font-size:1.05rem;overflow-wrap:anywhere}
header{background:#143d59;color:#fff;padding:1rem}
header h1{margin:0;font-size:1.5rem}
header p{margin:.2rem 0 0}
header a{color:#fff}
main{max-width:64rem;margin:0 auto;padding:1rem;display:grid;gap:1rem;
grid-template-columns:repeat(auto-fill,minmax(min(18rem,100%),1fr))}
main.single{display:block;max-width:48rem}
section{background:#fff;border-radius:.6rem;padding:1rem;box-shadow:0 1px 3px #0002}
section h2{margin:0 0 .4rem;font-size:1.25rem}
ul{padding-inline-start:1.1rem;margin:.3rem 0}
li{margin:.35rem 0}
a{color:#0b5cad;text-decoration:none}
a:hover,a:focus{text-decoration:underline}
.feeds{display:flex;flex-wrap:wrap;gap:.4rem;margin:.3rem 0 .6rem;padding:0;list-style:none}
.feeds a{display:inline-block;font-size:.9rem;background:#eef3f8;padding:.15rem .7rem;
border-radius:1rem}
.empty{color:#666}
.meta{display:block;color:#555;font-size:.85rem}
.summary{margin:.2rem 0 0;color:#333}
footer{text-align:center;color:#555;font-size:.9rem;padding:1rem}
"""


@dataclass(frozen=True)
class Shelf:
    """One feed on a page (everything, a category or a source) with its newest articles."""

    ref: FeedRef
    name: str
    articles: Sequence[Article] = ()


def arabic_date(moment: datetime) -> str:
    """«19 أكتوبر 2017، 18:00 غرينتش» (the stored UTC time)."""
    return (
        f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}، "
        f"{moment.hour:02d}:{moment.minute:02d} غرينتش"
    )


def render_index(
    title: str,
    base: str,
    everything: Shelf,
    shelves: Sequence[Shelf],
    sources: Sequence[Shelf] = (),
) -> str:
    """The site's front page: every category with its latest headlines, every feed."""
    sections = "\n".join(
        _section(base, shelf, heading_link=None if shelf.ref == ALL else page_path(shelf.ref.key))
        for shelf in (everything, *shelves)
    )
    if sources:
        sections += "\n" + _sources(base, sources)
    head = _head(title, base, [everything, *shelves])
    intro = "خلاصات الأخبار حسب القسم: RSS وAtom وJSON، وكلها معا في ملف OPML"
    return _page(head, title, intro, base, f"<main>\n{sections}\n</main>")


def render_category(
    title: str, base: str, shelf: Shelf, sources: dict[str, str], related: Sequence[Shelf] = ()
) -> str:
    """A category's page: its feeds and its latest articles with their summaries."""
    if shelf.articles:
        items = "\n".join(_article(a, sources, with_summary=True) for a in shelf.articles)
        body = f'<ul class="articles">\n{items}\n</ul>'
    else:
        body = '<p class="empty">لا توجد أخبار بعد.</p>'
    name = escape(sanitize.plain(shelf.name))
    section = f"<section>\n<h2>{name}</h2>\n{_feed_links(base, shelf.ref)}\n{body}\n</section>"
    head = _head(f"{sanitize.plain(shelf.name)} - {sanitize.plain(title)}", base, [shelf, *related])
    back = f'<a href="{escape(base)}/">الصفحة الرئيسية</a>'
    return _page(head, title, back, base, f'<main class="single">\n{section}\n</main>')


def _page(head: str, title: str, intro: str, base: str, main: str) -> str:
    opml = f'<a href="{escape(base)}/feeds.opml">كل الخلاصات (OPML)</a>'
    return (
        f'<!doctype html>\n<html lang="{LANGUAGE}" dir="rtl">\n{head}\n<body>\n'
        f"<header><h1>{escape(sanitize.plain(title))}</h1><p>{intro}</p></header>\n"
        f"{main}\n<footer>{opml}</footer>\n</body>\n</html>\n"
    )


def _head(title: str, base: str, shelves: Sequence[Shelf]) -> str:
    alternates = "\n".join(
        f'<link rel="alternate" type="{MEDIA_TYPES[fmt]}" '
        f'title="{escape(sanitize.plain(s.name))} ({LABELS[fmt]})" '
        f'href="{escape(base + s.ref.path(fmt))}">'
        for s in shelves
        for fmt in FORMATS
    )
    return (
        '<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(sanitize.plain(title))}</title>\n"
        '<link rel="icon" href="data:,">\n'
        f"{alternates}\n"
        f'<link rel="outline" type="{MEDIA_TYPES["opml"]}" title="OPML" '
        f'href="{escape(base)}/feeds.opml">\n'
        f"<style>{_STYLE}</style>\n</head>"
    )


def _feed_links(base: str, ref: FeedRef) -> str:
    links = "".join(
        f'<li><a href="{escape(base + ref.path(fmt))}" type="{MEDIA_TYPES[fmt]}">'
        f"{LABELS[fmt]}</a></li>"
        for fmt in FORMATS
    )
    return f'<ul class="feeds">{links}</ul>'


def _section(base: str, shelf: Shelf, heading_link: str | None) -> str:
    name = escape(sanitize.plain(shelf.name))
    heading = f'<a href="{escape(base + heading_link)}">{name}</a>' if heading_link else name
    if shelf.articles:
        items = "\n".join(_article(a, {}, with_summary=False) for a in shelf.articles)
        body = f'<ul class="headlines">\n{items}\n</ul>'
    else:
        body = '<p class="empty">لا توجد أخبار بعد.</p>'
    slug = escape(shelf.ref.key)
    return (
        f'<section id="{slug}">\n<h2>{heading}</h2>\n{_feed_links(base, shelf.ref)}\n'
        f"{body}\n</section>"
    )


def _sources(base: str, sources: Sequence[Shelf]) -> str:
    """Every source with its own feeds (no headlines: the categories show them)."""
    items = "\n".join(
        f"<li>{escape(sanitize.plain(s.name))}{_feed_links(base, s.ref)}</li>" for s in sources
    )
    return (
        f'<section id="sources">\n<h2>{SOURCES_NAME}</h2>\n'
        f'<ul class="sources">\n{items}\n</ul>\n</section>'
    )


def _article(article: Article, sources: dict[str, str], *, with_summary: bool) -> str:
    title = escape(sanitize.plain(article.title, sanitize.MAX_TITLE) or article.url)
    url = sanitize.http_url(article.url)
    link = f'<a href="{escape(url)}">{title}</a>' if url else title
    published = article.published
    source = sanitize.plain(sources.get(article.source_id, ""))
    meta = f"{escape(source)} · " if source else ""
    when = f'<time datetime="{published.isoformat()}">{arabic_date(published)}</time>'
    summary = sanitize.plain(article.summary) if with_summary else ""
    extra = f'\n<p class="summary">{escape(summary)}</p>' if summary else ""
    return f'<li>{link} <span class="meta">{meta}{when}</span>{extra}</li>'
