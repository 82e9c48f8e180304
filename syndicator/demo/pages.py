"""HTML of the sample sites in two WordPress themes: `classic` (Jannah, like the seed page) and
`modern` (a block theme with BEM class names).

The same story republished by two sites differs only by this boilerplate, so the extractor and
cross-site dedup are tested against it. Both themes carry on purpose the leftovers real pages
have: classic an `&nbsp;` paragraph, a stray ad id, «مقالات ذات صلة», share buttons and
«زر الذهاب إلى الأعلى» (from `shared/data/seed-article.txt`); modern a cookie banner, an ad slot
in mid-article, a «تابعونا على تلغرام» prompt, a newsletter form and «اقرأ أيضاً». Listing pages
mix article links with menu, archive and footer links, as an HTML-only collector meets them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from syndicator.demo.content import (
    AD_ID,
    CATEGORIES,
    FEED_LIMIT,
    MODERN_AD_ID,
    MONTHS,
    PublishedArticle,
    View,
    arabic_date,
    content_html,
    excerpt,
)

NOT_FOUND_TITLE = "الصفحة غير موجودة"
STATIC_PAGES = {
    "/about/": (
        "من نحن",
        "موقع إخباري مستقل يغطي أخبار سوريا والعالم العربي، ويلتزم بالدقة والحياد في نقل الخبر.",
    ),
    "/contact/": (
        "اتصل بنا",
        "لإرسال الأخبار والملاحظات يمكنكم مراسلة فريق التحرير عبر البريد الإلكتروني للموقع.",
    ),
}


def home_page(view: View, heading: str, chosen: Sequence[PublishedArticle]) -> str:
    """Home, category and month archives: up to `FEED_LIMIT` article links, newest first."""
    shown = chosen[:FEED_LIMIT]
    if view.theme == "modern":
        cards = "".join(
            f'<article class="post-card">{_modern_category(view, i)}'
            f'<h3 class="post-card__title"><a href="{i.url}">{escape(i.article.title)}</a></h3>'
            f'<p class="post-card__excerpt">{escape(excerpt(i.article, 25))}</p>'
            f'<time class="post-card__time" datetime="{i.published.isoformat()}">'
            f"{arabic_date(i.published)}</time></article>\n"
            for i in shown
        )
        main = f'<section class="section"><h1 class="section__title">{escape(heading)}</h1>\n'
        main += f'<div class="cards">\n{cards}</div></section>'
        return _modern_layout(view, f"{heading} | {view.name}", main)
    posts = "".join(
        f'<li class="post-item">{_classic_category(view, i.article.category)}'
        f'<h2 class="entry-title"><a href="{i.url}">{escape(i.article.title)}</a></h2>'
        f'<span class="date">{arabic_date(i.published)}</span>'
        f'<p class="post-excerpt">{escape(excerpt(i.article, 25))}</p></li>\n'
        for i in shown
    )
    main = f'<div class="mag-box"><h1 class="section-title">{escape(heading)}</h1>\n'
    main += f'<ul class="posts-items">\n{posts}</ul></div>'
    return _classic_layout(view, f"{heading} - {view.name}", main)


def not_found_page(view: View) -> str:
    if view.theme == "modern":
        main = (
            f'<section class="not-found"><h1 class="not-found__title">{NOT_FOUND_TITLE}</h1>'
            "<p>الرابط الذي طلبته غير صحيح أو أنّ الصفحة نُقلت إلى عنوان آخر.</p></section>"
        )
        return _modern_layout(view, f"{NOT_FOUND_TITLE} | {view.name}", main)
    main = (
        '<section class="error-404"><h1 class="page-title">عذراً، الصفحة غير موجودة</h1>'
        "<p>ربما تم حذف الصفحة أو نقلها، جرّب البحث أو العودة إلى الرئيسية.</p></section>"
    )
    return _classic_layout(view, f"{NOT_FOUND_TITLE} - {view.name}", main)


def static_page(view: View, path: str) -> str:
    """A WordPress *page* (not a post): linked from every footer, never an article."""
    title, text = STATIC_PAGES[path]
    main = f'<article class="page"><h1 class="page-title">{escape(title)}</h1><p>{escape(text)}</p>'
    main += "</article>"
    if view.theme == "modern":
        return _modern_layout(view, f"{title} | {view.name}", main)
    return _classic_layout(view, f"{title} - {view.name}", main)


def article_page(view: View, item: PublishedArticle) -> str:
    return (_modern_article if view.theme == "modern" else _classic_article)(view, item)


def _head(view: View, title: str, head: str) -> str:
    feed = ""
    if view.feeds:
        feed = (
            f'<link rel="alternate" type="application/rss+xml" title="{escape(view.name)} '
            f'&laquo; الخلاصة" href="{view.url}/feed/">\n'
        )
    api = f'<link rel="https://api.w.org/" href="{view.url}/wp-json/">\n' if view.api else ""
    return (
        f"<head>\n{view.charset.html_meta()}"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{feed}{api}{head}</head>"
    )


def _article_meta(view: View, item: PublishedArticle, image: str | None) -> str:
    title = escape(item.article.title)
    modified = ""
    if item.modified is not None:
        modified = item.modified.isoformat()
        modified = f'<meta property="article:modified_time" content="{modified}">\n'
    return f"""<link rel="canonical" href="{item.url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:url" content="{item.url}">
{f'<meta property="og:image" content="{image}">{chr(10)}' if image else ""}\
<meta property="article:section" content="{escape(CATEGORIES[item.article.category])}">
<meta property="article:published_time" content="{item.published.isoformat()}">
{modified}"""


def _related(view: View, item: PublishedArticle) -> list[PublishedArticle]:
    others = [i for i in view.items if i.article.post_id != item.article.post_id]
    others.sort(key=lambda i: i.article.category != item.article.category)  # stable
    return others[:3]


# -- classic (Jannah) ----------------------------------------------------------------------------


def _classic_category(view: View, slug: str) -> str:
    return f'<a class="post-cat" href="{view.url}/category/{slug}/">{escape(CATEGORIES[slug])}</a>'


def _classic_layout(view: View, title: str, main: str, head: str = "") -> str:
    site = view.url
    nav = "".join(
        f'<li class="menu-item"><a href="{site}/category/{slug}/">{escape(name)}</a></li>'
        for slug, name in CATEGORIES.items()
    )
    most_read = "".join(
        f'<li class="widget-post-list"><a href="{i.url}">{escape(i.article.title)}</a></li>'
        for i in sorted(view.items, key=lambda i: i.published)[:5]
    )
    month = f'<a href="{site}/{view.now:%Y/%m}/">{MONTHS[view.now.month - 1]} {view.now.year}</a>'
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
{_head(view, title, head)}
<body class="rtl wp-theme-jannah" id="tie-body">
<div id="tie-wrapper">
<header id="theme-header" class="theme-header">
<div class="logo"><a href="{site}/" rel="home">{escape(view.name)}</a></div>
<nav id="main-nav" aria-label="القائمة الرئيسية"><ul class="menu">
<li class="menu-item"><a href="{site}/">الرئيسية</a></li>{nav}</ul></nav>
</header>
<div id="content" class="site-content container">
<div class="main-content">
{main}
</div>
<aside class="sidebar"><div class="widget posts-list"><h4 class="widget-title">الأكثر قراءة</h4>
<ul>{most_read}</ul></div>
<div class="widget widget_archive"><h4 class="widget-title">الأرشيف</h4>
<ul><li>{month}</li></ul></div></aside>
</div>
<footer id="footer" class="site-footer">
<div class="copyright">© 2026 {escape(view.name)}. جميع الحقوق محفوظة.</div>
<ul class="footer-menu"><li><a href="{site}/about/">من نحن</a></li>\
<li><a href="{site}/contact/">اتصل بنا</a></li></ul>
</footer>
<a id="go-to-top" class="go-to-top-button" href="#go-to-tie-body"><span class="tie-icon-angle-up">\
</span><span class="screen-reader-text">زر الذهاب إلى الأعلى</span></a>
</div>
</body>
</html>
"""


