"""`/route` arguments (pure): `key=value` words -> changes of a channel's route and options.

    /route news categories=syria,economy sources=sham include="بشار الأسد",دمشق
    /route news exclude=رياضة mode=digest digest_at=08:00,20:00 quiet=23:00-07:00 image=off

Route keys: `categories`, `sources`, `include`, `exclude` (lists separated by «,» or «،»; «-»
empties one). Every other key is a channel option of the config file (`mode`, `digest_at`,
`digest_every`, `quiet` for `quiet_hours`, `image`, `source`, `hashtags`, `link_preview`,
`silent`, `edits`, `at_least_once`, `summary_budget`, `summarizer`, `timezone`, `backlog`,
`backlog_newest`); «-» or «default» puts an option back to its default. The values are
checked afterwards exactly as the config file's are (`syndicator.declared.check`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from syndicator.config import ROUTE_KEYS

ALIASES = {"quiet": "quiet_hours", "preview": "link_preview", "budget": "summary_budget"}
LISTS = frozenset({"digest_at"})
BOOLEANS = frozenset({"image", "source", "hashtags", "link_preview", "silent", "edits",
                      "at_least_once"})  # fmt: skip
OPTIONS = frozenset({"mode", "digest_every", "quiet_hours", "summary_budget", "summarizer",
                     "timezone", "backlog", "backlog_newest"}) | LISTS | BOOLEANS  # fmt: skip
CLEAR = frozenset({"-", "default", "off"})
_TRUE = frozenset({"on", "yes", "true", "1", "نعم"})
_FALSE = frozenset({"off", "no", "false", "0", "لا"})
_SPLIT = re.compile(r"[,،]")


class SpecError(ValueError):
    """An argument is not `key=value`, or the key is unknown (the message says which)."""


@dataclass(frozen=True)
class Spec:
    route: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    reset: frozenset[str] = frozenset()  # options back to their defaults

    def __bool__(self) -> bool:
        return bool(self.route or self.options or self.reset)


def parse(args: str) -> Spec:
    try:
        words = shlex.split(args)
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    route: dict[str, tuple[str, ...]] = {}
    options: dict[str, Any] = {}
    reset: set[str] = set()
    for word in words:
        key, sep, value = word.partition("=")
        key = ALIASES.get(key.strip().lower(), key.strip().lower())
        if not sep or not key:
            raise SpecError(f"expected key=value, got '{word}'")
        value = value.strip()
        if key in ROUTE_KEYS:
            route[key] = () if value == "-" else _items(value)
        elif key not in OPTIONS:
            known = ", ".join((*ROUTE_KEYS, *sorted(OPTIONS)))
            raise SpecError(f"unknown key '{key}' (known: {known})")
        elif value.lower() in CLEAR and not (key in BOOLEANS and value.lower() == "off"):
            reset.add(key)
        elif key in BOOLEANS:
            options[key] = _boolean(key, value)
        elif key in LISTS:
            options[key] = list(_items(value))
        else:
            options[key] = value
    return Spec(route, options, frozenset(reset))


def merged(current: Mapping[str, Any], spec: Spec) -> dict[str, Any]:
    """A channel's options after `spec` (to be validated)."""
    options = {k: v for k, v in current.items() if k not in spec.reset}
    options.update(spec.options)
    return options


def show(options: Mapping[str, Any]) -> str:
    """«mode=digest quiet_hours=23:00-07:00» (empty when every option is the default)."""
    parts = []
    for key, value in sorted(options.items()):
        if isinstance(value, bool):
            value = "on" if value else "off"
        elif isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        parts.append(f"{key}={value}")
    return " ".join(parts)


def _items(value: str) -> tuple[str, ...]:
    return tuple(item for part in _SPLIT.split(value) if (item := " ".join(part.split())))


def _boolean(key: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SpecError(f"{key}: expected on or off, got '{value}'")
