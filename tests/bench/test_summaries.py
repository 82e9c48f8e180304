"""The summarizer evaluation harness scores Arabic honestly (it is a tool others trust)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import summaries
from tests.fakes.seed import TEXT, TITLE


def test_tokenizer_keeps_arabic_and_folds_both_sides_the_same_way() -> None:
    plain = summaries.Tokenizer(stem=False)
    assert (
        plain.tokenize("أعلنَت الحكومةُ")
        == plain.tokenize("اعلنت الحكومه")
        == [
            "اعلنت",
            "الحكومه",
        ]
    )
    stemmed = summaries.Tokenizer(stem=True).tokenize("الحكومات الحكومة حكومة حكومةٌ")
    assert len(set(stemmed)) == 1  # Snowball folds the plural, the article and the case


def test_identical_and_disjoint_texts_score_100_and_0() -> None:
    rows = [summaries.Row("عنوان", "نص", "روسيا تتجه لمؤتمر شعوب سوريا")]
    assert summaries.score(rows, ["روسيا تتجه لمؤتمر شعوب سوريا"], stem=False) == (
        100.0,
        100.0,
        100.0,
    )
    assert summaries.score(rows, ["كلام آخر تماما"], stem=True) == (0.0, 0.0, 0.0)


def test_report_puts_every_system_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "set.jsonl"
    record = {"title": TITLE, "text": TEXT, "summary": "روسيا تتجه لمؤتمر شعوب سوريا"}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n\n", encoding="utf-8")
    assert summaries.main([str(path)]) == 0
    out = capsys.readouterr().out
    for name in summaries.SYSTEMS:
        assert f"| {name} |" in out
    assert "short budget vs Lead-1: ROUGE-L" in out
    assert "articles/s on one core" in out


def test_missing_set_is_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert summaries.main([str(tmp_path / "absent.jsonl")]) == 2
    assert "no evaluation set at" in capsys.readouterr().err
