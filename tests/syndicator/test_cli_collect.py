"""Collection as an operator runs it: `syndicator collect`, `articles`, `sources` as processes.

One config lists a source of every kind, each on its own loopback sample site: RSS on a
windows-1256 site that declares its charset nowhere, the WordPress REST API of a second site
in another theme, a Google News sitemap behind a sitemap index, and an HTML listing read with
a CSS selector. The first two sites share one republished story. Categories use aliases, URL
patterns, keywords and a default. After `collect`, `articles --json` must show every post of
every site as clean Arabic, rightly categorized, with exactly one `cluster` shared by the two
copies of the story; `sources list --json` must show every source polled without error; and
`sources discover` must print an entry that `collect` accepts and collects from.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from syndicator import arabic
from syndicator.demo.site import load_articles
from tests.fakes.news_site import (
    AD_ID,
    MODERN_AD_ID,
    SECOND_SITE_NAME,
    PublishedArticle,
    RepublishedPair,
    SampleSite,
    SiteArticle,
    republished_pair,
    second_site_articles,
)
from tests.syndicator.test_cli import syndicator

BOILERPLATE = (
    "مقالات ذات صلة",
    "اقرأ أيضاً",
    "زر الذهاب إلى الأعلى",
    "تابعونا",
    "اشترك",
    AD_ID,
    MODERN_AD_ID,
    "ملفات تعريف الارتباط",
    "الأكثر قراءة",
    "الأكثر تداولاً",
)
SHARE_WORDS = frozenset({"شارك", "مشاركة", "فيسبوك", "تويتر", "واتساب", "تلغرام", "إكس"})
MOJIBAKE = re.compile(r"[\u00c0-\u00ff\ufffd]|&#\d+;|&[a-z]+;")


def toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def config_text(database: Path, sources: list[dict[str, str]]) -> str:
    entries = "".join(
        "\n[[sources]]\n" + "".join(f"{k} = {toml_string(v)}\n" for k, v in source.items())
        for source in sources
    )
    return f"""
[database]
url = {toml_string(f"sqlite:///{database}")}

[fetch]
per_host_delay = 0
timeout = 10
allow_networks = ["127.0.0.0/8", "::1"]  # the sample sites listen on loopback

[telegram]
per_chat_interval = 0

[collect]
default_category = "general"

[[categories]]
slug = "syria"
name = "الشأن السوري"
aliases = ["سوريا", "سورية"]

[[categories]]
slug = "economy"
name = "اقتصاد"
aliases = ["الاقتصاد"]

[[categories]]
slug = "world"
name = "عربي ودولي"

[[categories]]
slug = "crossings"
name = "المعابر"
url_patterns = ["nassib"]

[[categories]]
slug = "energy"
name = "طاقة"
keywords = ["الطاقة الشمسية", "ميغاواط"]

[[categories]]
slug = "general"
name = "منوعات"

# One message per article (no backlog digest), so the test can count the story's posts.
[[channels]]
id = "syria-news"
chat_id = "@sham_syria_news"
categories = ["syria"]
backlog_newest = 100

