"""Writes docs/config-reference.md from the pydantic models of `syndicator.config`.

    python -m tools.configref              # print the reference
    python -m tools.configref --write      # rewrite docs/config-reference.md (= make docs)

It walks `FileConfig`: one table per section (`[name]`, `[[name]]` for arrays of tables,
`[parent.child]` for nested ones) with every key's type, constraints, default and meaning.
A key's meaning is its `Field(description=...)`; else its row in the tables of
docs/configuration.md (the operators' guide, written for them); else its comment in
syndicator/config.py, at the end of the field's line or else on the comment lines just above
it (comments are not kept at run time, so they are read from the source with `inspect` and
`tokenize`). A section's text is its class docstring. tests/test_configref.py
fails when the committed file differs from what this prints.
"""

from __future__ import annotations

import argparse
import enum
import inspect
import io
import json
import re
import sys
import textwrap
import tokenize
import types
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import AnyHttpUrl, BaseModel
from pydantic.fields import FieldInfo

from syndicator import config

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "config-reference.md"
GUIDE = ROOT / "docs" / "configuration.md"
REGENERATE = "python -m tools.configref --write"  # or `make docs`
VALIDATORS = {  # the annotated validators of syndicator.config, by function name
    "parse_duration": "duration",
    "_zone": 'IANA time zone (`"Asia/Damascus"`)',
    "_network": "network (CIDR)",
}
SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean", AnyHttpUrl: "URL"}
ENVIRONMENT = (
    (config.CONFIG_ENV, f"the config file without `--config` (else `{config.DEFAULT_CONFIG}`)"),
    (config.TOKEN_ENV, "the Telegram bot token; without it every message is printed (dry run)"),
    (config.LLM_KEY_ENV, "the API key of the `[summarize.llm]` server, if it needs one"),
)


def render() -> str:
    """The whole reference, as Markdown."""
    out = [
        "# Config reference (generated)",
        "",
        f"<!-- Generated from syndicator/config.py by `{REGENERATE}` (or `make docs`);"
        " do not edit by hand. -->",
        "",
        "Every key of the TOML config file, read from the pydantic models in"
        " `syndicator/config.py`, so it is complete and never out of date (a test compares it"
        " with the code). The guide with examples is [configuration.md](configuration.md)."
        ' Unknown keys are errors. Durations are seconds or a string like `"90s"`, `"10m"`,'
        ' `"1h"`, `"1d"`.',
        "",
        "A key's meaning is its pydantic `Field(description=...)`, else its row in"
        " [configuration.md](configuration.md), else its comment in `syndicator/config.py`.",
        "",
        "## Environment",
        "",
        "| variable | meaning |",
        "|---|---|",
        *(f"| `{name}` | {meaning} |" for name, meaning in ENVIRONMENT),
    ]
    for heading, model in sections(config.FileConfig):
        out += ["", f"## `{heading}`", ""]
        doc = model.__dict__.get("__doc__")
        if doc:
            out += [" ".join(inspect.cleandoc(doc).split("\n\n")[0].split()), ""]
        out += ["| key | type | default | meaning |", "|---|---|---|---|"]
        for name, field in model.model_fields.items():
            if table_model(field.annotation) is not None:
                continue  # its own section
            cells = (f"`{name}`", kind(field), default(field), meaning(model, heading, name))
            out.append("| " + " | ".join(cell(c) for c in cells) + " |")
    return "\n".join(out) + "\n"


def sections(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, type[BaseModel]]]:
    """(heading, model) of every table in the file, parents before their children."""
    for name, field in model.model_fields.items():
        child = table_model(field.annotation)
        if child is None:
            continue
        path = f"{prefix}{name}"
        array = get_origin(field.annotation) is tuple
        yield (f"[[{path}]]" if array else f"[{path}]"), child
        yield from sections(child, f"{path}.")


def table_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a section (`Model`, `Model | None`, `tuple[Model, ...]`), else None."""
    if get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        annotation = options[0] if len(options) == 1 else None
    if get_origin(annotation) is tuple:
        annotation = get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def kind(field: FieldInfo) -> str:
    """The key's type in words, with its constraints."""
    return describe(field.annotation, list(field.metadata))


