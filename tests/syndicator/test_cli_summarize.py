"""`syndicator summarize`: JSON lines in, JSON lines out, as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syndicator.demo.site import load_articles
from syndicator.summarize import extractive
from syndicator.summarize.budget import LIMITS, Budget
from tests.fakes.llm_api import FakeLlmAPI, Mode

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = [(a.title, "\n\n".join(a.paragraphs)) for a in load_articles()[:3]]
ANSWER = "ملخص كتبه النموذج عن هذا الخبر."
KEY = "sk-cli-secret-7"


def summarize(
    *args: str, stdin: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATOR_")}
    return subprocess.run(
        [sys.executable, "-m", "syndicator", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        cwd=cwd,  # no syndicator.toml there: the command needs none
        env={**environment, "PYTHONPATH": str(ROOT), **(env or {})},
        check=False,
    )


def lines(*items: dict[str, Any]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


def articles() -> list[dict[str, Any]]:
    return [{"id": n, "title": t, "text": x} for n, (t, x) in enumerate(ARTICLES)]


@pytest.fixture
def model() -> Iterator[FakeLlmAPI]:
    with FakeLlmAPI() as fake:
        fake.answer = ANSWER
        yield fake


@pytest.mark.parametrize("budget", list(Budget))
def test_each_line_gets_its_summary_in_order(tmp_path: Path, budget: Budget) -> None:
    given = articles()
    given[1]["id"] = "article-b"  # ids come back as given, whatever their type
    stdin = lines(given[0]) + "\n   \n" + lines(*given[1:])  # blank lines are skipped
    result = summarize("summarize", "--budget", budget.value, stdin=stdin, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\\u06" not in result.stdout  # Arabic as text
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == [
        {"id": item["id"], "summary": extractive.summarize(item["title"], item["text"], budget)}
        for item in given
    ]
    assert all(len(row["summary"]) <= LIMITS[budget].chars for row in rows)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('["a", "list"]', "expected an object"),
        ('{"id": 9, "title": "عنوان"}', "'text' is missing"),
        ('{"id": 9, "title": "عنوان", "text": 5}', "'text' must be a string"),
    ],
)
def test_a_bad_line_is_named_and_what_came_before_is_kept(
    tmp_path: Path, bad: str, reason: str
) -> None:
    first, second = articles()[:2]
    stdin = lines(first) + "\n" + lines(second) + bad + "\n" + lines(first)
    result = summarize("summarize", stdin=stdin, cwd=tmp_path)
    assert result.returncode == 1
    assert "input line 4:" in result.stderr
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [0, 1]


def config(tmp_path: Path, model: FakeLlmAPI, backend: str = "extractive") -> Path:
    path = tmp_path / "llm.toml"
    path.write_text(
        f'[summarize]\nbackend = "{backend}"\n\n'
        f'[summarize.llm]\nurl = "{model.base_url}"\nmodel = "test-model"\ntimeout = 5\n',
        encoding="utf-8",
    )
    return path


def test_llm_backend_from_a_config_file(tmp_path: Path, model: FakeLlmAPI) -> None:
    path = config(tmp_path, model)
    result = summarize(
        "--config", str(path), "summarize", "--backend", "llm", "--budget", "short",
        stdin=lines(*articles()), cwd=tmp_path, env={"SYNDICATOR_LLM_API_KEY": KEY},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"id": n, "summary": ANSWER} for n in range(len(ARTICLES))
    ]
    assert len(model.requests) == len(ARTICLES)
    assert {r.headers["authorization"] for r in model.requests} == {f"Bearer {KEY}"}
    assert "280" in model.requests[0].messages[1]["content"]


def test_config_backend_is_the_default_and_failures_fall_back(
    tmp_path: Path, model: FakeLlmAPI
) -> None:
    model.mode = Mode.ERROR
    path = config(tmp_path, model, backend="llm")
    given = articles()
    result = summarize("--config", str(path), "summarize", stdin=lines(*given), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["summary"] for line in result.stdout.splitlines()] == [
        extractive.summarize(item["title"], item["text"], Budget.STANDARD) for item in given
    ]
    assert len(model.requests) == len(given)
    assert "(status)" in result.stderr  # each fallback is logged with its reason


def test_llm_backend_without_its_config_is_a_clear_error(tmp_path: Path) -> None:
    result = summarize("summarize", "--backend", "llm", stdin=lines(*articles()), cwd=tmp_path)
    assert result.returncode == 2
    assert "summarizer backend 'llm' is not configured" in result.stderr
    assert result.stdout == ""
