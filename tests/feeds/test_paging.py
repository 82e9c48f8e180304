"""Which documents a feed has and what each holds (RFC 5005 archives, stable pages)."""

from __future__ import annotations

import pytest

from feeds.paging import ALL, Archive, affected, category, page_path, source


def test_paths() -> None:
    assert ALL.path("rss") == "/feeds/all.rss"
    assert category("syria").path("atom") == "/feeds/syria.atom"
    assert category("syria").path("json", 3) == "/feeds/syria/archive/3.json"
    assert source("bbc.arabic").path("rss") == "/feeds/source/bbc.arabic.rss"
    assert source("a b").path("rss", 1) == "/feeds/source/a%20b/archive/1.rss"
    assert page_path("syria") == "/c/syria/"


def test_affected_feeds() -> None:
    assert affected({"sham"}, {"syria", "world"}) == {
        ALL,
        category("syria"),
        category("world"),
        source("sham"),
    }
    assert affected(set(), set()) == {ALL}


@pytest.mark.parametrize(("total", "pages"), [(0, 0), (1, 1), (3, 1), (4, 2), (9, 3), (10, 4)])
def test_page_count(total: int, pages: int) -> None:
    assert Archive(total, size=3, grace=2).pages == pages


def test_windows_are_fixed_chunks_by_ascending_number() -> None:
    archive = Archive(10, size=3, grace=2)
    assert [archive.window(p) for p in (1, 2, 3, 4)] == [(0, 3), (3, 3), (6, 3), (9, 3)]
    assert not archive.exists(0)
    assert not archive.exists(5)


def test_a_page_is_complete_once_enough_entries_follow_it() -> None:
    assert [Archive(n, size=3, grace=2).complete(1) for n in (3, 4, 5, 6)] == [
        False,
        False,
        True,
        True,
    ]


def test_pages_never_change_as_the_selection_grows() -> None:
    """Numbering only grows at the end: a window keeps its members whatever follows."""
    numbered = list(range(1, 8))
    before = Archive(len(numbered), size=3)
    numbered += [8, 9, 10, 11]
    after = Archive(len(numbered), size=3)
    for page in (1, 2):
        offset, limit = before.window(page)
        assert numbered[offset : offset + limit] == numbered[slice(*_range(after.window(page)))]


def _range(window: tuple[int, int]) -> tuple[int, int]:
    return window[0], window[0] + window[1]


def test_live_document_links_to_the_newest_page_when_entries_are_missing() -> None:
    assert Archive(10, size=3).live_links(shown=5) == {"next": 4, "prev-archive": 4}
    assert Archive(5, size=3).live_links(shown=5) == {}
    assert Archive(0, size=3).live_links(shown=0) == {}


def test_archive_pages_link_both_ways_and_to_the_live_document() -> None:
    archive = Archive(10, size=3)
    assert archive.page_links(1) == {"current": None, "next-archive": 2}
    assert archive.page_links(2) == {
        "current": None,
        "prev-archive": 1,
        "next": 1,
        "next-archive": 3,
    }
    assert archive.page_links(4) == {"current": None, "prev-archive": 3, "next": 3}
