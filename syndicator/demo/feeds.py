"""The sample site's machine-readable outputs: RSS 2.0 feeds, sitemaps and robots.txt.

These are the discovery channels a collector polls instead of pages: the RSS shaped exactly
like WordPress 6 prints it (CDATA, `content:encoded`, `sy:` tags), a plain sitemap or, for
news sites, a sitemap index with a Google News sitemap of the last two days, and a robots.txt
that names the sitemap and any `Disallow` rule a test sets. Pure functions of a `View`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta
from email.utils import format_datetime
from html import escape

from syndicator.demo.content import (
    CATEGORIES,
    FEED_LIMIT,
    JPEG,
    SITE_DESCRIPTION,
    PublishedArticle,
    View,
    content_html,
    excerpt,
)
from syndicator.demo.wire import Response

NEWS_SITEMAP_DAYS = 2  # Google News sitemaps list only the articles of the last two days
_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml(text: str) -> str:
    return escape(text, quote=False)


def feed(view: View, category: str | None, items: Sequence[PublishedArticle]) -> Response:
    """A feed with ETag and Last-Modified; `wire.finish` answers the 304s."""
    shown = items[:FEED_LIMIT]
    body = view.charset.encode_xml(_rss(view, category, shown))
    newest = max((i.last_modified for i in shown), default=None)
    return Response(
        200,
        body,
        view.charset.content_type("application/rss+xml"),
        compressible=True,
        etag=hashlib.sha256(body).hexdigest()[:32],
        last_modified=newest,
    )


def _rss(view: View, category: str | None, items: Sequence[PublishedArticle]) -> str:
    site = view.url
    title, link = view.name, f"{site}/"
    if category is not None:
        title, link = f"{view.name} - {CATEGORIES[category]}", f"{site}/category/{category}/"
    newest = max((i.last_modified for i in items), default=None)
    build = f"\t<lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n" if newest else ""
    out = [
        f"""{view.charset.xml_declaration()}<rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
\t>

<channel>
\t<title>{_xml(title)}</title>
\t<atom:link href="{link}feed/" rel="self" type="application/rss+xml" />
\t<link>{link}</link>
\t<description>{_xml(SITE_DESCRIPTION)}</description>
{build}\t<language>ar</language>
\t<sy:updatePeriod>
\thourly\t</sy:updatePeriod>
\t<sy:updateFrequency>
\t1\t</sy:updateFrequency>
\t<generator>https://wordpress.org/?v=6.6.2</generator>
"""
    ]
    for item in items:
        a = item.article
        names = "".join(
            f"\t\t<category>{cdata(n)}</category>\n" for n in (CATEGORIES[a.category], *a.tags)
        )
        full = ""
        if a.full_in_feed:
            full = f"\t\t<content:encoded>{cdata(content_html(a))}</content:encoded>\n"
            if a.image:
                full += f'\t\t<enclosure url="{site}{a.image}" length="{len(JPEG)}" '
                full += 'type="image/jpeg" />\n'
        out.append(f"""\t<item>
\t\t<title>{_xml(a.title)}</title>
\t\t<link>{item.url}</link>
\t\t<dc:creator>{cdata(a.author)}</dc:creator>
\t\t<pubDate>{format_datetime(item.published)}</pubDate>
{names}\t\t<guid isPermaLink="false">{item.guid}</guid>
\t\t<description>{cdata(excerpt(a))}</description>
{full}\t</item>
""")
    return "".join(out) + "</channel>\n</rss>\n"


# -- sitemaps ----------------------------------------------------------------------------------


def _sitemap_response(view: View, text: str) -> Response:
    body = view.charset.encode_xml(text)
    return Response(200, body, view.charset.content_type("application/xml"), compressible=True)


def _urlset(view: View, items: Sequence[PublishedArticle]) -> str:
    urls = "".join(
        f"<url><loc>{i.url}</loc><lastmod>{i.last_modified.isoformat()}</lastmod></url>\n"
        for i in items
    )
    return f'{view.charset.xml_declaration()}\n<urlset xmlns="{_SITEMAP_NS}">\n{urls}</urlset>\n'


def sitemap(view: View) -> Response:
    """`/sitemap.xml`: all posts, or with `news_sitemap` the index of the two sitemaps below."""
    if not view.news_sitemap:
        return _sitemap_response(view, _urlset(view, view.items))
    entries = []
    for path, items in (("news-sitemap.xml", news_items(view)), ("post-sitemap.xml", view.items)):
        newest = max((i.last_modified for i in items), default=None)
        lastmod = f"<lastmod>{newest.isoformat()}</lastmod>" if newest else ""
        entries.append(f"<sitemap><loc>{view.url}/{path}</loc>{lastmod}</sitemap>\n")
    text = (
        f'{view.charset.xml_declaration()}\n<sitemapindex xmlns="{_SITEMAP_NS}">\n'
        f"{''.join(entries)}</sitemapindex>\n"
    )
    return _sitemap_response(view, text)


def post_sitemap(view: View) -> Response:
    return _sitemap_response(view, _urlset(view, view.items))


def news_items(view: View) -> list[PublishedArticle]:
    since = view.now - timedelta(days=NEWS_SITEMAP_DAYS)
    return [i for i in view.items if i.published >= since]


def news_sitemap(view: View) -> Response:
    """`/news-sitemap.xml`: Google News sitemap of the articles published in the last 2 days."""
    urls = "".join(
        f"<url><loc>{i.url}</loc><lastmod>{i.last_modified.isoformat()}</lastmod>"
        "<news:news><news:publication>"
        f"<news:name>{_xml(view.name)}</news:name><news:language>ar</news:language>"
        f"</news:publication><news:publication_date>{i.published.isoformat()}"
        f"</news:publication_date><news:title>{_xml(i.article.title)}</news:title>"
        "</news:news></url>\n"
        for i in news_items(view)
    )
    text = (
        f'{view.charset.xml_declaration()}\n<urlset xmlns="{_SITEMAP_NS}" '
        f'xmlns:news="{_NEWS_NS}">\n{urls}</urlset>\n'
    )
    return _sitemap_response(view, text)


def robots(view: View, disallowed: Sequence[str]) -> Response:
    """Disallow rules come first: parsers such as `urllib.robotparser` take the first match."""
    rules = "".join(f"Disallow: {prefix}\n" for prefix in disallowed)
    text = f"User-agent: *\n{rules}Allow: /\n\nSitemap: {view.url}/sitemap.xml\n"
    return Response(200, text.encode(), "text/plain; charset=UTF-8")
