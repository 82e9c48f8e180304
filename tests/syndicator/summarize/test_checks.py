"""Checks every published summary passes, whichever backend wrote it."""

from __future__ import annotations

import pytest

from syndicator.errors import SummaryError
from syndicator.summarize import Budget
from syndicator.summarize.checks import check, unsupported_tokens

SOURCE = (
    "أعلنت شركة Apple يوم 19.10.2026 عن استثمار 1,200 مليون دولار في مصنعها بمدينة دبي، "
    "وقال مديرها التنفيذي Tim Cook إن المصنع سيوظف ٣٥٠٠ عامل بنسبة نمو 3.5 في المئة."
)


@pytest.mark.parametrize(
    ("summary", "missing"),
    [
        pytest.param("شركة Apple تستثمر في دبي", [], id="latin-present"),
        pytest.param("شركة apple تستثمر في دبي", [], id="latin-case-folded"),
        pytest.param("شركة Google تستثمر في دبي", ["google"], id="latin-invented"),
        pytest.param("المصنع سيوظف 3500 عامل", [], id="arabic-indic-digits-in-source"),
        pytest.param("المصنع سيوظف ٣٥٠٠ عامل", [], id="arabic-indic-digits-in-summary"),
        pytest.param("استثمار 1200 مليون دولار", [], id="thousands-separator-dropped"),
        pytest.param("نمو 3.5 في المئة", [], id="decimal"),
        pytest.param("نمو ٣٫٥ في المئة", [], id="arabic-decimal-separator"),
        pytest.param("نمو 4.5 في المئة", ["4.5"], id="decimal-changed"),
        pytest.param("المصنع سيوظف 5000 عامل", ["5000"], id="number-invented"),
        pytest.param("في 19.10.2026 أعلنت الشركة", [], id="date"),
        pytest.param("قال Tim Cook ومارك Zuckerberg", ["zuckerberg"], id="one-of-two-names"),
    ],
)
def test_unsupported_tokens(summary: str, missing: list[str]) -> None:
    assert unsupported_tokens(summary, SOURCE) == missing


def test_a_faithful_summary_passes_tidied_to_one_line() -> None:
    assert check("شركة Apple تستثمر\n 1,200 مليون دولار في دبي.", SOURCE, Budget.SHORT) == (
        "شركة Apple تستثمر 1,200 مليون دولار في دبي."
    )


@pytest.mark.parametrize(
    ("summary", "budget", "reason"),
    [
        pytest.param("", Budget.SHORT, "empty", id="empty"),
        pytest.param("   \n ", Budget.SHORT, "empty", id="blank"),
        pytest.param("Apple invests in Dubai.", Budget.SHORT, "no Arabic", id="english"),
        pytest.param("شركة " * 60, Budget.SHORT, "over 280", id="too-long-short"),
        pytest.param("شركة " * 130, Budget.STANDARD, "over 600", id="too-long-standard"),
        pytest.param(
            "أعلنت الشركة عن استثمار. وقال مديرها إن المصنع كبير.",
            Budget.SHORT,
            "2 sentences, over 1",
            id="two-sentences-short",
        ),
        pytest.param(
            "جملة أولى هنا. جملة ثانية هنا. جملة ثالثة هنا. جملة رابعة هنا.",
            Budget.STANDARD,
            "4 sentences, over 3",
            id="four-sentences-standard",
        ),
        pytest.param("استثمرت Google مبلغ 99 مليونا", Budget.SHORT, "99, google", id="invented"),
    ],
)
def test_rejections_name_the_failed_check(summary: str, budget: Budget, reason: str) -> None:
    with pytest.raises(SummaryError, match=reason):
        check(summary, SOURCE, budget)


def test_an_elision_mark_inside_a_sentence_is_not_a_sentence_end() -> None:
    summary = "أعلنت شركة Apple عن استثمار … وقال مديرها إن المصنع سيوظف 3500 عامل."
    assert check(summary, SOURCE, Budget.SHORT) == summary
