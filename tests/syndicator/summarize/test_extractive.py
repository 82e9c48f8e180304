"""Extractive summarizer: lead bias, headline awareness, cleanup, budgets, faithfulness.

The articles are the seed page and the sample site's articles (written in the same register),
plus small texts built for one behaviour each. Scores are measured in bench/summaries.py, not
here: these tests pin behaviour.
"""

from __future__ import annotations

import re

import pytest

from syndicator import arabic
from syndicator.demo.site import load_articles
from syndicator.summarize import LIMITS, Budget, ExtractiveSummarizer, summarize
from syndicator.summarize.checks import check
from syndicator.summarize.extractive import ELLIPSIS, SHORT_TARGET
from tests.fakes.seed import TEXT, TITLE

ARTICLES = [(a.title, "\n\n".join(a.paragraphs)) for a in load_articles()]
BUDGETS = list(Budget)

# Sentences in the register of the sample site, each long enough to stand alone.
LEAD = "أعلنت وزارة الصحة في لبنان اليوم عن افتتاح مستشفى ميداني جديد في مدينة صيدا الجنوبية."
SECOND = "ويضم المستشفى الجديد مئة وعشرين سريرا وغرفتين للعمليات الجراحية وقسما لطب الأطفال."
THIRD = "وقال وزير الصحة إن المشروع ممول من منحة دولية وسيخدم سكان المنطقة والنازحين إليها."
BODY = f"{LEAD}\n\n{SECOND}\n\n{THIRD}"


def fragments(summary: str) -> list[str]:
    """The pieces of a summary between elisions, without the marks themselves."""
    return [p.strip(" ،؛:") for p in summary.split(ELLIPSIS) if p.strip(" ،؛:")]


def assert_extracted_from(summary: str, source: str) -> None:
    """Every sentence of every piece of the summary is the source's own text, in its own
    orthography (pieces are separated by «…»; a standard summary may skip a fragment)."""
    cleaned = arabic.clean_line(source)
    for piece in fragments(summary):
        for sentence in arabic.sentences(piece):
            assert sentence in cleaned, sentence


# --- the seed article ---------------------------------------------------------------------


def test_seed_short_summary_carries_the_headline_claim() -> None:
    summary = summarize(TITLE, TEXT, Budget.SHORT)
    assert "مؤتمر شعوب سوريا" in summary
    assert len(summary) <= LIMITS[Budget.SHORT].chars
    assert summary.startswith("و أشار بوتين")  # the head clause says who said it
    assert_extracted_from(summary, TEXT)


def test_seed_standard_summary_carries_the_headline_claim() -> None:
    summary = summarize(TITLE, TEXT, Budget.STANDARD)
    assert "مؤتمر شعوب سوريا" in summary
    assert len(summary) <= LIMITS[Budget.STANDARD].chars
    assert_extracted_from(summary, TEXT)


# --- choice of sentence -------------------------------------------------------------------


def test_lead_wins_when_it_states_the_headline() -> None:
    title = "افتتاح مستشفى ميداني في صيدا"
    assert summarize(title, BODY, Budget.SHORT) == LEAD


def test_later_sentence_wins_when_it_carries_much_more_of_the_headline() -> None:
    background = "تشهد المنطقة منذ سنوات موجات متتالية من النزوح بسبب الأوضاع الأمنية الصعبة هناك."
    title = "مستشفى جديد بمئة وعشرين سريرا وغرفتين للعمليات"
    text = f"{background}\n\n{SECOND}\n\n{THIRD}"
    assert summarize(title, text, Budget.SHORT) == SECOND


def test_lead_kept_when_a_later_sentence_is_only_slightly_closer_to_the_headline() -> None:
    title = "وزارة الصحة والمستشفى الميداني: سرير جديد"
    assert summarize(title, BODY, Budget.SHORT) == LEAD


def test_sentences_too_short_to_stand_alone_are_skipped() -> None:
    text = f"عاجل!\n\nصيدا.\n\nتفاصيل الخبر الكاملة.\n\n{BODY}"
    assert summarize("مستشفى في صيدا", text, Budget.SHORT) == LEAD


def test_a_sentence_beyond_the_window_never_replaces_the_lead() -> None:
    filler = [
        f"وتتابع الجهات المعنية في المدينة تطورات الوضع الصحي عن كثب منذ الأسبوع {n}."
        for n in ("الأول", "الثاني", "الثالث", "الرابع")
    ]
    text = "\n\n".join([LEAD, *filler, SECOND])
    assert summarize("مئة وعشرين سريرا وغرفتين للعمليات الجراحية", text, Budget.SHORT) == LEAD


# --- cleanup ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(f"صيدا - الوكالة الوطنية: {BODY}", id="dateline-agency"),
        pytest.param(f"بيروت (رويترز) - {BODY}", id="dateline-bracketed-agency"),
        pytest.param(f"(أ ف ب)\n\n{BODY}", id="agency-line"),
        pytest.param(f"بقلم: سامر الحلبي\n\n{BODY}", id="byline"),
        pytest.param(f"اقرأ أيضاً: افتتاح مدرسة جديدة في صور بتمويل أوروبي\n\n{BODY}", id="related"),
        pytest.param(f"مصدر الصورة Getty Images\n\n{BODY}", id="photo-credit"),
        pytest.param(f"-----------\n\n{BODY}\n\nالمصدر: وكالات", id="separator-and-trailer"),
    ],
)
def test_furniture_never_reaches_the_summary(text: str) -> None:
    assert summarize("افتتاح مستشفى ميداني في صيدا", text, Budget.SHORT) == LEAD


def test_standard_budget_takes_the_lead_sentences_in_order() -> None:
    summary = summarize("افتتاح مستشفى ميداني في صيدا", BODY, Budget.STANDARD)
    assert summary == f"{LEAD} {SECOND} {THIRD}"


