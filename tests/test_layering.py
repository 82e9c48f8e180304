"""Layering: the pure core never imports I/O libraries and never reads the clock.

Checked on the source with `ast` (following imports of our own packages transitively, package
`__init__` modules included, since importing a module runs them), and once more at runtime in
a fresh interpreter, which also catches imports hidden behind `importlib` or re-exports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = ("syndicator", "feeds", "bot")
PURE = [
    "syndicator.arabic",
    "syndicator.extract",
    "syndicator.normalize",
    "syndicator.dedup",
    "syndicator.categorize",
    "syndicator.assemble",
    "syndicator.cluster",
    "syndicator.cadence",
    "syndicator.inflate",
    "syndicator.model",
    "syndicator.boilerplate",
    "syndicator.summarize.budget",
    "syndicator.summarize.checks",
    "syndicator.summarize.cleanup",
    "syndicator.summarize.extractive",
    "feeds.sanitize",
    "feeds.paging",
    "feeds.document",
    "feeds.render",
    "feeds.jsonfeed",
    "feeds.opml",
    "feeds.index",
    "bot.format",
    "bot.dates",
    "bot.digest",
    "bot.policy",
    "bot.metrics",
    # operators and subscribers
    "syndicator.keywords",
    "syndicator.routing",
    "syndicator.declared",
    "syndicator.sourcelist",
    "bot.texts",
    "bot.throttle",
    "bot.routespec",
]
FORBIDDEN = frozenset(
    {
        "httpx",
        "sqlalchemy",
        "telegram",
        "starlette",
        "uvicorn",
        # the rest of the I/O shell: database drivers, migrations, scheduling, job queue
        "aiosqlite",
        "psycopg",
        "alembic",
        "apscheduler",
        "procrastinate",
        # metrics are recorded at the I/O edges only (syndicator.metrics)
        "prometheus_client",
    }
)
CLOCK_CALLS = frozenset(
    {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("datetime", "today")}
    | {("time", name) for name in ("time", "monotonic", "perf_counter", "time_ns")}
)


def source_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def parse(module: str) -> ast.Module:
    path = source_file(module)
    assert path is not None, f"no source for {module}"
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def is_package(module: str) -> bool:
    path = source_file(module)
    return path is not None and path.name == "__init__.py"


def direct_imports(module: str) -> set[str]:
    """Absolute names of every module `module` imports (at any depth of its code)."""
    names: set[str] = set()
    for node in ast.walk(parse(module)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module if is_package(module) else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{node.module}" if node.module else package
            else:
                base = node.module or ""
            names.add(base)
            # `from syndicator import arabic` imports the submodule syndicator.arabic
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def closure(module: str) -> dict[str, str]:
    """Every first-party module executed by importing `module` -> the module that imports it."""
    seen: dict[str, str] = {}
    todo = [(module, "<test>")]
    while todo:
        current, importer = todo.pop()
        if current in seen or source_file(current) is None:
            continue
        seen[current] = importer
        for parent in parents(current):
            todo.append((parent, current))
        for name in direct_imports(current):
            if name.split(".")[0] in FIRST_PARTY:
                todo.append((name, current))
    return seen


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io_library(module: str) -> None:
    offenders = []
    for first_party, importer in sorted(closure(module).items()):
        for name in sorted(direct_imports(first_party)):
            if name.split(".")[0] in FORBIDDEN:
                offenders.append(f"{first_party} (imported via {importer}) imports {name}")
    assert offenders == [], f"{module} is not pure: " + "; ".join(offenders)


@pytest.mark.parametrize("module", PURE)
def test_pure_module_does_not_read_the_clock(module: str) -> None:
    calls = []
    for node in ast.walk(parse(module)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in CLOCK_CALLS
        ):
            calls.append(f"line {node.lineno}: {node.func.value.id}.{node.func.attr}()")
    assert calls == [], f"{module} reads the clock (pass `now` in): " + "; ".join(calls)


def test_closure_follows_first_party_imports() -> None:
    """Guard for the checks above: the walk does reach the modules a pure module imports."""
    assert {"syndicator", "syndicator.arabic", "syndicator.model"} <= set(
        closure("syndicator.normalize")
    )
    assert {"syndicator.summarize", "syndicator.arabic"} <= set(
        closure("syndicator.summarize.extractive")
    )
    assert "sqlalchemy" in {n.split(".")[0] for n in direct_imports("syndicator.store.tables")}


def test_importing_pure_modules_loads_no_io_library() -> None:
    code = (
        "import sys\n"
        f"for name in {PURE!r}: __import__(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(FORBIDDEN)!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
