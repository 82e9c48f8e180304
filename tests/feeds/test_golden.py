"""Golden files: the exact bytes of each format for fixed articles.

A change in these bytes changes what every subscriber downloads (and every ETag), so it
must be deliberate. To accept a new rendering, regenerate and review the diff:

    SYNDICATOR_UPDATE_GOLDEN=1 .venv/bin/pytest tests/feeds/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feeds.render import render
from tests.feeds.checks import check
from tests.feeds.samples import ARTICLES, feed_doc

GOLDEN = Path(__file__).parent / "golden"
UPDATE = "SYNDICATOR_UPDATE_GOLDEN"


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_bytes_match_the_golden_file(fmt: str) -> None:
    body = render(feed_doc(fmt=fmt), fmt).body
    check(fmt, body, len(ARTICLES))
    path = GOLDEN / f"syria.{fmt}"
    if os.environ.get(UPDATE):
        path.write_bytes(body)
    assert path.exists(), f"no golden file {path.name}: run with {UPDATE}=1 once"
    assert body == path.read_bytes(), f"{path.name} changed: review, then rerun with {UPDATE}=1"
