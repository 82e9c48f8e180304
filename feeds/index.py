"""Index page (pure): an Arabic, right-to-left page that lists every feed.

Each category shows its latest headlines and its RSS and Atom links; the `<head>` carries a
`<link rel="alternate">` per feed, so pasting the site's address into a reader finds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from syndicator.model import Article, Category

ALL = "all"
FORMATS = (("rss", "application/rss+xml", "RSS"), ("atom", "application/atom+xml", "Atom"))

_STYLE = """
body{font-family:"Noto Naskh Arabic","Segoe UI",Tahoma,sans-serif;margin:0;background:#f6f5f2;
color:#1d1d1f;line-height:1.7}
header{background:#143d59;color:#fff;padding:1.2rem 1rem}
header h1{margin:0;font-size:1.6rem}
main{max-width:60rem;margin:0 auto;padding:1rem;display:grid;gap:1rem;
grid-template-columns:repeat(auto-fill,minmax(17rem,1fr))}
section{background:#fff;border-radius:.6rem;padding:1rem;box-shadow:0 1px 3px #0002}
section h2{margin:0 0 .5rem;font-size:1.25rem}
ul{padding-inline-start:1.1rem;margin:.3rem 0}
a{color:#0b5cad;text-decoration:none}
a:hover{text-decoration:underline}
.feeds a{display:inline-block;margin-inline-end:.6rem;font-size:.9rem;background:#eef3f8;
padding:.1rem .6rem;border-radius:1rem}
.empty{color:#777}
time{color:#666;font-size:.85rem}
"""


@dataclass(frozen=True)
class Shelf:
    """One category on the page with its newest articles."""

    slug: str
    name: str
    articles: Sequence[Article]


def feed_url(base: str, slug: str, fmt: str) -> str:
    return f"{base}/feeds/{slug}.{fmt}"


def shelves(categories: Sequence[Category], latest: dict[str, list[Article]]) -> list[Shelf]:
    return [Shelf(c.slug, c.name, latest.get(c.slug, [])) for c in categories]


def render_index(title: str, base: str, shelves: Sequence[Shelf], everything: Shelf) -> str:
    """The whole page as HTML text."""
    all_shelves = [everything, *shelves]
    alternates = "\n".join(
        f'<link rel="alternate" type="{mime}" title="{escape(s.name)} ({label})" '
        f'href="{escape(feed_url(base, s.slug, fmt))}">'
        for s in all_shelves
        for fmt, mime, label in FORMATS
    )
    sections = "\n".join(_section(base, s) for s in all_shelves)
    return (
        "<!doctype html>\n"
        '<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{alternates}\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<header><h1>{escape(title)}</h1><p>خلاصات الأخبار حسب القسم</p></header>\n"
        f"<main>\n{sections}\n</main>\n</body>\n</html>\n"
    )


def _section(base: str, shelf: Shelf) -> str:
    links = " ".join(
        f'<a href="{escape(feed_url(base, shelf.slug, fmt))}" type="{mime}">{label}</a>'
        for fmt, mime, label in FORMATS
    )
    if shelf.articles:
        items = "\n".join(
            f'<li><a href="{escape(a.url)}">{escape(a.title)}</a> '
            f'<time datetime="{a.published.isoformat()}">'
            f"{a.published.strftime('%Y-%m-%d %H:%M')} UTC</time></li>"
            for a in shelf.articles
        )
        body = f"<ul>\n{items}\n</ul>"
    else:
        body = '<p class="empty">لا توجد أخبار بعد.</p>'
    return (
        f'<section id="{escape(shelf.slug)}">\n<h2>{escape(shelf.name)}</h2>\n'
        f'<p class="feeds">{links}</p>\n{body}\n</section>'
    )
