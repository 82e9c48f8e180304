"""The benchmark report: `python -m bench` rewrites only the marked parts of
docs/benchmarks.md, byte for byte around them, and knows every benchmark."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bench import __main__ as cli
from bench import report
from bench.report import MarkerError, Section, Table

BEFORE = "# Title\r\n\nHand-written «نص عربي» with trailing spaces   \n\n## Ingest\n"
BETWEEN = "\nMore prose, no newline at the end of this line"
AFTER = "\n\nClosing words.\n\n\n"


def doc(first: str = "\nold figures\n", second: str = "\n| a |\n|---|\n| 1 |\n") -> str:
    begin, end = report.markers("ingest")
    begin2, end2 = report.markers("polls")
    return f"{BEFORE}{begin}{first}{end}{BETWEEN}{begin2}{second}{end2}{AFTER}"


def section(name: str, cell: str = "1.00") -> Section:
    return Section(name, name.title(), (Table(("floor", "ours", "ratio"), [("2", "2", cell)]),))


def test_only_the_marked_part_changes_and_the_rest_is_kept_byte_for_byte() -> None:
    text = doc()
    out = report.replace_section(text, "ingest", "new figures")
    begin, end = report.markers("ingest")
    assert out.startswith(BEFORE + begin + "\nnew figures\n" + end)
    assert out[out.index(end) :] == text[text.index(end) :]
    assert "old figures" not in out


def test_replacing_twice_gives_the_same_document() -> None:
    once = report.replace_section(doc(), "polls", "| b |\n|---|\n| 2 |\n\n")
    assert report.replace_section(once, "polls", "| b |\n|---|\n| 2 |") == once


def test_write_rewrites_every_run_section_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_bytes(doc().encode())
    written = report.write(path, [section("ingest", "0.71"), section("polls", "0.99")], "M1")
    assert written == ["ingest", "polls"]
    out = path.read_bytes().decode()
    assert out.startswith(BEFORE)
    assert out.endswith(AFTER)
    assert BETWEEN in out
    assert "_M1_" in out
    assert "| 2 | 2 | 0.71 |" in out
    assert "| 2 | 2 | 0.99 |" in out
    # A later run of one benchmark leaves the other's figures as they were.
    report.write(path, [section("polls", "0.50")], "M2")
    again = path.read_bytes().decode()
    assert "| 2 | 2 | 0.71 |" in again
    assert "| 2 | 2 | 0.50 |" in again
    assert again.replace("M2", "M1").replace("0.50", "0.99") == out


def test_a_section_names_the_machine_and_time_it_ran_on(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text(doc(), encoding="utf-8")
    ran = replace(section("ingest"), machine="19:20, load 4")
    report.write(path, [ran, section("polls")], "19:00, load 1")
    text = path.read_text(encoding="utf-8")
    assert "_19:20, load 4_" in text
    assert "_19:00, load 1_" in text


def test_missing_markers_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text(doc(), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(MarkerError, match="bench:memory:begin"):
        report.write(path, [section("ingest"), section("memory")], "M")
    assert path.read_bytes() == before


def test_markers_out_of_order_or_twice_are_refused() -> None:
    begin, end = report.markers("ingest")
    with pytest.raises(MarkerError):
        report.replace_section(f"{end}\n{begin}", "ingest", "x")
    with pytest.raises(MarkerError):
        report.replace_section(f"{begin}{end}{begin}{end}", "ingest", "x")


def test_the_document_has_markers_for_every_benchmark_and_the_summary() -> None:
    text = report.DOC.read_text(encoding="utf-8")
    for name in [*cli.BENCHMARKS, "summary"]:
        begin, end = report.markers(name)
        assert text.count(begin) == 1, name
        assert text.count(end) == 1, name
        assert text.index(begin) < text.index(end)


def test_machine_names_cpu_python_and_date() -> None:
    line = report.machine()
    for part in ("CPUs", "Python", "UTC"):
        assert part in line


def test_section_markdown_is_tables_and_notes() -> None:
    text = Section(
        "x", "X", (Table(("a", "b"), [("1", "2")], "caption:"),), ("target met",)
    ).markdown("machine")
    assert text == "_machine_\n\ncaption:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- target met"


def test_summary_has_one_row_per_headline() -> None:
    ran = [
        Section("ingest", "Ingestion", headline=("125 articles/s", "extraction", "0.70")),
        Section("cluster", "Clusters"),
    ]
    table = report.summary(ran).tables[0]
    assert list(table.rows) == [("Ingestion", "125 articles/s", "extraction", "0.70")]
    assert "--load" in report.summary(ran).notes[0]


def test_the_load_test_runs_only_when_asked() -> None:
    assert "load" not in cli.parse([]).names
    assert "load" in cli.parse(["--load"]).names
    assert cli.parse(["--only", "memory,load"]).names == ["memory", "load"]
    with pytest.raises(SystemExit):
        cli.parse(["--only", "nonsense"])
