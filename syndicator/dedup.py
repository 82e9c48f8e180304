"""Deduplication stage (pure): which candidate entries are new.

An entry is already known when its source has stored the same GUID, or any source has stored
the same canonical URL. Entries repeated inside one fetch count once. The store's unique
constraints enforce the same rule, so two concurrent polls cannot both insert one article;
this stage only saves the work of fetching and extracting pages we already have.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from syndicator.model import Entry
from syndicator.normalize import canonical_url


@dataclass(frozen=True)
class Known:
    """Keys already in the store for the entries of one fetch."""

    guids: frozenset[str]
    urls: frozenset[str]


def keys(entries: Iterable[Entry]) -> tuple[list[str], list[str]]:
    """The GUIDs and canonical URLs to look up in the store."""
    entries = list(entries)
    return [e.guid for e in entries], [canonical_url(e.url) for e in entries]


def new_entries(entries: Sequence[Entry], known: Known) -> list[Entry]:
    """Entries whose GUID and canonical URL are both unseen, in their original order."""
    seen_guids = set(known.guids)
    seen_urls = set(known.urls)
    fresh: list[Entry] = []
    for entry in entries:
        url = canonical_url(entry.url)
        if entry.guid in seen_guids or url in seen_urls:
            continue
        seen_guids.add(entry.guid)
        seen_urls.add(url)
        fresh.append(entry)
    return fresh
