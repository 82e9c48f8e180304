"""Arabic text tools: cleanup for publishing, folding for matching, sentence splitting.

Sentences come from the seed article (an Arabic WordPress page about the Syrian talks) or are
written in the same style, so the splitter is tested on the punctuation real sites use.
"""

from __future__ import annotations

import pytest

from syndicator import arabic

RLM, LRM, ZWSP, ZWNJ, ZWJ, BOM = "\u200f", "\u200e", "\u200b", "\u200c", "\u200d", "\ufeff"
RLO, LRE, PDF, RLI, PDI = "\u202e", "\u202a", "\u202c", "\u2067", "\u2069"

# Seed sentences, verbatim (spaces before punctuation as the site wrote them).
LAVROV = (
    "قال وزير الخارجية الروسي سيرغي لافروف ، مساء اليوم الخميس التاسع عشر من أكتوبر/ تشرين "
    "الأول الجاري : إنّ ” تحقيق النجاح النهائي في مكافحة الإرهاب في سوريا أصبح على وشك "
    "الانتهاء ، و ذلك بفضل جهود كلّ الذين يحاربون تنظيمي ( داعش ) و ( جبهة النصرة ) ” ."
)
HEADLINE = "روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد و المعارضة !!"
PUTIN = (
    "و أشار بوتين في كلمة ألقاها مساء اليوم خلال أعمال الدورة الـ14 لمنتدى ” فالداي ” الدولي "
    "للحوار في مدينة سوتشي الروسية ، إلى أنّ إنشاء مناطق خفض التصعيد يمثّل أحد أهم نتائج العمل "
    "في هذا المجال بشكل عام وفي إطار منصة أستانة بشكل خاص ، متوقعاً أنّ إقامة المناطق الأربعة "
    "لخفض التصعيد لن تسفر عن انقسام سوريا ، على الرغم من أن هذا التهديد يوجد بصورة عامة ؛ "
    "مضيفاً : أنّ ” الخطوة التالية بعد إنشاء هذه المناطق قد تتمثّل بتشكيل ما يسمى بمؤتمر شعوب "
    "سوريا لمصالحة النظام و المعارضة ، مؤكداً أنّ هذا الهيكل الجديد ، من المخطط له أن يضم "
    "ممثلين عن النظام و فصائل المعارضة وكذلك جميع الطوائف العرقية و الدينية ” ."
)


# --- clean -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "\u0627\u0654\u0646\u0651", "\u0623\u0646\u0651", id="nfc-composes-hamza-above"
        ),
        pytest.param("لافروف\x00 قال\x07\x1b", "لافروف قال", id="c0-controls-removed"),
        pytest.param("سوريا\x7f\x85\x9f", "سوريا", id="del-and-c1-controls-removed"),
        pytest.param(
            "الفقرة الأولى\n\nالفقرة الثانية",
            "الفقرة الأولى\n\nالفقرة الثانية",
            id="paragraphs-kept",
        ),
        pytest.param(
            "الفقرة الأولى\r\n\r\n\r\n\r\nالفقرة الثانية",
            "الفقرة الأولى\n\nالفقرة الثانية",
            id="crlf-and-many-blank-lines-become-one-break",
        ),
        pytest.param("سطر أول\nتابع له", "سطر أول تابع له", id="single-newline-joins-paragraph"),
        pytest.param("قال\rبوتين", "قال بوتين", id="lone-cr-is-a-line-break"),
        pytest.param(
            f"{RLO}روسيا{PDF} {LRE}تتجه{PDF} {RLI}لمؤتمر{PDI}",
            "روسيا تتجه لمؤتمر",
            id="bidi-overrides-and-isolates-removed",
        ),
        pytest.param(
            f"{BOM}سو{ZWSP}ريا{ZWNJ} {RLM}و{LRM} {ZWJ}تركيا",
            "سوريا و تركيا",
            id="zero-width-removed",
        ),
        pytest.param("دي   ميستورا\t\tفي\u00a0جنيف", "دي ميستورا في جنيف", id="runs-of-spaces"),
        pytest.param("  \u2003سوتشي \u202f ", "سوتشي", id="edges-stripped"),
        pytest.param(" \n \n\t\n", "", id="blank-only"),
        pytest.param(
            "كلّ مخاطباً أمراً سـوريـا إلى أستانة",
            "كلّ مخاطباً أمراً سـوريـا إلى أستانة",
            id="orthography-kept-no-folding",
        ),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert arabic.clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(HEADLINE, HEADLINE, id="already-clean"),
        pytest.param(
            "روسيا تتجه\nلمؤتمر شعوب سوريا\n\nلمصالحة الأسد",
            "روسيا تتجه لمؤتمر شعوب سوريا لمصالحة الأسد",
            id="every-break-becomes-space",
        ),
        pytest.param(f"  {RLO}عاجل{PDF}:\t بوتين\x00  ", "عاجل: بوتين", id="cleaned-too"),
        pytest.param("", "", id="empty"),
    ],
)
def test_clean_line(raw: str, expected: str) -> None:
    assert arabic.clean_line(raw) == expected


