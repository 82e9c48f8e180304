"""Feed documents (pure): which feeds exist, their URLs, and what goes in which document.

Feeds: one per category, one per source, and `all`. Each is published as a live document
(the newest `limit` entries) and as archive documents (RFC 5005), in three formats:

    /feeds/{category}.{rss|atom|json}                 /feeds/all.{fmt}
    /feeds/{category}/archive/{n}.{fmt}               /feeds/all/archive/{n}.{fmt}
    /feeds/source/{source}.{fmt}                      /feeds/source/{source}/archive/{n}.{fmt}

Archive scheme. A feed's selection (its articles, a story republished by several sites
once) is numbered by ascending article id. Ids only grow and a story's first article in a
selection stays first, so the numbering is append-only: archive page n holds the entries
numbered (n-1)*size+1 .. n*size and never loses or gains one once it is full. The newest
page may be partial (it fills up as articles arrive); a page is marked complete
(`<fh:archive/>`, long caching) only once `grace` more entries follow it, because on
PostgreSQL a transaction holding a lower id can commit a moment after a higher one.

Links: the live document points to the newest page with `prev-archive` (and `next`, the
RFC 5005 paging relation a JSON Feed calls `next_url`) when some entries are not in it;
page n points to n-1 (`prev-archive`, `next`), to n+1 (`next-archive`) and to the live
document (`current`). Every entry is thus reachable from the live document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

FORMATS = ("rss", "atom", "json")
MEDIA_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
    "opml": "text/x-opml",
    "html": "text/html",
}
ARCHIVE_SIZE = 100  # entries per archive page; changing it renumbers every archive
ARCHIVE_GRACE = 25  # entries that must follow a full page before it is final
ALL_KIND, CATEGORY_KIND, SOURCE_KIND = "all", "category", "source"


@dataclass(frozen=True, order=True)
class FeedRef:
    """One feed: `all`, a category (by slug) or a source (by id)."""

    kind: str
    key: str

    @property
    def tag(self) -> str:
        """The cache tag of every document of this feed."""
        return f"{self.kind}:{self.key}"

    @property
    def stem(self) -> str:
        if self.kind == ALL_KIND:
            return "/feeds/all"
        if self.kind == CATEGORY_KIND:
            return f"/feeds/{quote(self.key, safe='')}"
        return f"/feeds/source/{quote(self.key, safe='')}"

    def path(self, fmt: str, page: int | None = None) -> str:
        """The URL path of the live document (page None) or of archive page `page`."""
        if page is None:
            return f"{self.stem}.{fmt}"
        return f"{self.stem}/archive/{page}.{fmt}"


ALL = FeedRef(ALL_KIND, "all")


def category(slug: str) -> FeedRef:
    return FeedRef(CATEGORY_KIND, slug)


def source(source_id: str) -> FeedRef:
    return FeedRef(SOURCE_KIND, source_id)


def affected(sources: Iterable[str], categories: Iterable[str]) -> set[FeedRef]:
    """The feeds whose content changes when articles of these sources and categories do."""
    return {ALL, *(category(c) for c in categories), *(source(s) for s in sources)}


def page_path(slug: str) -> str:
    """The HTML page of a category."""
    return f"/c/{quote(slug, safe='')}/"


@dataclass(frozen=True)
class Archive:
    """The archive pages of one feed whose selection holds `total` entries."""

    total: int
    size: int = ARCHIVE_SIZE
    grace: int = ARCHIVE_GRACE

    @property
    def pages(self) -> int:
        return -(-self.total // self.size)

    def exists(self, page: int) -> bool:
        return 1 <= page <= self.pages

    def window(self, page: int) -> tuple[int, int]:
        """(offset, limit) of the page in the selection, by ascending id."""
        return (page - 1) * self.size, self.size

    def complete(self, page: int) -> bool:
        """Full and followed by enough entries that its content is final."""
        return self.total >= page * self.size + self.grace

    def live_links(self, shown: int) -> dict[str, int]:
        """Relations of the live document showing the newest `shown` entries -> page."""
        if self.total <= shown or not self.pages:
            return {}
        return {"next": self.pages, "prev-archive": self.pages}

    def page_links(self, page: int) -> dict[str, int | None]:
        """Relations of archive page `page` -> page (None: the live document)."""
        links: dict[str, int | None] = {"current": None}
        if page > 1:
            links["prev-archive"] = page - 1
            links["next"] = page - 1
        if page < self.pages:
            links["next-archive"] = page + 1
        return links
