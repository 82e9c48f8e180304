"""Extraction: theme leftovers removed, HTML to text, safe HTML, and a whole WordPress page."""

from __future__ import annotations

import pytest

from syndicator.extract import extract_page, html_to_text, sanitize_html, strip_boilerplate
from tests.fakes.seed import PARAGRAPHS, TITLE

ARTICLE = "\n\n".join(PARAGRAPHS)
AD_ID = "5704117d9b036"
RELATED = "دي ميستورا يصل إلى دمشق في زيارة مفاجئة لبحث مناطق خفض التصعيد"


# --- strip_boilerplate ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(ARTICLE, ARTICLE, id="clean-article-untouched"),
        pytest.param(
            f"{ARTICLE}\n\n{AD_ID}\n\nمقالات ذات صلة\n\nزر الذهاب إلى الأعلى",
            ARTICLE,
            id="seed-page-tail",
        ),
        pytest.param(
            f"{PARAGRAPHS[0]}\n\n{AD_ID}\n\n{PARAGRAPHS[1]}",
            "\n\n".join(PARAGRAPHS[:2]),
            id="ad-id-mid-article",
        ),
        pytest.param(
            f"{PARAGRAPHS[0]}\n\nمقالات ذات صلة\n\n{RELATED}\n\n{PARAGRAPHS[1]}",
            PARAGRAPHS[0],
            id="everything-after-related-goes",
        ),
        pytest.param(
            f"{PARAGRAPHS[0]}\n\nمقالات ذات صلة:\n\n{RELATED}", PARAGRAPHS[0], id="related-colon"
        ),
        pytest.param(f"{PARAGRAPHS[0]}\n\nاقرأ أيضاً\n\n{RELATED}", PARAGRAPHS[0], id="read-also"),
        pytest.param(
            f"{PARAGRAPHS[0]}\n\nزر الذهاب إلى الأعلى\n\n{RELATED}",
            PARAGRAPHS[0],
            id="back-to-top-ends-article",
        ),
        pytest.param(
            f"{PARAGRAPHS[0]}\n\nشارك\n\nفيسبوك\n\nتويتر\n\nواتساب\n\nتيليجرام\n\nنسخ الرابط"
            f"\n\nطباعة\n\nشارك على فيسبوك\n\n{PARAGRAPHS[1]}",
            "\n\n".join(PARAGRAPHS[:2]),
            id="share-words",
        ),
        pytest.param(f"{PARAGRAPHS[0]}\n\n&nbsp;\n\n—\n\n", PARAGRAPHS[0], id="empty-ish-lines"),
        pytest.param(
            f"مقالات ذات صلة بالأزمة السورية تتناولها الصحف اليوم\n\n{PARAGRAPHS[0]}",
            f"مقالات ذات صلة بالأزمة السورية تتناولها الصحف اليوم\n\n{PARAGRAPHS[0]}",
            id="marker-words-inside-a-sentence-kept",
        ),
        pytest.param(
            f"{PARAGRAPHS[0]}\n\nشارك وزير الخارجية في الاجتماع",
            f"{PARAGRAPHS[0]}\n\nشارك وزير الخارجية في الاجتماع",
            id="share-verb-inside-sentence-kept",
        ),
        pytest.param("عقد الاجتماع عام 2017", "عقد الاجتماع عام 2017", id="short-number-kept"),
        pytest.param(
            f"{PARAGRAPHS[0]}\n\n00963112345678",
            f"{PARAGRAPHS[0]}\n\n00963112345678",
            id="phone-number-line-kept",
        ),
        pytest.param(f"{PARAGRAPHS[0]}\n\n64f1a2b3c4d5e", PARAGRAPHS[0], id="other-ad-id"),
    ],
)
def test_strip_boilerplate(text: str, expected: str) -> None:
    assert strip_boilerplate(text) == expected


