"""Deduplication stage (pure): which candidate entries are new, and which are already stored.

An entry is already known when its source has stored the same GUID, or any source has stored
a link with the same identity (`normalize.identity_url`: no www, AMP or trailing-slash
differences). Entries repeated inside one fetch count once. The store's unique
constraints enforce the same rule, so two concurrent polls cannot both insert one article;
this stage saves fetching and extracting pages we already have, and hands the known entries
to the update check (a corrected title or text is a revision, never a second article).
Near-duplicates across sources (the same story on two sites) are `cluster`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from syndicator import arabic
from syndicator.model import Entry
from syndicator.normalize import identity_url


@dataclass(frozen=True)
class Stored:
    """What the store remembers of an article, enough to tell whether the source changed it."""

    id: int
    title: str
    updated: datetime
    content_hash: str
    source_hash: str | None = None  # what the source said last time (assemble.entry_hash)


@dataclass(frozen=True)
class Known:
    """Stored articles among the entries of one fetch, by GUID (of that source) and by URL."""

    guids: Mapping[str, Stored] = field(default_factory=dict)
    urls: Mapping[str, Stored] = field(default_factory=dict)

    def find(self, entry: Entry) -> Stored | None:
        return self.guids.get(entry.guid) or self.urls.get(identity_url(entry.url))


def keys(entries: Iterable[Entry]) -> tuple[list[str], list[str]]:
    """The GUIDs and identity URLs (`normalize.identity_url`) to look up in the store."""
    entries = list(entries)
    return [e.guid for e in entries], [identity_url(e.url) for e in entries]


def new_entries(entries: Sequence[Entry], known: Known) -> list[Entry]:
    """Entries whose GUID and canonical URL are both unseen, in their original order."""
    seen_guids: set[str] = set()
    seen_urls: set[str] = set()
    fresh: list[Entry] = []
    for entry in entries:
        url = identity_url(entry.url)
        if known.find(entry) or entry.guid in seen_guids or url in seen_urls:
            continue
        seen_guids.add(entry.guid)
        seen_urls.add(url)
        fresh.append(entry)
    return fresh


def maybe_changed(entries: Sequence[Entry], known: Known) -> list[tuple[Entry, Stored]]:
    """Known entries whose source says they changed: a newer update time or another title.

    Whether the text changed too is decided after collecting the body; this only picks the
    entries worth that work, so an unchanged feed costs no page fetches.
    """
    found: dict[int, tuple[Entry, Stored]] = {}
    for entry in entries:
        stored = known.find(entry)
        if stored is None or stored.id in found:
            continue
        newer = entry.updated is not None and entry.updated > stored.updated
        title = arabic.clean_line(entry.title)
        if newer or (title and title != stored.title):
            found[stored.id] = (entry, stored)
    return list(found.values())
