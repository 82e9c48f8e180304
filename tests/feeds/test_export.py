"""`syndicator feeds export DIR`: the same bytes as the server, at the paths of its URLs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from lxml import etree

from feeds.export import file_for, write_atomic
from syndicator.app import App
from syndicator.config import load_settings
from tests.fakes.news_site import SampleSite

PUBLIC = "https://news-feeds.example.org"


@pytest.fixture
def config(tmp_path: Path, site: SampleSite) -> Path:
    path = tmp_path / "syndicator.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///{tmp_path / "export.db"}"

[http]
public_url = "{PUBLIC}"

[feeds]
limit = 3

[[categories]]
slug = "syria"
name = "الشأن السوري"

[[categories]]
slug = "economy"
name = "اقتصاد"

[[sources]]
id = "sham"
name = "أخبار الشام اليوم"
url = "{site.feed_url()}"
""",
        encoding="utf-8",
    )
    return path


def export(config: Path, directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syndicator", "--config", str(config), "feeds", "export",
         str(directory)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": ""},
    )  # fmt: skip


def url_of(directory: Path, file: Path) -> str:
    relative = file.relative_to(directory).as_posix()
    if relative == "index.html":
        return "/"
    return "/" + relative.removesuffix("index.html")


async def test_export_writes_what_the_server_serves(config: Path, tmp_path: Path) -> None:
    settings = load_settings(config)
    async with App(settings) as app:
        await app.prepare()
        results = await app.collect()
        assert [r.error for r in results] == [None]
    out = tmp_path / "public"
    done = export(config, out)
    assert done.returncode == 0, done.stderr
    assert f"to {out}" in done.stderr

    files = sorted(p for p in out.rglob("*") if p.is_file())
    names = {p.relative_to(out).as_posix() for p in files}
    # 8 articles, 6 in syria (3 live), 2 in economy: one partial archive page each
    expected = {"index.html", "feeds.opml", "c/syria/index.html", "c/economy/index.html"}
    for stem in ("all", "syria", "economy", "source/sham"):
        for fmt in ("rss", "atom", "json"):
            expected |= {f"feeds/{stem}.{fmt}", f"feeds/{stem}/archive/1.{fmt}"}
    assert names == expected
    assert not [p for p in out.rglob(".*")]  # no temporary file left behind
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o644}

    async with App(settings) as app:
        transport = httpx.ASGITransport(app=app.feed_server().app())
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
            for file in files:
                response = await client.get(url_of(out, file))
                assert response.status_code == 200, file
                assert response.content == file.read_bytes(), file
                modified = response.headers.get("last-modified")
                if modified:  # the web server's Last-Modified will be the same
                    assert int(file.stat().st_mtime) == _epoch(modified)
    # every feed the OPML lists is a file at the same path
    opml = etree.fromstring((out / "feeds.opml").read_bytes())
    for outline in opml.iter("outline"):
        if outline.get("xmlUrl"):
            assert file_for(out, outline.get("xmlUrl").removeprefix(PUBLIC)).is_file()

    # Nothing changed: a second export rewrites nothing.
    inodes = {p: p.stat().st_ino for p in files}
    again = export(config, out)
    assert again.returncode == 0, again.stderr
    assert f"(0 written, {len(files)} unchanged)" in again.stderr
    assert {p: p.stat().st_ino for p in files} == inodes


def _epoch(http_date: str) -> int:
    return int(parsedate_to_datetime(http_date).timestamp())


def test_files_for_urls(tmp_path: Path) -> None:
    assert file_for(tmp_path, "/") == tmp_path / "index.html"
    assert file_for(tmp_path, "/c/syria/") == tmp_path / "c" / "syria" / "index.html"
    assert file_for(tmp_path, "/feeds/source/a%20b.rss") == tmp_path / "feeds/source/a b.rss"
    for bad in ("/feeds/source/..%2F..%2Fetc.rss", "/feeds/%2E%2E/x.rss", "/a//b"):
        with pytest.raises(ValueError, match="not a plain path"):
            file_for(tmp_path, bad)


def test_write_atomic(tmp_path: Path) -> None:
    target = tmp_path / "feeds" / "all.rss"
    assert write_atomic(target, b"one", mtime=1_000_000_000)
    assert target.read_bytes() == b"one"
    assert target.stat().st_mtime == 1_000_000_000
    assert not write_atomic(target, b"one")  # same bytes: left alone
    assert write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["all.rss"]
