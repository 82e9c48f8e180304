"""OPML 2.0: every feed in one file a reader imports."""

from __future__ import annotations

from lxml import etree

from feeds.opml import Outline, render_opml

BASE = "https://feeds.example.com"


def opml() -> bytes:
    return render_opml(
        "أخبار",
        Outline("كل الأخبار", f"{BASE}/feeds/all.rss", f"{BASE}/"),
        [Outline("الشأن السوري", f"{BASE}/feeds/syria.rss", f"{BASE}/c/syria/")],
        [Outline("أخبار\x00 الشام", f"{BASE}/feeds/source/sham.rss", "https://sham.example/")],
    )


def test_outline_of_every_feed() -> None:
    root = etree.fromstring(opml())
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "أخبار"
    feeds = root.findall(".//outline[@type='rss']")
    assert [(o.get("text"), o.get("xmlUrl"), o.get("htmlUrl")) for o in feeds] == [
        ("كل الأخبار", f"{BASE}/feeds/all.rss", f"{BASE}/"),
        ("الشأن السوري", f"{BASE}/feeds/syria.rss", f"{BASE}/c/syria/"),
        ("أخبار الشام", f"{BASE}/feeds/source/sham.rss", "https://sham.example/"),
    ]
    assert {o.get("language") for o in feeds} == {"ar"}
    groups = [o.get("text") for o in root.findall("body/outline") if o.get("type") is None]
    assert groups == ["الأقسام", "المصادر"]


def test_same_input_same_bytes() -> None:
    assert opml() == opml()
