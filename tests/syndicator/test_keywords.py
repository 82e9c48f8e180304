"""Keyword matching: normalized Arabic, whole words, only the standard prefixes before."""

from __future__ import annotations

import pytest

from syndicator.keywords import KeywordIndex, article_text, matches, phrase, stems

CASES = [
    # (keyword, text, expected)
    ("الاسد", "التقى الأسد بالوفد", True),  # hamza on alef folded
    ("الأسد", "قال الاسد", True),
    ("الأسد", "وقال والأسد لم يحضر", True),  # و
    ("الأسد", "فالأسد غاب", True),  # ف
    ("الأسد", "التقى بالأسد", True),  # ب
    ("الأسد", "كالأسد في عرينه", True),  # ك
    ("الأسد", "رسالة للأسد", True),  # ل + ال written «لل»
    ("الأسد", "وللأسد موقف", True),  # و + ل + ال
    ("الأسد", "وبالأسد", True),  # و + ب + ال
    ("الأسد", "قال الأسدي", False),  # a letter after the keyword
    ("الأسد", "والأسدي", False),
    ("الأسد", "رأى أسدا", False),
    ("الأسد", "أسد", False),  # the keyword's own «ال» may not be missing
    ("الأسد", "سالأسد", False),  # «س» is not a proclitic
    ("الأسد", "وفالأسد", False),  # two conjunctions
    ("الأسد", "ببالأسد", False),  # two prepositions
    ("دمشق", "وصل إلى دمشق", True),
    ("دمشق", "في ودمشق", True),
    ("دمشق", "بدمشق", True),
    ("دمشق", "لدمشق", True),
    ("دمشق", "الدمشقي", False),
    ("دمشق", "دمشقي", False),
    ("دمشق", "الدمشق", True),  # «ال» before the keyword is allowed
    ("حلب", "وحلب", True),
    ("حلب", "حلبي", False),
    ("حلب", "الحلبة", False),
    ("سورية", "في سوريه", True),  # teh marbuta folded
    ("سورية", "سوريَّة", True),  # diacritics removed
    ("سوريا", "في سوريـا", True),  # tatweel removed
    ("مسؤول", "قال مسئول كبير", True),  # hamza seats folded
    ("بشار الأسد", "التقى بشار الأسد", True),  # a phrase
    ("بشار الأسد", "رسالة لبشار الأسد", True),  # a prefix on the first word
    ("بشار الأسد", "بشار والأسد", False),  # not on the next words
    ("بشار الأسد", "بشار الأسدي", False),
    ("بشار الأسد", "الأسد بشار", False),  # order matters
    ("كورونا", "انتشار فيروس كورونا", True),
    ("iPhone", "أطلقت آبل iphone الجديد", True),  # Latin case-folded
    ("2026", "عام ٢٠٢٦", True),  # Arabic-Indic digits
    ("النفط", "أسعار النفط ترتفع", True),
    ("النفط", "أسعار للنفط", True),
    ("النفط", "نفطية", False),
    ("...", "أي نص", False),  # no words: never matches
]


@pytest.mark.parametrize(("keyword", "text", "expected"), CASES)
def test_matches(keyword: str, text: str, expected: bool) -> None:
    assert matches(keyword, text) is expected


@pytest.mark.parametrize(("keyword", "text", "expected"), CASES)
def test_index_agrees_with_matches(keyword: str, text: str, expected: bool) -> None:
    index = KeywordIndex.build([("k", keyword)])
    assert (index.matching(text) == {"k"}) is expected


def test_index_finds_every_matching_key_in_one_pass() -> None:
    index = KeywordIndex.build(
        [(1, "الأسد"), (2, "دمشق"), (3, "النفط"), (1, "حلب"), (4, "بشار الأسد"), (5, "!!")]
    )
    assert index.matching("وصل بشار الأسد إلى دمشق") == {1, 2, 4}
    assert index.matching("أسعار النفط في حلب") == {1, 3}
    assert index.matching("لا شيء هنا") == set()
    assert not KeywordIndex.build([(1, "؟")])
    assert KeywordIndex.build([]).matching("الأسد") == set()


def test_stems_and_phrase() -> None:
    assert stems("وللاسد") >= {"الاسد", "اسد"}
    assert "اسدي" not in stems("الاسد")
    assert phrase(" بشّار  الأسد ") == ("بشار", "الاسد")


def test_article_text_bounds_the_body() -> None:
    text = article_text("عنوان", "ملخص", "كلمة " * 1000)
    assert text.startswith("عنوان\nملخص\n")
    assert len(text) < 1100