def _classic_article(view: View, item: PublishedArticle) -> str:
    site, a, title = view.url, item.article, escape(item.article.title)
    image = f"{site}{a.image}" if a.image else None
    related = "".join(
        f'<div class="related-item"><h3 class="post-title"><a href="{i.url}">'
        f"{escape(i.article.title)}</a></h3></div>"
        for i in _related(view, item)
    )
    share = quote(item.url, safe="")
    figure = (
        f'<figure class="featured-area"><img src="{image}" alt="{title}" width="780" height="405">'
        "</figure>\n"
        if image
        else ""
    )
    main = f"""<nav id="breadcrumb"><a href="{site}/">الرئيسية</a><em class="delimiter">/</em>\
<a href="{site}/category/{a.category}/">{escape(CATEGORIES[a.category])}</a>\
<em class="delimiter">/</em><span class="current">{title}</span></nav>
<article id="the-post" class="post-{a.post_id} post type-post status-publish category-{a.category}">
<header class="entry-header-outer"><div class="entry-header">
<span class="post-cat-wrap">{_classic_category(view, a.category)}</span>
<h1 class="post-title entry-title">{title}</h1>
<div class="post-meta"><span class="meta-author">{escape(a.author)}</span>
<span class="date meta-item"><time class="entry-date published" \
datetime="{item.published.isoformat()}">{arabic_date(item.published)}</time></span></div>
</div></header>
{figure}<div class="entry-content entry clearfix">
{content_html(a)}
<p>&nbsp;</p>
<div class="stream-item stream-item-in-post">{AD_ID}</div>
</div>
<div class="post-footer"><div class="share-links"><span class="share-title">شارك</span>
<a href="https://www.facebook.com/sharer.php?u={share}" class="facebook-share-btn">فيسبوك</a>
<a href="https://twitter.com/intent/tweet?url={share}" class="twitter-share-btn">تويتر</a>
<a href="https://api.whatsapp.com/send?text={share}" class="whatsapp-share-btn">واتساب</a>
</div></div>
</article>
<div id="related-posts" class="container-wrapper">\
<div class="mag-box-title"><h3>مقالات ذات صلة</h3></div>
<div class="related-posts-list">{related}</div></div>"""
    head = _article_meta(view, item, image)
    return _classic_layout(view, f"{a.title} - {view.name}", main, head)