def describe(annotation: Any, metadata: list[Any]) -> str:
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *more = get_args(annotation)
        named = validated([*more, *metadata])  # before `inner`: it may be a union of types
        return named if named is not None else describe(inner, [*more, *metadata])
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        return " or ".join(describe(a, metadata) for a in options)
    if origin is Literal:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in get_args(annotation))
    if origin is tuple:
        return f"list of {plural(describe(get_args(annotation)[0], []))}" + bounds(metadata)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of " + ", ".join(f"`{json.dumps(m.value)}`" for m in annotation)
    named = validated(metadata)
    if named is not None:
        return named
    return SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation))) + bounds(
        metadata
    )


def validated(metadata: list[Any]) -> str | None:
    """The words for a type that one of `VALIDATORS` reads, with its bounds; else None."""
    for item in metadata:
        func = getattr(item, "func", None)
        if func is not None and func.__name__ in VALIDATORS:
            return VALIDATORS[func.__name__] + bounds(metadata)
    return None


def plural(words: str) -> str:
    """`string` -> `strings`, `network (CIDR)` -> `networks (CIDR)`."""
    head, sep, tail = words.partition(" (")
    return f"{head}s{sep}{tail}"


def bounds(metadata: list[Any]) -> str:
    """`, 1–1000`, `, ≥ 0`, `, > 0 and ≤ 30` from annotated-types constraints."""
    found: dict[str, Any] = {}
    for item in metadata:
        for name in ("ge", "gt", "le", "lt"):
            value = getattr(item, name, None)
            if isinstance(item, annotated_types.BaseMetadata) and value is not None:
                found[name] = value
    if found.keys() == {"ge", "le"}:
        return f", {found['ge']}–{found['le']}"
    words = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    parts = [f"{words[name]} {value}" for name, value in found.items()]
    return ", " + " and ".join(parts) if parts else ""


def default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "none"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple | list):
        return "`[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]`"
    if isinstance(value, int) and any(
        getattr(m, "func", None) is config.parse_duration for m in field.metadata
    ):
        return f"`{duration(value)}`"
    if isinstance(value, str):
        return f"`{json.dumps(value, ensure_ascii=False)}`"
    return f"`{value}`"


def duration(seconds: int) -> str:
    """`120` -> `"2m"`, `172800` -> `"2d"`, `90` -> `90` (a value the file accepts)."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f'"{seconds // size}{unit}"'
    return str(seconds)


def meaning(model: type[BaseModel], heading: str, name: str) -> str:
    field = model.model_fields[name]
    if field.description:
        return field.description
    return guide().get((heading, name)) or comments(model).get(name, "")


@cache
def comments(model: type[BaseModel]) -> dict[str, str]:
    """Field name -> its comment in the class source (end of line, else the lines above)."""
    source = textwrap.dedent(inspect.getsource(model))
    remarks = {  # row -> comment text; tokenize, so that a '#' inside a string is no comment
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    lines = source.splitlines()
    found: dict[str, str] = {}
    for row, line in enumerate(lines, start=1):
        field = re.match(r"^    (\w+)\s*:", line)
        if field is None or field.group(1) not in model.model_fields:
            continue
        if row in remarks:
            found[field.group(1)] = remarks[row]
            continue
        above = row - 1
        while above in remarks and lines[above - 1].lstrip().startswith("#"):
            above -= 1
        block = [remarks[r] for r in range(above + 1, row)]
        if block:
            found[field.group(1)] = " ".join(block)
    return found


@cache
def guide() -> dict[tuple[str, str], str]:
    """(section heading, key) -> the meaning column of docs/configuration.md's tables."""
    rows: dict[tuple[str, str], str] = {}
    heading = ""
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        title = re.match(r"^#+ `(\[\[?[\w.]+\]\]?)`", line)
        if title:
            heading = title.group(1)
            continue
        row = re.match(r"^\| `(\w+)` \|(.*)\|\s*$", line)
        if row and heading:
            rows[(heading, row.group(1))] = re.split(r"(?<!\\)\|", row.group(2))[-1].strip()
    return rows


def cell(text: str) -> str:
    return re.sub(r"(?<!\\)\|", r"\\|", " ".join(text.split()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.configref", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"rewrite {OUTPUT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        OUTPUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
