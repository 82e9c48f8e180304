"""The declarative registry (pure): categories, sources, channels and routes as a file states
them, the difference between two such states, and the TOML that states one.

`config apply` turns the file into a `Declared`, reads the store's as another, prints
`diff(current, wanted)` and makes exactly those changes; `config export` writes the store's
`Declared` with `to_toml`, which `declared_from` reads back to the same value, so
`config export | config apply` changes nothing. A channel's own route (its `categories`,
`sources`, `include`, `exclude` in the file) is one route like those of `[[routes]]`; an
export writes every route under `[[routes]]`.

`fingerprint` identifies a `Declared`: the service applies its file at start only when the
file states something else than when it was last applied (`[database] apply_on_start`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from syndicator.config import ROUTE_KEYS, ChannelConfig, FileConfig, channel_options
from syndicator.errors import InvalidChange
from syndicator.model import Category, Channel, Route, Source

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
Kind = Literal["category", "source", "channel", "route"]
Op = Literal["add", "change", "remove"]


@dataclass(frozen=True)
class Declared:
    categories: tuple[Category, ...] = ()
    sources: tuple[Source, ...] = ()
    channels: tuple[Channel, ...] = ()  # `categories` empty: routes are in `routes`
    routes: tuple[Route, ...] = ()


@dataclass(frozen=True)
class Change:
    """One difference: what `apply` will do to one category, source, channel or route."""

    kind: Kind
    op: Op
    key: str  # slug, id, or the route's channel id
    text: str  # for people: "+ source sham https://…"
    value: Any = field(default=None, compare=False)  # the new (or removed) item

    def __str__(self) -> str:
        return self.text


def declared_from(file: FileConfig) -> Declared:
    """What a validated config file states."""
    routes = [
        Route(c.id, c.categories, c.sources, c.include, c.exclude)
        for c in file.channels
        if any(getattr(c, key) for key in ROUTE_KEYS)
    ]
    routes += [Route(r.channel, r.categories, r.sources, r.include, r.exclude) for r in file.routes]
    return Declared(
        tuple(
            Category(c.slug, c.name, c.aliases, c.url_patterns, c.keywords) for c in file.categories
        ),
        tuple(
            Source(
                s.id,
                s.name,
                str(s.url),
                s.kind,
                s.categories,
                s.interval,
                s.robots,
                s.link_selector,
                s.link_pattern,
            )
            for s in file.sources
        ),
        tuple(Channel(c.id, c.chat_id, (), channel_options(c)) for c in file.channels),
        tuple(routes),
    )


def diff(current: Declared, wanted: Declared) -> list[Change]:
    """The changes that make `current` state what `wanted` states, in a safe order: new
    categories and sources before the routes that name them, removed routes first."""
    changes: list[Change] = []
    removed_routes, added_routes = _route_changes(current.routes, wanted.routes)
    changes += removed_routes
    for kind, mine, theirs, key in (
        ("category", current.categories, wanted.categories, "slug"),
        ("source", current.sources, wanted.sources, "id"),
        ("channel", current.channels, wanted.channels, "id"),
    ):
        have = {getattr(item, key): item for item in mine}
        want = {getattr(item, key): item for item in theirs}
        for name, item in want.items():
            if name not in have:
                changes.append(Change(kind, "add", name, f"+ {kind} {name}{_about(item)}", item))  # type: ignore[arg-type]
            elif have[name] != item:
                what = _changed_fields(have[name], item)
                changes.append(Change(kind, "change", name, f"~ {kind} {name}: {what}", item))  # type: ignore[arg-type]
        for name, item in have.items():
            if name not in want:
                gone = "deleted" if kind == "category" else "disabled, history kept"
                changes.append(Change(kind, "remove", name, f"- {kind} {name} ({gone})", item))  # type: ignore[arg-type]
    return changes + added_routes


def _route_changes(
    current: tuple[Route, ...], wanted: tuple[Route, ...]
) -> tuple[list[Change], list[Change]]:
    have = Counter(r.rule for r in current)
    want = Counter(r.rule for r in wanted)
    removed: list[Change] = []
    for route in current:
        if have[route.rule] > want[route.rule]:
            have[route.rule] -= 1
            removed.append(
                Change("route", "remove", route.channel_id, f"- route {describe(route)}", route)
            )
    added: list[Change] = []
    have = Counter(r.rule for r in current)
    for route in wanted:
        if want[route.rule] > have[route.rule]:
            have[route.rule] += 1
            added.append(
                Change("route", "add", route.channel_id, f"+ route {describe(route)}", route)
            )
    return removed, added


def describe(route: Route) -> str:
    """«news: categories=syria,economy include=الأسد» (everything when it has no filter)."""
    parts = [f"{key}={','.join(getattr(route, key))}" for key in ROUTE_KEYS if getattr(route, key)]
    return f"{route.channel_id}: {' '.join(parts) or 'every article'}"


def _about(item: Category | Source | Channel) -> str:
    if isinstance(item, Category):
        return f" «{item.name}»"
    if isinstance(item, Source):
        return f" {item.url} ({item.kind})"
    return f" {item.chat_id}"


def _changed_fields(old: Any, new: Any) -> str:
    out = []
    for name in old.__dataclass_fields__:
        before, after = getattr(old, name), getattr(new, name)
        if name == "options":
            for key in sorted(set(before) | set(after)):
                if before.get(key) != after.get(key):
                    out.append(
                        f"{key} {before.get(key, '(default)')!r} -> {after.get(key, '(default)')!r}"
                    )
        elif before != after:
            out.append(f"{name} {before!r} -> {after!r}")
    return ", ".join(out)


def fingerprint(declared: Declared) -> str:
    """A digest of what `declared` states (route order and ids do not count)."""
    data = {
        "categories": [_plain(c) for c in declared.categories],
        "sources": [_plain(s) for s in declared.sources],
        "channels": [_plain(c) for c in declared.channels],
        "routes": sorted(json.dumps(r.rule, ensure_ascii=False) for r in declared.routes),
    }
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, default=list)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _plain(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


def to_toml(declared: Declared, header: str = "") -> str:
    """The `[[categories]]`, `[[sources]]`, `[[channels]]` and `[[routes]]` of a config file
    stating `declared` (only values that differ from the defaults)."""
    out = [f"# {line}".rstrip() for line in header.splitlines()]
    for c in declared.categories:
        out += ["", "[[categories]]"]
        out += _pairs({"slug": c.slug, "name": c.name, "aliases": c.aliases,
                       "url_patterns": c.url_patterns, "keywords": c.keywords})  # fmt: skip
    for s in declared.sources:
        out += ["", "[[sources]]"]
        out += _pairs({
            "id": s.id, "name": s.name, "url": s.url, "kind": s.kind,
            "categories": s.categories, "interval": s.interval,
            "robots": None if s.robots else False,
            "link_selector": s.link_selector, "link_pattern": s.link_pattern,
        })  # fmt: skip
    for ch in declared.channels:
        out += ["", "[[channels]]"]
        out += _pairs({"id": ch.id, "chat_id": ch.chat_id, **dict(sorted(ch.options.items()))})
    for r in declared.routes:
        out += ["", "[[routes]]"]
        out += _pairs({"channel": r.channel_id, **{key: getattr(r, key) for key in ROUTE_KEYS}})
    return "\n".join(out).lstrip("\n") + "\n"


def _pairs(values: Mapping[str, Any]) -> list[str]:
    return [
        f"{key} = {toml_value(value)}"
        for key, value in values.items()
        if value is not None and value != () and value != []
    ]


def toml_value(value: Any) -> str:
    """A TOML value: strings (escaped), booleans, numbers, arrays of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def channel_config(channel: Channel) -> ChannelConfig:
    """A stored channel's options, validated (the defaults if they no longer validate)."""
    try:
        return ChannelConfig.model_validate(
            {"id": channel.id, "chat_id": channel.chat_id, **channel.options}
        )
    except ValidationError as exc:
        log.error("channel %s: stored options are not valid (%s): using the defaults",
                  channel.id, exc.errors()[0]["msg"])  # fmt: skip
        return ChannelConfig(id=channel.id, chat_id=channel.chat_id)


def check(model: type[M], data: Mapping[str, Any]) -> M:
    """Validate an operator's input as the config file would be (`InvalidChange` names the
    field, e.g. «quiet_hours: '25:00-07:00' is not a range of times»)."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(part) for part in first["loc"]) or "value"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise InvalidChange(f"{field_name}: {message}") from None