# -- modern (block theme) ------------------------------------------------------------------------


def _modern_category(view: View, item: PublishedArticle) -> str:
    slug = item.article.category
    return (
        f'<a class="post-card__category" href="{view.url}/category/{slug}/">'
        f"{escape(CATEGORIES[slug])}</a>"
    )


def _modern_layout(view: View, title: str, main: str, head: str = "") -> str:
    site = view.url
    nav = "".join(
        f'<li class="site-nav__item"><a href="{site}/category/{slug}/">{escape(name)}</a></li>'
        for slug, name in CATEGORIES.items()
    )
    trending = "".join(
        f'<li class="trending__item"><a href="{i.url}">{escape(i.article.title)}</a></li>'
        for i in view.items[1:6]
    )
    return f"""<!doctype html>
<html lang="ar" dir="rtl">
{_head(view, title, head)}
<body class="theme-modern">
<div class="cookie-banner" role="dialog" aria-live="polite">\
<p class="cookie-banner__text">يستخدم هذا الموقع ملفات تعريف الارتباط (الكوكيز) لتحسين تجربة \
التصفح. باستمرارك في استخدام الموقع فإنك توافق على ذلك.</p>\
<button type="button" class="cookie-banner__accept">موافق</button></div>
<header class="site-header">
<a class="site-header__brand" href="{site}/">{escape(view.name)}</a>
<nav class="site-nav" aria-label="الأقسام"><ul class="site-nav__list">\
<li class="site-nav__item"><a href="{site}/">الرئيسية</a></li>{nav}</ul></nav>
<form class="site-search" role="search" action="{site}/" method="get">\
<input type="search" name="s" placeholder="ابحث في الموقع"></form>
</header>
<main class="site-main">
{main}
</main>
<aside class="site-aside"><section class="trending"><h2 class="trending__title">الأكثر تداولاً</h2>
<ol class="trending__list">{trending}</ol></section></aside>
<footer class="site-footer">
<form class="newsletter" action="{site}/newsletter/" method="post">\
<h3 class="newsletter__title">النشرة البريدية</h3>\
<p class="newsletter__text">اشترك في نشرتنا اليومية لتصلك أهم الأخبار صباح كل يوم.</p>\
<input type="email" name="email" placeholder="بريدك الإلكتروني">\
<button type="submit">اشتراك</button></form>
<ul class="site-footer__links"><li><a href="{site}/about/">من نحن</a></li>\
<li><a href="{site}/contact/">اتصل بنا</a></li>\
<li><a href="https://t.me/s/example_news" rel="noopener">تلغرام</a></li></ul>
<p class="site-footer__copy">جميع الحقوق محفوظة © 2026 {escape(view.name)}</p>
</footer>
</body>
</html>
"""


