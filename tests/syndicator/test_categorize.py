"""Categorization: a site's category names -> our slugs, across Arabic spelling variants."""

from __future__ import annotations

import pytest

from syndicator.categorize import Taxonomy, alias_index, categorize
from syndicator.model import Category

CATEGORIES = [
    Category("syria", "الشأن السوري", aliases=("سوريا", "سورية", "أخبار سوريا")),
    Category("arab", "الشأن العربي", aliases=("أخبار عربية", "عربي")),
    Category("world", "دولي", aliases=("أخبار العالم",)),
    Category("economy", "اقتصاد", aliases=("إقتصاد وأعمال",)),
]
INDEX = alias_index(CATEGORIES)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        pytest.param("الشأن السوري", "syria", id="exact-name"),
        pytest.param("سورية", "syria", id="exact-alias"),
        pytest.param("سوريه", "syria", id="teh-marbuta-vs-heh"),
        pytest.param("الشان السوري", "syria", id="hamza-dropped"),
        pytest.param("الشأن السوريّ", "syria", id="shadda"),
        pytest.param("سُورِيَة", "syria", id="full-diacritics"),
        pytest.param("الشـأن الســوري", "syria", id="tatweel"),
        pytest.param("  الشأن   السوري ", "syria", id="spacing"),
        pytest.param("اخبار سوريا", "syria", id="alef-hamza-in-alias"),
        pytest.param("أخبار عربيه", "arab", id="alias-teh-marbuta"),
        pytest.param("إقتصاد", "economy", id="alef-hamza-below-vs-name"),
        pytest.param("اقتصاد وأعمال", "economy", id="alias-hamza-below-dropped"),
        pytest.param("World", "world", id="slug-casefolded"),
        pytest.param("دولى", "world", id="alef-maqsura"),
    ],
)
def test_alias_matching(name: str, slug: str) -> None:
    assert categorize([name], [], INDEX) == (slug,)


def test_alias_index_keys_are_normalized() -> None:
    assert INDEX["سوريه"] == "syria"
    assert INDEX["الشان السوري"] == "syria"
    assert INDEX["syria"] == "syria"
    assert "الشأن السوري" not in INDEX  # stored folded, never in published spelling


def test_alias_index_first_category_wins_a_shared_alias() -> None:
    index = alias_index(
        [Category("syria", "سوريا", aliases=("المشرق",)), Category("levant", "المشرق")]
    )
    assert index["المشرق"] == "syria"


@pytest.mark.parametrize(
    ("names", "source_categories", "expected"),
    [
        pytest.param(
            ["دولي", "سورية"], ["economy"], ("economy", "world", "syria"), id="source-first"
        ),
        pytest.param(
            ["سوريا", "الشأن العربي"],
            ["syria", "world"],
            ("syria", "world", "arab"),
            id="source-then-names-no-duplicate",
        ),
        pytest.param(["سورية", "سوريه", "الشأن السوري"], [], ("syria",), id="variants-count-once"),
        pytest.param([], ["syria", "syria", "world"], ("syria", "world"), id="source-deduplicated"),
        pytest.param(["رياضة", "منوعات", ""], [], (), id="unknown-ignored"),
        pytest.param(
            ["رياضة", "عربي", "منوعات"], ["world"], ("world", "arab"), id="unknown-among-known"
        ),
        pytest.param([], [], (), id="nothing"),
        pytest.param(["الشأن العربي", "سوريا"], [], ("arab", "syria"), id="names-order-kept"),
    ],
)
def test_categorize(
    names: list[str], source_categories: list[str], expected: tuple[str, ...]
) -> None:
    assert categorize(names, source_categories, INDEX) == expected


# --- Taxonomy: aliases, URL patterns, keywords, default ------------------------------------

RULES = [
    Category("syria", "الشأن السوري", aliases=("سوريا",), url_patterns=(r"/category/syria/",)),
    Category(
        "economy", "اقتصاد", url_patterns=(r"/(economy|business)/",), keywords=("صندوق النقد",)
    ),
    Category("politics", "سياسة", keywords=("الأسد", "مجلس الأمن")),
    Category("misc", "منوعات"),
]


@pytest.mark.parametrize(
    ("names", "source", "url", "title", "text", "expected"),
    [
        pytest.param(["سوريا"], [], "https://x.test/a/", "خبر", "", ("syria",), id="alias"),
        pytest.param(
            [], [], "https://x.test/category/syria/post/", "خبر", "", ("syria",), id="url"
        ),
        pytest.param(
            [],
            [],
            "https://x.test/%D8%A7/business/1/",
            "خبر",
            "",
            ("economy",),
            id="url-encoded-path",
        ),
        pytest.param(
            [], [], "https://x.test/a/", "صندوق النقد يرفع توقعاته", "", ("economy",), id="phrase"
        ),
        pytest.param(
            [],
            [],
            "https://x.test/a/",
            "لقاء مع الاسد",
            "",
            ("politics",),
            id="keyword-hamza-folded",
        ),
        pytest.param(
            [],
            [],
            "https://x.test/a/",
            "خبر",
            "قال الأسدي إن",
            ("misc",),
            id="not-inside-a-longer-word",
        ),
        pytest.param(
            [],
            [],
            "https://x.test/a/",
            "خبر",
            "اجتماع مجلس الأمن الدولي",
            ("politics",),
            id="keyword-in-lead",
        ),
        pytest.param(
            [],
            [],
            "https://x.test/a/",
            "خبر",
            "كلام " * 200 + "الأسد",
            ("misc",),
            id="keyword-beyond-lead-ignored",
        ),
        pytest.param(
            ["سوريا"],
            ["economy"],
            "https://x.test/category/syria/",
            "لقاء مع الأسد",
            "",
            ("economy", "syria", "politics"),
            id="all-rules-in-order-no-duplicates",
        ),
        pytest.param([], [], "https://x.test/a/", "خبر", "", ("misc",), id="default"),
    ],
)
def test_taxonomy_assign(
    names: list[str],
    source: list[str],
    url: str,
    title: str,
    text: str,
    expected: tuple[str, ...],
) -> None:
    taxonomy = Taxonomy.build(RULES, default="misc")
    got = taxonomy.assign(names=names, source_categories=source, url=url, title=title, text=text)
    assert got == expected


def test_taxonomy_without_default_leaves_unmatched_uncategorized() -> None:
    taxonomy = Taxonomy.build(RULES)
    assert (
        taxonomy.assign(names=[], source_categories=[], url="https://x.test/", title="خبر", text="")
        == ()
    )
    assert Taxonomy.build(RULES, default="unknown").default is None
