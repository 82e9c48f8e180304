"""Cleanup before summarizing: what is not the story goes, the story stays as written."""

from __future__ import annotations

import pytest

from syndicator.summarize.cleanup import paragraphs, undateline

STORY = "أعلنت وزارة الخارجية اليوم عن بدء جولة جديدة من المحادثات بين الأطراف في جنيف."


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        pytest.param(f"دمشق - {STORY}", STORY, id="city-dash"),
        pytest.param(f"دمشق– {STORY}", STORY, id="city-en-dash-no-space-before"),
        pytest.param(f"دمشق - سانا: {STORY}", STORY, id="city-agency-colon"),
        pytest.param(f"بيروت - الوكالة الوطنية للإعلام: {STORY}", STORY, id="city-long-agency"),
        pytest.param(f"القاهرة (رويترز) - {STORY}", STORY, id="bracketed-agency"),
        pytest.param(f"واشنطن، 12 مارس (أ ف ب) - {STORY}", STORY, id="city-date-agency"),
        pytest.param(f"(رويترز) - {STORY}", STORY, id="agency-only"),
        pytest.param(f"لندن – بي بي سي: {STORY}", STORY, id="bbc"),
        pytest.param(STORY, STORY, id="no-dateline"),
        pytest.param(f"قالت الوزارة: {STORY}", f"قالت الوزارة: {STORY}", id="colon-is-a-sentence"),
        pytest.param(
            f"أكد الرئيس - في كلمة ألقاها أمام البرلمان - {STORY}",
            f"أكد الرئيس - في كلمة ألقاها أمام البرلمان - {STORY}",
            id="dash-aside-kept",
        ),
        pytest.param("دمشق - خبر قصير.", "دمشق - خبر قصير.", id="too-little-would-remain"),
        pytest.param(
            f"قال وزير الخارجية الروسي سيرغي لافروف - {STORY}",
            f"قال وزير الخارجية الروسي سيرغي لافروف - {STORY}",
            id="five-words-is-not-a-place",
        ),
    ],
)
def test_undateline(paragraph: str, expected: str) -> None:
    assert undateline(paragraph) == expected


@pytest.mark.parametrize(
    "furniture",
    [
        pytest.param("بقلم: أحمد محمد", id="byline"),
        pytest.param("كتب - سامر الحلبي", id="byline-dash"),
        pytest.param("المصدر: وكالات", id="source"),
        pytest.param("المصدر : بي بي سي عربي", id="source-spaced-colon"),
        pytest.param("مصدر الصورة Getty Images", id="bbc-photo-credit"),
        pytest.param("الصورة: أرشيفية", id="photo-caption"),
        pytest.param("اقرأ أيضاً: روسيا تقرر طرد 23 دبلوماسيا بريطانيا", id="read-also-inline"),
        pytest.param("إقرأ أيضا: سوريا والمعارضة", id="read-also-hamza"),
        pytest.param("للمزيد من الأخبار تابعونا على تلغرام", id="more-news"),
        pytest.param("جميع الحقوق محفوظة © 2026", id="copyright"),
        pytest.param("----------------------------------------", id="separator"),
        pytest.param("5704117d9b036", id="theme-ad-id"),
    ],
)
def test_furniture_paragraphs_go(furniture: str) -> None:
    assert paragraphs(f"{STORY}\n{furniture}\n{STORY}") == [STORY, STORY]


def test_tail_markers_end_the_story() -> None:
    text = f"{STORY}\n\nمقالات ذات صلة\n\nروسيا تتجه لمؤتمر شعوب سوريا\n\nزر الذهاب إلى الأعلى"
    assert paragraphs(text) == [STORY]


def test_single_newlines_separate_paragraphs_as_in_feeds_without_markup() -> None:
    assert paragraphs(f"{STORY}\n{STORY}\r\n\n{STORY}") == [STORY] * 3


def test_agency_line_before_the_story_goes() -> None:
    assert paragraphs(f"(أ ف ب)\n{STORY}") == [STORY]
    assert paragraphs(f"دمشق -\n{STORY}") == [STORY]


def test_a_sentence_that_starts_like_furniture_stays() -> None:
    text = "المصدر الرئيسي للطاقة في البلاد هو الغاز الطبيعي المستورد من الخارج منذ عقود."
    assert paragraphs(text) == [text]
    assert paragraphs(f"{STORY}\nكتب الروائي المصري الراحل نجيب محفوظ عشرات الروايات.") == [
        STORY,
        "كتب الروائي المصري الراحل نجيب محفوظ عشرات الروايات.",
    ]
