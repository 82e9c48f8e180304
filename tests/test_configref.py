"""docs/config-reference.md is generated from syndicator/config.py and must match it."""

from __future__ import annotations

from pydantic import BaseModel

from syndicator.config import FileConfig
from tools import configref


def test_committed_reference_is_up_to_date() -> None:
    committed = configref.OUTPUT.read_text(encoding="utf-8")
    assert committed == configref.render(), (
        "docs/config-reference.md is out of date with syndicator/config.py or"
        f" docs/configuration.md: regenerate it with `{configref.REGENERATE}` (or `make docs`)"
    )


def test_reference_lists_every_section_and_key() -> None:
    text = configref.render()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            child = configref.table_model(field.annotation)
            if child is None:
                assert f"| `{name}` |" in text, f"{prefix}{name} is missing"
                continue
            path = f"{prefix}{name}"
            assert f"## `[{path}]`" in text or f"## `[[{path}]]`" in text, path
            walk(child, f"{path}.")

    walk(FileConfig, "")


def test_types_defaults_and_constraints_are_rendered() -> None:
    rows: dict[str, str] = {}  # a key in several sections (`url`, `backend`): all its rows
    for line in configref.render().splitlines():
        if line.startswith("| `"):
            key = line.split(" | ")[0]
            rows[key] = rows.get(key, "") + line + "\n"
    assert "| integer, 0–65535 | `8080` |" in rows["| `port`"]
    assert '| duration, ≥ 1 | `"10m"` |' in rows["| `interval`"]
    assert "| number, > 0 and ≤ 30 | `25.0` |" in rows["| `global_rate`"]
    assert '| one of `"extractive"`, `"llm"` |' in rows["| `backend`"]
    assert '| one of `"local"`, `"procrastinate"` | `"local"` |' in rows["| `backend`"]
    assert "| URL | required |" in rows["| `url`"] or "| URL | none |" in rows["| `url`"]
    assert "| `name` | string | required |" in configref.render()


def test_meanings_fall_back_to_source_comments() -> None:
    class Example(BaseModel):
        plain: int = 1  # said on the line
        # said above
        # over two lines
        above: str = "x"
        bare: bool = False

    assert configref.comments(Example) == {
        "plain": "said on the line",
        "above": "said above over two lines",
    }
