"""Benchmark results as data, as Markdown, and written into docs/benchmarks.md.

Every benchmark returns a `Section`: its tables (rows of already formatted cells, floor and
ours side by side, the ratio in its own column) and a few lines of verdict. `python -m bench`
prints each section as it finishes and then replaces, in docs/benchmarks.md, the text
between that section's markers, and nothing else:

    <!-- bench:ingest:begin -->
    ...generated: the tables of the last run, with the machine it ran on...
    <!-- bench:ingest:end -->

The explanations around the markers are written by hand and kept byte for byte, so a
benchmark that was not run this time (the 10-minute load runs only with `--load`) keeps the
figures of its own last run, which name their machine and date.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    caption: str = ""  # one line above the table

    def markdown(self) -> str:
        lines = [f"{self.caption}\n"] if self.caption else []
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append("|" + "---|" * len(self.headers))
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass(frozen=True)
class Section:
    """One benchmark's results: `name` is its marker in the document."""

    name: str
    title: str
    tables: Sequence[Table] = ()
    notes: Sequence[str] = ()  # verdicts: a target met or not, a bound kept or not
    figures: Mapping[str, float] = field(default_factory=dict)  # headline numbers, by key
    headline: tuple[str, str, str] | None = None  # (figure, against, verdict), for the summary
    machine: str = ""  # where and when it ran (`machine()` at its start), set by the runner

    def markdown(self, machine: str = "") -> str:
        machine = self.machine or machine
        parts = [f"_{machine}_"] if machine else []
        parts += [table.markdown() for table in self.tables]
        if self.notes:
            parts.append("\n".join(f"- {note}" for note in self.notes))
        return "\n\n".join(parts)


def machine(now: datetime.datetime | None = None) -> str:
    """CPU model and count (from /proc/cpuinfo), Python, system and date of this run."""
    model, count = "unknown CPU", os.cpu_count() or 0
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        info = ""
    models = re.findall(r"^model name\s*:\s*(.+)$", info, flags=re.MULTILINE)
    if models:
        model, count = models[0].strip(), len(models)
    when = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    try:
        load = "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = ""
    return (
        f"{when}: {model}, {count} CPUs, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()} {platform.machine()}"
        + (f"; {load} at the start" if load else "")
    )


def summary(sections: Iterable[Section]) -> Section:
    """One row per benchmark: its headline figure, what it is measured against, the verdict."""
    sections = list(sections)
    rows = [(s.title, *s.headline) for s in sections if s.headline is not None]
    notes = []
    if "load" not in {s.name for s in sections}:
        notes.append(
            "The load test runs only with `python -m bench --load` (ten minutes): its figures "
            "are in its own section, from its own run."
        )
    return Section(
        "summary",
        "Summary",
        (Table(("benchmark", "figure", "against (floor or limit)", "verdict"), rows),),
        notes,
    )


def markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"


class MarkerError(ValueError):
    """The document lacks a section's markers, or has them twice or out of order."""


def replace_section(text: str, name: str, body: str) -> str:
    """`text` with what lies between `name`'s markers replaced by `body`; the rest is kept
    byte for byte (the markers themselves included)."""
    begin, end = markers(name)
    if text.count(begin) != 1 or text.count(end) != 1:
        raise MarkerError(f"expected one '{begin}' and one '{end}' in the document")
    start, stop = text.index(begin) + len(begin), text.index(end)
    if stop < start:
        raise MarkerError(f"'{end}' comes before '{begin}'")
    return text[:start] + "\n" + body.strip("\n") + "\n" + text[stop:]


def write(path: Path, sections: Iterable[Section], machine_line: str) -> list[str]:
    """Rewrite the sections' marked parts of `path`; returns the names written. Each is
    headed by its own `machine` line, else by `machine_line`.

    All or nothing: when one section's markers are missing, nothing is written.
    """
    text = original = path.read_bytes().decode("utf-8")  # line endings as they are
    names = []
    for section in sections:
        text = replace_section(text, section.name, section.markdown(machine_line))
        names.append(section.name)
    if text != original:
        path.write_bytes(text.encode("utf-8"))
    return names


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def rate(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def verdict(ok: bool, target: str) -> str:
    return f"{'met' if ok else 'NOT met'} ({target})"
