"""Deduplication: which entries of one fetch are new."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syndicator.dedup import Known, Stored, keys, new_entries
from syndicator.model import Entry
from syndicator.normalize import identity_url

BASE = "https://news.example.com/2017/10/19"


def entry(guid: str, url: str, title: str = "روسيا تتجه لمؤتمر شعوب سوريا") -> Entry:
    return Entry(source_id="syria-news", guid=guid, url=url, title=title)


LAVROV = entry("p-4411", f"{BASE}/lavrov/", "لافروف: النجاح في سوريا على وشك الانتهاء")
MISTURA = entry("p-4412", f"{BASE}/de-mistura/", "دي ميستورا: جولة جديدة في جنيف في نوفمبر")
PUTIN = entry("p-4413", f"{BASE}/putin/", "بوتين: عملية السلام في سوريا تتطور بشكل إيجابي")
FETCH = [LAVROV, MISTURA, PUTIN]
NOTHING = Known()
STORED = Stored(
    id=1, title="خبر مخزن", updated=datetime(2017, 10, 19, tzinfo=UTC), content_hash="h"
)


def known(guids: tuple[str, ...] = (), urls: tuple[str, ...] = ()) -> Known:
    """Known articles as the store reports them: URLs by their identity key."""
    keys = (identity_url(u) for u in urls)
    return Known(guids=dict.fromkeys(guids, STORED), urls=dict.fromkeys(keys, STORED))


@pytest.mark.parametrize(
    ("entries", "store", "expected"),
    [
        pytest.param(FETCH, NOTHING, FETCH, id="all-new-order-kept"),
        pytest.param(FETCH[::-1], NOTHING, FETCH[::-1], id="reverse-order-kept"),
        pytest.param([], NOTHING, [], id="empty-fetch"),
        pytest.param(FETCH, known(guids=("p-4412",)), [LAVROV, PUTIN], id="known-guid"),
        pytest.param(
            FETCH, known(urls=(f"{BASE}/putin/",)), [LAVROV, MISTURA], id="known-canonical-url"
        ),
        pytest.param(
            [
                LAVROV,
                entry(
                    "other-guid",
                    "HTTPS://NEWS.example.com:443/2017/10/19/de-mistura/?utm_source=tw",
                ),
                PUTIN,
            ],
            known(urls=(f"{BASE}/de-mistura/",)),
            [LAVROV, PUTIN],
            id="known-url-in-tracking-form",
        ),
        pytest.param(
            [entry("x", "http://www.news.example.com/2017/10/19/lavrov/amp"), MISTURA],
            known(urls=(f"{BASE}/lavrov/",)),
            [MISTURA],
            id="known-url-www-amp-no-slash",
        ),
        pytest.param(
            [entry("x", f"{BASE}/lavrov/#comments"), MISTURA],
            known(urls=(f"{BASE}/lavrov/",)),
            [MISTURA],
            id="known-url-with-fragment",
        ),
        pytest.param(
            FETCH,
            known(guids=("p-4411", "p-4412", "p-4413")),
            [],
            id="everything-known",
        ),
        pytest.param(
            [LAVROV, MISTURA, LAVROV, PUTIN, MISTURA],
            NOTHING,
            FETCH,
            id="repeated-in-fetch-counts-once",
        ),
        pytest.param(
            [LAVROV, entry("p-4411", f"{BASE}/lavrov-updated/"), PUTIN],
            NOTHING,
            [LAVROV, PUTIN],
            id="repeated-guid-other-url",
        ),
        pytest.param(
            [LAVROV, entry("amp-4411", f"{BASE}/lavrov/?utm_medium=social&fbclid=Iw"), PUTIN],
            NOTHING,
            [LAVROV, PUTIN],
            id="repeated-url-in-tracking-form",
        ),
        pytest.param(
            [entry("p-1", f"{BASE}/lavrov/?p=1"), entry("p-2", f"{BASE}/lavrov/?p=2")],
            NOTHING,
            [entry("p-1", f"{BASE}/lavrov/?p=1"), entry("p-2", f"{BASE}/lavrov/?p=2")],
            id="meaningful-query-distinguishes",
        ),
    ],
)
def test_new_entries(entries: list[Entry], store: Known, expected: list[Entry]) -> None:
    assert new_entries(entries, store) == expected


def test_new_entries_does_not_mutate_known() -> None:
    store = known(guids=("p-4411",))
    new_entries(FETCH, store)
    assert store == known(guids=("p-4411",))


def test_keys_are_guids_and_identity_urls() -> None:
    guids, urls = keys(
        iter([LAVROV, entry("p-9", "HTTPS://News.Example.com/2017/10/19/putin/?utm_source=rss#x")])
    )
    assert guids == ["p-4411", "p-9"]
    assert urls == [f"{BASE}/lavrov", f"{BASE}/putin"]  # identity keys: no trailing slash