# --- normalize, words, has_arabic --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("كلّ مخاطباً أمراً مُكرَّسة", "كل مخاطبا امرا مكرسه", id="diacritics"),
        pytest.param("سـوريـا الـ14", "سوريا ال14", id="tatweel"),
        pytest.param("أكد إيران آخر ٱلله", "اكد ايران اخر الله", id="alef-forms"),
        pytest.param("إلى مستشفى", "الي مستشفي", id="alef-maqsura"),
        pytest.param("سورية الجولة", "سوريه الجوله", id="teh-marbuta"),
        pytest.param("ایران کابل", "ايران كابل", id="farsi-yeh-and-keheh"),
        pytest.param("٢٥ أكتوبر ٢٠١٧", "25 اكتوبر 2017", id="arabic-indic-digits"),
        pytest.param("۱۹ اکتبر ۲۰۱۷", "19 اكتبر 2017", id="extended-arabic-indic-digits"),
        pytest.param("Lavrov ISIS Straße", "lavrov isis strasse", id="casefold"),
        pytest.param("\ufefb \ufe8d\ufee0\ufef4", "لا الي", id="presentation-forms-nfkc"),
        pytest.param(f"سو{ZWNJ}ريا{RLM}", "سوريا", id="invisible-removed"),
        pytest.param("  دي \n\n ميستورا\t ", "دي ميستورا", id="whitespace-collapsed"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert arabic.normalize(raw) == expected


def test_normalize_folds_variants_to_one_form() -> None:
    variants = ["سورية", "سوريه", "سُوريَة", "ســورية"]
    assert {arabic.normalize(v) for v in variants} == {"سوريه"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "قال لافروف، مساء اليوم: إنّ النجاح قريب!",
            ["قال", "لافروف", "مساء", "اليوم", "ان", "النجاح", "قريب"],
            id="arabic-punctuation-is-not-a-letter",
        ),
        pytest.param(
            "هل انتهت الحرب؟ سوريا؛ تركيا",
            ["هل", "انتهت", "الحرب", "سوريا", "تركيا"],
            id="question-mark-and-semicolon",
        ),
        pytest.param(
            "( داعش ) و ( جبهة النصرة ) ” .",
            ["داعش", "و", "جبهه", "النصره"],
            id="brackets-and-quotes",
        ),
        pytest.param("ISIS في ٢٥ أكتوبر", ["isis", "في", "25", "اكتوبر"], id="latin-and-digits"),
        pytest.param("", [], id="empty"),
    ],
)
def test_words(raw: str, expected: list[str]) -> None:
    assert arabic.words(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("روسيا", True, id="arabic"),
        pytest.param("Putin: روسيا", True, id="mixed"),
        pytest.param("ایران", True, id="farsi-letters"),
        pytest.param("Lavrov meets de Mistura", False, id="latin"),
        pytest.param("2017-10-19 !!", False, id="ascii-digits-and-punctuation"),
        pytest.param("", False, id="empty"),
    ],
)
def test_has_arabic(text: str, expected: bool) -> None:
    assert arabic.has_arabic(text) is expected