# --- html_to_text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param(
            "<p>قال لافروف</p><p>و أكد بوتين</p>", "قال لافروف\n\nو أكد بوتين", id="paragraphs"
        ),
        pytest.param(
            "<h2>الشأن السوري</h2><div>خبر</div><blockquote>اقتباس</blockquote>",
            "الشأن السوري\n\nخبر\n\nاقتباس",
            id="block-elements",
        ),
        pytest.param("<ul><li>أستانة</li><li>جنيف</li></ul>", "أستانة\n\nجنيف", id="list-items"),
        pytest.param("<p>سطر<br>سطر آخر</p>", "سطر\n\nسطر آخر", id="br"),
        pytest.param(
            "<p>قال <b>بوتين</b> و <a href='/x'>لافروف</a> اليوم</p>",
            "قال بوتين و لافروف اليوم",
            id="inline-elements-stay-in-paragraph",
        ),
        pytest.param(
            "<p>خبر</p><script>var ad = '5704117d9b036';</script><style>p{color:red}</style>"
            "<noscript>فعّل جافاسكربت</noscript><p>تابع</p>",
            "خبر\n\nتابع",
            id="script-style-noscript-dropped",
        ),
        pytest.param(
            "<p>تركيا &amp; إيران &lt;قطر&gt; &quot;السعودية&quot; &#1587;&#x648;&#1585;&#1610;"
            "&#1575; &nbsp;&hellip;</p>",
            'تركيا & إيران <قطر> "السعودية" سوريا …',
            id="entities-decoded",
        ),
        pytest.param("<p>  دي \n  ميستورا  </p>", "دي ميستورا", id="whitespace-tidied"),
        pytest.param("", "", id="empty"),
        pytest.param("   ", "", id="blank"),
        pytest.param("نص بلا وسوم", "نص بلا وسوم", id="plain-text"),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


# --- sanitize_html -------------------------------------------------------------------------

BASE = "https://news.example.com/2017/10/19/russia-syria/"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param(
            "<p>قال لافروف</p><script>alert(1)</script>", "<p>قال لافروف</p>", id="script"
        ),
        pytest.param("<style>p{color:red}</style><p>خبر</p>", "<p>خبر</p>", id="style-element"),
        pytest.param(
            '<p onclick="steal()" style="color:red" class="x" dir="rtl">خبر</p>',
            "<p>خبر</p>",
            id="handlers-and-style-attributes",
        ),
        pytest.param(
            '<a href="javascript:alert(1)" onmouseover="x()">رابط</a>',
            '<a rel="noopener noreferrer">رابط</a>',
            id="javascript-link",
        ),
        pytest.param(
            '<a href="/category/syria/">الشأن السوري</a>',
            '<a href="https://news.example.com/category/syria/" rel="noopener noreferrer">'
            "الشأن السوري</a>",
            id="root-relative-href",
        ),
        pytest.param(
            '<img src="lavrov.jpg" alt="لافروف" onerror="x()">',
            f'<img src="{BASE}lavrov.jpg" alt="لافروف">',
            id="relative-src",
        ),
        pytest.param(
            '<a href="https://other.example.org/a?x=1&amp;y=2">مصدر</a>',
            '<a href="https://other.example.org/a?x=1&amp;y=2" rel="noopener noreferrer">مصدر</a>',
            id="absolute-href-kept",
        ),
        pytest.param(
            '<iframe src="https://ads.example.com/"></iframe><p>خبر</p><form><input></form>',
            "<p>خبر</p>",
            id="iframe-and-form-dropped",
        ),
        pytest.param("<div><span>نص</span></div>", "نص", id="disallowed-wrappers-unwrapped"),
    ],
)
def test_sanitize_html(html: str, expected: str) -> None:
    assert sanitize_html(html, BASE) == expected


def test_sanitize_html_never_leaves_active_content() -> None:
    dirty = (
        '<p onload="a()">خبر <a href=" JavaScript:alert(1)">x</a>'
        '<img src="data:image/png;base64,AAAA"><script>b()</script></p>'
    )
    clean = sanitize_html(dirty, BASE).lower()
    for bad in ("script", "javascript:", "onload", "data:", "alert"):
        assert bad not in clean


# --- extract_page --------------------------------------------------------------------------

