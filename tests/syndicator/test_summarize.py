"""Lead-sentence summarizer on the seed article."""

from __future__ import annotations

import pytest

from syndicator.summarize import LeadSummarizer
from syndicator.summarize.lead import ELLIPSIS, truncate
from tests.fakes.seed import TEXT, TITLE

LEAD = (
    "قال وزير الخارجية الروسي سيرغي لافروف ، مساء اليوم الخميس التاسع عشر من أكتوبر/ تشرين "
    "الأول الجاري : إنّ ” تحقيق النجاح النهائي في مكافحة الإرهاب في سوريا أصبح على وشك "
    "الانتهاء ، و ذلك بفضل جهود كلّ الذين يحاربون تنظيمي ( داعش ) و ( جبهة النصرة ) ” ."
)


def test_lead_of_seed_article_is_its_first_sentence() -> None:
    summary = LeadSummarizer().summarize(TITLE, TEXT)
    assert summary == LEAD
    assert len(summary) == 250  # fits the default 280-character budget untouched


@pytest.mark.parametrize(
    "dateline",
    [
        pytest.param("موسكو، 19 أكتوبر.", id="city-and-date"),
        pytest.param("سوتشي - الأناضول .", id="city-and-agency"),
        pytest.param("عاجل!", id="one-word"),
        pytest.param("موسكو.\n\nالخميس 19.10.", id="two-short-paragraphs"),
    ],
)
def test_short_dateline_sentences_are_skipped(dateline: str) -> None:
    assert LeadSummarizer().summarize(TITLE, f"{dateline}\n\n{TEXT}") == LEAD


def test_dateline_in_the_same_paragraph_is_skipped() -> None:
    assert LeadSummarizer().summarize(TITLE, f"موسكو، 19 أكتوبر. {TEXT}") == LEAD


def test_min_words_is_configurable() -> None:
    text = "بوتين يتحدث في فالداي. " + TEXT
    assert LeadSummarizer().summarize(TITLE, text) == "بوتين يتحدث في فالداي."
    assert LeadSummarizer(min_words=5).summarize(TITLE, text) == LEAD


def best_cut(text: str, budget: int) -> str:
    """The longest prefix ending at a word boundary that fits `budget` with «…» appended."""
    fitting = [
        text[:i].rstrip(" ،:")
        for i, char in enumerate(text)
        if char == " " and len(text[:i].rstrip(" ،:")) + 1 <= budget
    ]
    return max(fitting, key=len)


@pytest.mark.parametrize("budget", [40, 100, 137, 200, 248, 249])
def test_budget_respected_with_word_boundary_cut(budget: int) -> None:
    summary = LeadSummarizer(max_chars=budget).summarize(TITLE, TEXT)
    assert len(summary) <= budget
    assert summary.endswith(ELLIPSIS)
    kept = summary.removesuffix(ELLIPSIS)
    assert LEAD.startswith(kept)
    assert LEAD[len(kept)] == " "  # cut between words, never inside one
    assert not kept.endswith((" ", "،", ":"))  # no dangling separator before «…»
    assert kept == best_cut(LEAD, budget)  # the last word boundary that fits


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        pytest.param("دي ميستورا في جنيف", 18, "دي ميستورا في جنيف", id="fits-exactly"),
        pytest.param("دي ميستورا في جنيف", 17, "دي ميستورا في…", id="cut-at-space"),
        pytest.param("دي ميستورا في جنيف اليوم", 15, "دي ميستورا في…", id="space-at-budget"),
        pytest.param("دي ميستورا في جنيف اليوم", 14, "دي ميستورا في…", id="word-ends-at-budget"),
        pytest.param("قال لافروف ، مساء اليوم", 16, "قال لافروف…", id="dangling-comma-dropped"),
        pytest.param("قال بوتين : إنّ روسيا", 13, "قال بوتين…", id="dangling-colon-dropped"),
        pytest.param("مؤتمرشعوبسوريا", 6, "مؤتمر…", id="single-long-word-hard-cut"),
    ],
)
def test_truncate(text: str, limit: int, expected: str) -> None:
    assert truncate(text, limit) == expected
    assert len(truncate(text, limit)) <= limit


@pytest.mark.parametrize(
    "text",
    [pytest.param("", id="empty"), pytest.param(" \n\n\u200b\t", id="blank")],
)
def test_empty_text_falls_back_to_title(text: str) -> None:
    assert LeadSummarizer().summarize(TITLE, text) == TITLE


def test_title_fallback_is_truncated_too() -> None:
    assert LeadSummarizer(max_chars=30).summarize(TITLE, "") == "روسيا تتجه لمؤتمر شعوب سوريا…"