# --- sentences ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(LAVROV, [LAVROV], id="seed-sentence-with-comma-colon-quotes-is-one"),
        pytest.param(PUTIN, [PUTIN], id="seed-sentence-with-semicolon-is-one"),
        pytest.param(
            "قال لافروف ، مساء اليوم : إنّ النجاح قريب. و أكد دي ميستورا ذلك.",
            ["قال لافروف ، مساء اليوم : إنّ النجاح قريب.", "و أكد دي ميستورا ذلك."],
            id="never-split-on-comma-colon-semicolon",
        ),
        pytest.param(
            "سوريا، تركيا؛ إيران: قطر",
            ["سوريا، تركيا؛ إيران: قطر"],
            id="unspaced-comma-semicolon-colon",
        ),
        pytest.param(
            "هل انتهت الحرب؟ لا أحد يعرف! لكن المفاوضات مستمرة.",
            ["هل انتهت الحرب؟", "لا أحد يعرف!", "لكن المفاوضات مستمرة."],
            id="question-and-exclamation-end",
        ),
        pytest.param(
            f"{HEADLINE} قال وزير الخارجية الروسي ذلك.",
            [HEADLINE, "قال وزير الخارجية الروسي ذلك."],
            id="double-exclamation-stays",
        ),
        pytest.param(
            "هل تنجح أستانة؟! يبدو ذلك.",
            ["هل تنجح أستانة؟!", "يبدو ذلك."],
            id="mixed-terminators-stay",
        ),
        pytest.param(
            "ارتفع النمو 3.5 بالمئة هذا العام. و جاء ذلك في التقرير.",
            ["ارتفع النمو 3.5 بالمئة هذا العام.", "و جاء ذلك في التقرير."],
            id="decimal",
        ),
        pytest.param(
            "عقدت الجلسة في 19.10.2026 في جنيف. و حضرها الجميع.",
            ["عقدت الجلسة في 19.10.2026 في جنيف.", "و حضرها الجميع."],
            id="dotted-date",
        ),
        pytest.param(
            "قال د. أحمد إن الوضع صعب. و أضاف أنه متفائل.",
            ["قال د. أحمد إن الوضع صعب.", "و أضاف أنه متفائل."],
            id="doctor-abbreviation",
        ),
        pytest.param(
            "قال: ”النجاح قريب.” ثم غادر القاعة.",
            ["قال: ”النجاح قريب.”", "ثم غادر القاعة."],
            id="closing-curly-quote",
        ),
        pytest.param(
            "قال: «النجاح قريب!» ثم غادر القاعة.",
            ["قال: «النجاح قريب!»", "ثم غادر القاعة."],
            id="closing-guillemet",
        ),
        pytest.param(
            "وصلت الوفود إلى جنيف… وبدأت الجولة.",
            ["وصلت الوفود إلى جنيف…", "وبدأت الجولة."],
            id="ellipsis-character",
        ),
        pytest.param(
            f"الشأن السوري\n\n{HEADLINE}\n\n{LAVROV}",
            ["الشأن السوري", HEADLINE, LAVROV],
            id="paragraphs-always-split",
        ),
        pytest.param(
            "قال لافروف\nإن النجاح قريب.",
            ["قال لافروف إن النجاح قريب."],
            id="single-newline-does-not-split",
        ),
        pytest.param("جملة بلا نقطة في آخرها", ["جملة بلا نقطة في آخرها"], id="no-terminator"),
        pytest.param("  \n\n  ", [], id="blank"),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert arabic.sentences(text) == expected


def test_sentences_keep_published_orthography() -> None:
    """Splitting never folds letters: the sentences are shown to readers."""
    assert "".join(arabic.sentences(LAVROV)) == LAVROV
    assert "كلّ" in arabic.sentences(LAVROV)[0]