PAGE_URL = "https://news.example.com/2017/10/19/russia-syria/"


def wordpress_page(furniture_inside_content: bool) -> str:
    """An Arabic WordPress article page with the theme's usual leftovers around the text."""
    body = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    tail = (
        f"<p>{AD_ID}</p>\n<p>شارك</p><p>فيسبوك</p><p>تويتر</p><p>واتساب</p>\n"
        f"<h3>مقالات ذات صلة</h3>\n<p>{RELATED}</p>\n<p>زر الذهاب إلى الأعلى</p>"
        if furniture_inside_content
        else f'<div class="ad-slot">{AD_ID}</div>'
    )
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{TITLE} - شبكة الأخبار</title>
<meta property="og:title" content="{TITLE}">
<meta property="og:image" content="/wp-content/uploads/2017/10/lavrov.jpg">
<meta name="author" content="فريق التحرير">
<script>var ajaxurl = "/wp-admin/admin-ajax.php";</script>
<style>.main-menu{{color:#fff}}</style>
</head><body class="post-template-default single single-post">
<header id="masthead"><nav class="main-menu"><ul>
<li><a href="/">الرئيسية</a></li><li><a href="/category/syria/">الشأن السوري</a></li>
<li><a href="/category/arab/">الشأن العربي</a></li><li><a href="/category/world/">دولي</a></li>
</ul></nav></header>
<div id="content" class="site-content"><main id="main">
<article id="post-4411" class="post type-post status-publish category-syria">
<header class="entry-header">
<span class="post-cat"><a href="/category/syria/" rel="category tag">الشأن السوري</a></span>
<h1 class="entry-title">{TITLE}</h1>
<div class="entry-meta"><span class="author">فريق التحرير</span>
<time datetime="2017-10-19T21:30:00+03:00">19 أكتوبر 2017</time></div>
</header>
<div class="entry-content">
{body}
<p>&nbsp;</p>
{tail}
</div>
<div class="share-buttons"><span>شارك</span>
<a href="https://facebook.com/sharer">فيسبوك</a> <a href="https://twitter.com/share">تويتر</a>
<a href="https://wa.me/">واتساب</a> <a href="#">نسخ الرابط</a></div>
<section class="related-posts"><h3>مقالات ذات صلة</h3><ul>
<li><a href="/2017/10/a/">{RELATED}</a></li>
<li><a href="/2017/10/b/">أنقرة تنشر قوات جديدة في إدلب ضمن اتفاق أستانة</a></li>
</ul></section>
</article></main>
<aside id="sidebar" class="widget-area"><section class="widget">
<h4 class="widget-title">الأكثر قراءة</h4><ul>
<li><a href="/2017/10/c/">واشنطن تعلن عن عقوبات جديدة على شخصيات مرتبطة بالنظام</a></li>
</ul></section></aside>
</div>
<footer><p>جميع الحقوق محفوظة © 2017 شبكة الأخبار</p>
<a id="go-to-top" href="#">زر الذهاب إلى الأعلى</a></footer>
<script>jQuery(function(){{ window.scrollTo(0, 0); }});</script>
</body></html>"""


LEFTOVERS = [
    AD_ID,
    "مقالات ذات صلة",
    "زر الذهاب إلى الأعلى",
    "فيسبوك",
    "تويتر",
    "واتساب",
    "نسخ الرابط",
    "الرئيسية",
    "الأكثر قراءة",
    "واشنطن تعلن",
    "أنقرة تنشر",
    RELATED,
    "جميع الحقوق محفوظة",
    "ajaxurl",
    "jQuery",
    "color:",
]


@pytest.mark.parametrize(
    "furniture_inside_content",
    [pytest.param(False, id="furniture-around"), pytest.param(True, id="furniture-inside")],
)
@pytest.mark.parametrize(
    "as_bytes", [pytest.param(False, id="str"), pytest.param(True, id="utf8-bytes")]
)
def test_extract_page_keeps_article_and_drops_leftovers(
    furniture_inside_content: bool, as_bytes: bool
) -> None:
    page = wordpress_page(furniture_inside_content)
    result = extract_page(page.encode() if as_bytes else page, PAGE_URL)

    assert result.text == ARTICLE
    for leftover in LEFTOVERS:
        assert leftover not in result.text, leftover
        assert leftover not in result.html, leftover
    assert result.html == "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def test_extract_page_metadata() -> None:
    result = extract_page(wordpress_page(furniture_inside_content=False), PAGE_URL)
    assert result.title == TITLE
    assert result.author == "فريق التحرير"
    assert result.image == "https://news.example.com/wp-content/uploads/2017/10/lavrov.jpg"
    assert result.categories == ("الشأن السوري",)


def test_scripts_and_styles_never_reach_the_title() -> None:
    """A page without <title> or og:title: the title comes from its <h1>."""
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = (
        f"<html><body><article><h1>{TITLE}<script>alert('h1')</script>"
        f"<style>h1{{color:red}}</style></h1>{body}</article></body></html>"
    )
    result = extract_page(page, PAGE_URL)
    assert result.title == TITLE
    assert "alert" not in result.text


def test_extract_page_html_is_escaped() -> None:
    page = wordpress_page(False).replace(
        f"<p>{PARAGRAPHS[0]}</p>", "<p>تركيا &amp; إيران &lt;script&gt; و قطر في أستانة اليوم</p>"
    )
    result = extract_page(page, PAGE_URL)
    assert "تركيا &amp; إيران &lt;script&gt; و قطر في أستانة اليوم" in result.html
    assert "<script>" not in result.html
    assert result.text.startswith("تركيا & إيران <script> و قطر في أستانة اليوم\n\n")


def test_extract_page_without_content_is_empty() -> None:
    result = extract_page("<html><body></body></html>", PAGE_URL)
    assert result.text == ""
    assert result.html == ""


@pytest.mark.parametrize(
    "prompt",
    [
        "تابعونا على تلغرام لتصلكم الأخبار العاجلة لحظة بلحظة",
        "اشترك في القناة",
        "اشتركوا في النشرة البريدية",
        "انضموا إلى قناتنا على واتساب",
        "نستخدم ملفات تعريف الارتباط لتحسين تجربتك",
        "ad-slot-8841a7f3c2",
    ],
)
def test_subscribe_prompts_and_ad_slots_are_removed(prompt: str) -> None:
    assert strip_boilerplate(f"{PARAGRAPHS[0]}\n\n{prompt}\n\n{PARAGRAPHS[1]}") == "\n\n".join(
        PARAGRAPHS[:2]
    )


def test_a_long_sentence_starting_like_a_prompt_is_kept() -> None:
    sentence = "اشترك في الاجتماع ممثلون عن " + "الفصائل والأحزاب والنقابات " * 5 + "في دمشق."
    assert strip_boilerplate(f"{PARAGRAPHS[0]}\n\n{sentence}") == f"{PARAGRAPHS[0]}\n\n{sentence}"


def test_headline_repeated_as_first_paragraph_is_dropped() -> None:
    page = (
        f"<html><head><title>{TITLE}</title></head><body><article>"
        f"<h1>{TITLE}</h1><div class='entry-content'><p>{TITLE}</p>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</div></article></body></html>"
    )
    extracted = extract_page(page.encode(), "https://news.example.com/a/")
    assert extracted.text.split("\n\n")[0] == PARAGRAPHS[0]


def test_windows_1256_page_is_decoded_by_our_rule() -> None:
    page = (
        "<html><head><meta charset='windows-1256'><title>عنوان</title></head><body><article>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article></body></html>"
    ).encode("cp1256", errors="xmlcharrefreplace")
    extracted = extract_page(page, "https://news.example.com/a/", "text/html")
    assert PARAGRAPHS[1][:60] in extracted.text


def test_sanitized_html_has_no_control_or_bidi_override_characters() -> None:
    html = "<p>خبر\x1b[31m عاجل\u202e\x00 نص\x85</p>"
    assert sanitize_html(html, "https://news.example.com/") == "<p>خبر[31m عاجل نص</p>"
