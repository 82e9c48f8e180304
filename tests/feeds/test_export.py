"""`syndicator feeds export DIR`: the same bytes as the server, at the paths of its URLs.

And a real disk full during an export: a file size limit (RLIMIT_FSIZE, the write fails with
EFBIG) or a small tmpfs (ENOSPC), while a real HTTP server on loopback serves DIR. The failed
export leaves every file of the previous one byte for byte, served, with no temporary file;
it says so in one line and exits 1; with room again the next export completes.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from feeds.export import export as export_files
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

[fetch]
allow_networks = ["127.0.0.0/8", "::1"]  # the sample site listens on loopback
per_host_delay = 0  # its pages at once: the politeness delay is tested elsewhere

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


# -- the disk full during an export ---------------------------------------------------------


def export_limited(config: Path, directory: Path, max_file_bytes: int) -> Any:
    """`export`, in a process that may not write a file beyond `max_file_bytes`: the write
    fails with EFBIG (SIGXFSZ, which would kill the process, is ignored, as the limit and
    the signal are set before the command starts)."""
    limited = (
        "import resource, runpy, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({max_file_bytes}, {max_file_bytes}))\n"
        "sys.argv[0] = 'syndicator'\n"
        "runpy.run_module('syndicator', run_name='__main__', alter_sys=True)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", limited, "--config", str(config), "feeds", "export",
         str(directory)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": ""},
    )  # fmt: skip


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def web_server(directory: Path) -> Iterator[str]:
    """A real HTTP server on loopback serving `directory` (as nginx serves the export)."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def files(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def served(base: str, directory: Path, expected: dict[str, bytes]) -> None:
    """Every file of `expected` is served with exactly those bytes."""
    for name, body in expected.items():
        with urllib.request.urlopen(f"{base}/{name}", timeout=10) as answer:
            assert answer.read() == body, name


async def collect_and_export(settings: Any, directory: Path) -> list[tuple[str, bytes]]:
    """Collect what the site has; return what the next export will write (paths under
    `directory`, in its order), without writing it."""
    async with App(settings) as app:
        await app.prepare()
        assert [r.error for r in await app.collect()] == [None]
        return [
            (file_for(directory, url).relative_to(directory).as_posix(), document.body)
            async for url, document in app.feed_catalog().documents()
        ]


async def export_here(settings: Any, directory: Path) -> None:
    """An export in this process (the command's own work, without starting a process)."""
    async with App(settings) as app:
        await app.prepare()
        await export_files(app.feed_catalog(), directory)


def assert_left_in_place(out: Path, before: dict[str, bytes]) -> None:
    assert files(out) == before  # byte for byte, and no new file
    assert not list(out.rglob(".*"))  # no temporary file left behind
    assert {p for p in out.rglob("*") if p.is_dir() and not any(p.iterdir())} == set()


async def test_a_file_size_limit_mid_export_leaves_the_previous_export_served(
    config: Path, site: SampleSite, tmp_path: Path
) -> None:
    settings, out = load_settings(config), tmp_path / "public"
    await collect_and_export(settings, out)
    await export_here(settings, out)
    before = files(out)

    for _ in site.pending:
        site.publish_next()
    coming = await collect_and_export(settings, out)
    changed = [(name, body) for name, body in coming if before.get(name) != body]
    largest = max(len(body) for _, body in changed)
    # Only files as large as the largest changed one fail, and the first changed file is
    # smaller: the failure comes after some changed files were written (an export that
    # replaced files one by one would have changed the served copy by then).
    assert len(changed[0][1]) < largest
    # The database stays open here, so that its shared-memory file exists at full size and
    # the export, which only reads, writes nothing but its own files under the limit.
    database = sqlite3.connect(tmp_path / "export.db")
    with web_server(out) as base, contextlib.closing(database):
        database.execute("SELECT count(*) FROM articles").fetchone()
        served(base, out, before)
        done = export_limited(config, out, largest - 1)
        assert done.returncode == 1, done.stderr
        assert f"error: export to {out} failed: File too large (writing {out}/" in done.stderr
        assert "no file was replaced, the previous export stays in place" in done.stderr
        assert "Traceback" not in done.stderr
        assert_left_in_place(out, before)
        served(base, out, before)

        await export_here(settings, out)  # room again
        assert files(out) == before | dict(coming)
        served(base, out, dict(coming))


@contextlib.contextmanager
def tmpfs(where: Path, size: int) -> Iterator[Path]:
    """A small tmpfs at `where` (root with CAP_SYS_ADMIN only: skipped otherwise)."""
    where.mkdir()
    mount, umount = shutil.which("mount"), shutil.which("umount")
    if os.geteuid() != 0 or mount is None or umount is None:
        pytest.skip("mounting a tmpfs needs root (the RLIMIT_FSIZE test covers the same)")
    made = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run([umount, str(where)], check=False)


async def test_a_full_disk_mid_export_leaves_the_previous_export_served(
    config: Path, site: SampleSite, tmp_path: Path
) -> None:
    settings = load_settings(config)
    with tmpfs(tmp_path / "disk", 4 * 2**20) as disk:
        out = disk / "public"
        await collect_and_export(settings, out)
        await export_here(settings, out)
        before = files(out)

        for _ in site.pending:
            site.publish_next()
        coming = await collect_and_export(settings, out)
        changed = [body for name, body in coming if before.get(name) != body]
        # Fill the disk but for room for about half of the changed files (tmpfs gives
        # whole pages): the first ones are written, then one finds the disk full.
        pages = [-(-len(body) // 4096) * 4096 for body in changed]
        room = sum(pages[: len(pages) // 2])
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        (disk / "filler").write_bytes(bytes(free - room))
        with web_server(out) as base:
            with pytest.raises(OSError, match="No space left on device") as failed:
                await export_here(settings, out)
            assert failed.value.errno == errno.ENOSPC
            assert Path(failed.value.filename).is_relative_to(out)
            assert_left_in_place(out, before)
            served(base, out, before)

            (disk / "filler").unlink()  # room again
            await export_here(settings, out)
            assert files(out) == before | dict(coming)
            served(base, out, dict(coming))