[[channels]]
id = "energy-news"
chat_id = "@energy_news"
categories = ["energy"]
backlog_newest = 100
{entries}"""


@dataclass(frozen=True)
class Web:
    """The four sites, the shared story and the config that lists them."""

    pair: RepublishedPair
    sitemap: SampleSite
    listing: SampleSite
    config: Path

    @property
    def sites(self) -> tuple[SampleSite, ...]:
        return (self.pair.first, self.pair.second, self.sitemap, self.listing)

    def published(self) -> dict[str, PublishedArticle]:
        return {item.url: item for site in self.sites for item in site.published}


def main_site_posts(post_ids: range) -> list[SiteArticle]:
    return [replace(a, initially_published=True) for a in load_articles() if a.post_id in post_ids]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    tmp = tmp_path_factory.mktemp("collect")
    first = SampleSite(
        main_site_posts(range(1001, 1005)), encoding="windows-1256", charset_label="none"
    )
    second = SampleSite(
        second_site_articles(),
        name=SECOND_SITE_NAME,
        theme="modern",
        feeds=False,
        wordpress_api=True,
    )
    sitemap = SampleSite(
        main_site_posts(range(1005, 1009)), name="وكالة الأنباء", feeds=False, news_sitemap=True
    )
    listing = SampleSite(
        main_site_posts(range(1009, 1013)), name="سوق الأخبار", theme="modern", feeds=False
    )
    with republished_pair(first, second) as pair, sitemap, listing:
        config = tmp / "syndicator.toml"
        sources = [
            {"id": "sham", "name": first.name, "url": first.feed_url(), "kind": "feed"},
            {"id": "mashreq", "name": second.name, "url": second.url + "/", "kind": "wordpress"},
            {
                "id": "wire",
                "name": sitemap.name,
                "url": sitemap.url + "/sitemap.xml",
                "kind": "sitemap",
            },
            {
                "id": "souq",
                "name": listing.name,
                "url": listing.url + "/",
                "kind": "html",
                "link_selector": "h3.post-card__title a",
            },
        ]
        config.write_text(config_text(tmp / "collect.db", sources), encoding="utf-8")
        collected = syndicator("--config", str(config), "collect")
        assert collected.returncode == 0, collected.stderr
        yield Web(pair, sitemap, listing, config)


def articles_json(config: Path) -> list[dict[str, Any]]:
    listed = syndicator("--config", str(config), "articles", "--json", "--limit", "200")
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines()]


def assert_clean(row: dict[str, Any]) -> None:
    what = f"{row['source']} {row['url']}"
    for name in ("title", "text", "summary"):
        value = row[name]
        assert arabic.has_arabic(value), f"{what}: {name} has no Arabic"
        assert MOJIBAKE.search(value) is None, f"{what}: {name} is garbled: {value[:80]!r}"
        for leftover in BOILERPLATE:
            assert leftover not in value, f"{what}: {name} keeps {leftover!r}"
        assert not SHARE_WORDS & set(re.findall(r"\w+", value)), f"{what}: share buttons"
    assert len(row["text"]) > 500, f"{what}: only {len(row['text'])} characters of text"


STORY = (1101, 2101)  # the shared story on the main site and on the second site
# post id -> categories: «الشأن السوري»/«سوريا» by name or alias, crossings by URL pattern
# (nassib), energy by keyword (ميغاواط), general by default (sports and culture are not
# configured).
EXPECTED_CATEGORIES = {
    1001: ["syria"],
    1002: ["economy"],
    1003: ["general"],
    1004: ["general"],
    1005: ["crossings", "syria"],
    1006: ["crossings", "world"],
    1007: ["world"],
    1008: ["general"],
    1009: ["syria"],
    1010: ["economy"],
    1011: ["general"],
    1012: ["syria"],
    1101: ["energy", "syria"],
    2001: ["world"],
    2002: ["economy"],
    2003: ["general"],
    2101: ["energy", "syria"],
}

# WordPress's API sends titles texturized (curly quotes), as a real WordPress does.
TEXTURIZED = {
    2001: "الصحة العالمية: “لا مؤشرات” على انتشار واسع لسلالة الإنفلونزا الجديدة في المنطقة"
}


def test_collect_every_kind_into_clean_categorized_stories(web: Web) -> None:
    rows = articles_json(web.config)
    published = web.published()
    assert sorted(row["url"] for row in rows) == sorted(published)
    assert {row["source"] for row in rows} == {"sham", "mashreq", "wire", "souq"}
    by_post = {published[row["url"]].article.post_id: row for row in rows}
    for post_id, row in by_post.items():
        title = arabic.clean_line(published[row["url"]].article.title)
        assert row["title"] == TEXTURIZED.get(post_id, title)
        assert_clean(row)
        assert row["categories"] == EXPECTED_CATEGORIES[post_id], post_id

    original, copy = (by_post[n] for n in STORY)
    assert (original["source"], copy["source"]) == ("sham", "mashreq")
    assert original["url"] != copy["url"]
    assert original["cluster"] == copy["cluster"] in (original["id"], copy["id"])
    others = [row for n, row in by_post.items() if n not in STORY]
    assert all(row["cluster"] == row["id"] for row in others)
    clusters = [row["cluster"] for row in rows]
    assert len(set(clusters)) == len(rows) - 1


def test_sources_list_shows_every_source_polled(web: Web) -> None:
    listed = syndicator("--config", str(web.config), "sources", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert {k: row["kind"] for k, row in rows.items()} == {
        "sham": "feed",
        "mashreq": "wordpress",
        "wire": "sitemap",
        "souq": "html",
    }
    for row in rows.values():
        assert row["last_success_at"] is not None, row
        assert (row["error_count"], row["last_error"]) == (0, None), row


def test_the_story_is_pushed_once_per_channel(web: Web) -> None:
    dispatched = syndicator("--config", str(web.config), "dispatch", "--once")
    assert dispatched.returncode == 0, dispatched.stderr
    messages = dispatched.stdout.split("[dry-run] to ")[1:]
    story = web.pair.original.title
    sent = sorted(m.split("\n", 1)[0] for m in messages if story in m)
    assert sent == ["@energy_news", "@sham_syria_news"]
    to_syria = [m for m in messages if m.startswith("@sham_syria_news")]
    syria_posts = [n for n, slugs in EXPECTED_CATEGORIES.items() if "syria" in slugs]
    assert len(to_syria) == len(syria_posts) - 1  # the story's two copies count once


# -- discovery -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "kind"),
    [
        pytest.param({"wordpress_api": True}, "feed", id="feeds-and-wordpress"),
        pytest.param({"feeds": False, "wordpress_api": True}, "wordpress", id="wordpress-only"),
        pytest.param({"feeds": False, "news_sitemap": True}, "sitemap", id="news-sitemap-only"),
        pytest.param({"feeds": False}, "html", id="nothing-but-pages"),
    ],
)
def test_discovered_entry_is_accepted_and_collects(
    tmp_path: Path, options: dict[str, Any], kind: str
) -> None:
    with SampleSite(**options) as site:
        bare = tmp_path / "bare.toml"
        bare.write_text(config_text(tmp_path / "discover.db", []), encoding="utf-8")
        found = syndicator("--config", str(bare), "sources", "discover", site.url + "/")
        assert found.returncode == 0, found.stderr
        (source,) = tomllib.loads(found.stdout)["sources"]
        assert source["kind"] == kind
        assert source["name"] == site.name
        assert source["url"].startswith(site.url)

        config = tmp_path / "syndicator.toml"
        config.write_text(bare.read_text(encoding="utf-8") + "\n" + found.stdout, "utf-8")
        collected = syndicator("--config", str(config), "collect")
        assert collected.returncode == 0, collected.stderr
        rows = articles_json(config)
        assert sorted(row["title"] for row in rows) == sorted(
            arabic.clean_line(item.article.title) for item in site.published
        )
        for row in rows:
            assert row["source"] == source["id"]
            assert_clean(row)