def _modern_article(view: View, item: PublishedArticle) -> str:
    site, a, title = view.url, item.article, escape(item.article.title)
    image = f"{site}{a.image}" if a.image else None
    paragraphs = content_html(a).split("\n")
    ad = f'<div class="ad-slot" id="{MODERN_AD_ID}">{MODERN_AD_ID}</div>'
    body = "\n".join([*paragraphs[:2], ad, *paragraphs[2:]])
    read_also = "".join(
        f'<li class="read-also__item"><a href="{i.url}">{escape(i.article.title)}</a></li>'
        for i in _related(view, item)
    )
    figure = (
        f'<figure class="story__figure"><img src="{image}" alt="{title}" loading="lazy"></figure>\n'
        if image
        else ""
    )
    share = quote(item.url, safe="")
    main = f"""<article class="story" data-post-id="{a.post_id}">
<div class="story__meta"><a class="story__category" href="{site}/category/{a.category}/">\
{escape(CATEGORIES[a.category])}</a>
<time class="story__time" datetime="{item.published.isoformat()}">\
{arabic_date(item.published)}</time></div>
<h1 class="story__headline">{title}</h1>
<div class="story__byline">بقلم: <span class="story__author">{escape(a.author)}</span></div>
{figure}<div class="story__body">
{body}
<div class="subscribe-prompt"><p>تابعونا على تلغرام لتصلكم الأخبار العاجلة لحظة بلحظة</p>\
<a class="subscribe-prompt__link" href="https://t.me/s/example_news">اشترك في القناة</a></div>
</div>
<div class="story__share"><span>مشاركة:</span>
<a href="https://www.facebook.com/sharer.php?u={share}">فيسبوك</a>
<a href="https://x.com/intent/post?url={share}">إكس</a>
<a href="https://t.me/share/url?url={share}">تلغرام</a></div>
</article>
<section class="read-also"><h2 class="read-also__title">اقرأ أيضاً</h2>
<ul class="read-also__list">{read_also}</ul></section>"""
    head = _article_meta(view, item, image) + _json_ld(view, item, image)
    return _modern_layout(view, f"{a.title} | {view.name}", main, head)


def _json_ld(view: View, item: PublishedArticle, image: str | None) -> str:
    """schema.org NewsArticle; ASCII-only JSON so no charset can garble it inside <script>."""
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": item.article.title,
        "datePublished": item.published.isoformat(),
        "dateModified": item.last_modified.isoformat(),
        "author": {"@type": "Person", "name": item.article.author},
        "publisher": {"@type": "Organization", "name": view.name},
        "mainEntityOfPage": item.url,
        "inLanguage": "ar",
    }
    if image:
        data["image"] = [image]
    text = json.dumps(data, ensure_ascii=True).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>\n'
