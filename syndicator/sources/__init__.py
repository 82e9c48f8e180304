"""Source kinds: one module per kind, each turning fetched bytes into candidate `Entry`s."""

from __future__ import annotations

from collections.abc import Callable

from syndicator.model import Entry, Source
from syndicator.sources import feed

Parser = Callable[[bytes, Source, str], list[Entry]]

PARSERS: dict[str, Parser] = {"feed": feed.parse}

__all__ = ["PARSERS", "Parser"]
