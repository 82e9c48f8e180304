"""The declarative registry: from a file, differences, TOML that reads back the same."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from syndicator.config import ChannelConfig, settings_from_mapping
from syndicator.declared import check, declared_from, diff, fingerprint, to_toml
from syndicator.errors import InvalidChange

RAW: dict[str, Any] = {
    "categories": [
        {"slug": "syria", "name": "الشأن السوري", "aliases": ["سوريا"], "keywords": ["دمشق"]},
        {"slug": "economy", "name": "اقتصاد", "url_patterns": ["/eco\\\\/"]},
    ],
    "sources": [
        {"id": "sham", "name": "أخبار \"الشام\"", "url": "http://example.com", "interval": "5m"},
        {"id": "html", "name": "ح", "url": "http://e.com/x", "kind": "html", "robots": False,
         "link_selector": "h2 a", "categories": ["syria"]},
    ],
    "channels": [
        {"id": "news", "chat_id": "@news_chan", "categories": ["syria"], "include": ["الأسد"],
         "silent": True, "digest_at": ["08:00"], "mode": "digest", "summary_budget": "short"},
        {"id": "plain", "chat_id": -100123},
    ],
    "routes": [{"channel": "plain", "sources": ["sham"], "exclude": ["رياضة"]}],
}  # fmt: skip


def declared(raw: dict[str, Any]) -> Any:
    return declared_from(settings_from_mapping(raw, Path("t.toml"), env={}).file)


def test_to_toml_reads_back_to_the_same_declaration() -> None:
    first = declared(RAW)
    text = to_toml(first, "a header")
    assert text.startswith("# a header\n")
    again = declared(tomllib.loads(text))
    assert again == first
    assert diff(first, again) == []
    assert fingerprint(first) == fingerprint(again)
    assert first.sources[0].url == "http://example.com/"
    assert first.channels[0].options == {
        "summary_budget": "short", "silent": True, "mode": "digest", "digest_at": ["08:00"],
    }  # fmt: skip
    assert [r.rule for r in first.routes] == [
        ("news", ("syria",), (), ("الأسد",), ()),
        ("plain", (), ("sham",), (), ("رياضة",)),
    ]


def test_diff_lists_additions_changes_and_removals_in_a_safe_order() -> None:
    before = declared(RAW)
    raw = {**RAW, "sources": RAW["sources"][:1], "routes": []}
    raw["channels"] = [{**RAW["channels"][0], "silent": False}, RAW["channels"][1]]
    raw["categories"] = [*RAW["categories"], {"slug": "misc", "name": "منوعات"}]
    after = declared(raw)
    changes = [str(c) for c in diff(before, after)]
    assert changes == [
        "- route plain: sources=sham exclude=رياضة",
        "+ category misc «منوعات»",
        "- source html (disabled, history kept)",
        "~ channel news: silent True -> '(default)'",
    ]
    assert fingerprint(before) != fingerprint(after)


def test_check_names_the_field() -> None:
    with pytest.raises(InvalidChange, match="quiet_hours: '9' is not a range of times"):
        check(ChannelConfig, {"id": "a", "chat_id": "@abcd", "quiet_hours": "9"})