def test_standard_budget_keeps_article_order_around_a_later_choice() -> None:
    background = "تشهد المنطقة منذ سنوات موجات متتالية من النزوح بسبب الأوضاع الأمنية الصعبة هناك."
    text = f"{background}\n\n{SECOND}\n\n{THIRD}"
    summary = summarize("مستشفى جديد بمئة وعشرين سريرا وغرفتين للعمليات", text, Budget.STANDARD)
    assert summary == f"{background} {SECOND} {THIRD}"


# --- cutting at clause boundaries ---------------------------------------------------------

HEAD = "قال رئيس بلدية صيدا في مؤتمر صحفي عقده صباح اليوم في مبنى البلدية القديم وسط المدينة،"
CLAUSES = [
    "إن العمل في المستشفى الميداني الجديد سيبدأ مطلع الشهر المقبل بعد اكتمال التجهيزات،",
    "مشيرا إلى أن الطواقم الطبية وصلت بالفعل من العاصمة بيروت ومن مدن الشمال،",
    "ومؤكدا أن البلدية ستؤمن الكهرباء والمياه للمستشفى على مدار الساعة طوال فترة عمله،",
    "على الرغم من الأزمة التي تعانيها المؤسسات العامة في البلاد منذ سنوات.",
]
LONG = " ".join([HEAD, *CLAUSES])


def test_long_sentence_is_cut_after_a_clause_and_marked() -> None:
    summary = summarize("رئيس بلدية صيدا يتحدث في مؤتمر صحفي", LONG, Budget.SHORT)
    assert len(LONG) > LIMITS[Budget.SHORT].chars
    assert summary.endswith(ELLIPSIS)
    assert len(summary) <= SHORT_TARGET
    kept = summary.removesuffix(ELLIPSIS)
    assert LONG.startswith(kept)
    assert LONG[len(kept)] in "،؛:"  # the cut falls on a clause boundary


def test_cut_keeps_the_head_and_jumps_to_the_clause_with_the_headline_claim() -> None:
    summary = summarize("البلدية ستؤمن الكهرباء والمياه للمستشفى", LONG, Budget.SHORT)
    head, tail = summary.split(f" {ELLIPSIS} ")
    assert HEAD.startswith(head)
    assert tail.startswith("ومؤكدا أن البلدية ستؤمن الكهرباء والمياه")
    assert len(summary) <= LIMITS[Budget.SHORT].chars


def test_trailing_attribution_is_dropped_and_the_period_kept() -> None:
    sentence = (
        "قتل سبعة أشخاص على الأقل وأصيب اثنا عشر آخرون في انفجار وقع قرب سوق شعبي "
        "في مدينة حلب شمال سوريا مساء الخميس، بحسب مصادر طبية محلية."
    )
    summary = summarize("انفجار قرب سوق شعبي في حلب", sentence, Budget.SHORT)
    assert summary == sentence.split("، بحسب")[0] + "."


def test_sentence_without_any_clause_boundary_is_cut_at_a_word() -> None:
    sentence = " ".join(["كلمة"] * 200) + "."
    summary = summarize("عنوان", sentence, Budget.SHORT)
    assert len(summary) <= LIMITS[Budget.SHORT].chars
    assert summary.endswith("كلمة" + ELLIPSIS)


# --- budgets, fallbacks and hostile input ------------------------------------------------


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize(("title", "text"), ARTICLES, ids=[t[:20] for t, _ in ARTICLES])
def test_every_sample_article_passes_the_published_checks(
    title: str, text: str, budget: Budget
) -> None:
    summary = summarize(title, text, budget)
    assert check(summary, f"{title}\n{text}", budget) == summary
    assert_extracted_from(summary, text)


@pytest.mark.parametrize("budget", BUDGETS)
def test_empty_text_falls_back_to_the_title(budget: Budget) -> None:
    assert summarize("عنوان الخبر", "", budget) == "عنوان الخبر"
    assert summarize("عنوان الخبر", "\n\n---\n\n", budget) == "عنوان الخبر"


@pytest.mark.parametrize("budget", BUDGETS)
def test_hostile_text_stays_within_budget(budget: Budget) -> None:
    limits = LIMITS[budget]
    text = "<script>alert(1)</script> " + "أ" * 10_000 + "\x00 & < >"
    summary = summarize("عنوان", text, budget)
    assert len(summary) <= limits.chars
    assert "\x00" not in summary


@pytest.mark.parametrize("budget", BUDGETS)
def test_many_short_sentences_respect_the_sentence_count(budget: Budget) -> None:
    text = " ".join([LEAD, SECOND, THIRD, LEAD.replace("صيدا", "صور")])
    summary = summarize("مستشفى ميداني", text, budget)
    assert len(arabic.sentences(summary)) <= LIMITS[budget].sentences


def test_the_source_orthography_is_kept() -> None:
    text = "أعلنـت الحكومةُ اليومَ عن خطّة جديدة لإعادة إعمار المدارس المتضررة في الجنوب."
    assert summarize("خطة لإعادة إعمار المدارس", text, Budget.SHORT) == text


async def test_the_backend_wraps_the_pure_function() -> None:
    backend = ExtractiveSummarizer()
    assert backend.name == "extractive"
    assert await backend.summarize(TITLE, TEXT, Budget.SHORT) == summarize(
        TITLE, TEXT, Budget.SHORT
    )


def test_no_summary_splits_a_word() -> None:
    for title, text in ARTICLES:
        for budget in BUDGETS:
            for piece in fragments(summarize(title, text, budget)):
                for sentence in arabic.sentences(piece):
                    found = re.search(re.escape(sentence) + r"(?:\W|$)", arabic.clean_line(text))
                    assert found, sentence
