"""Static export (I/O edge): every document the server offers, written as files for nginx
or a CDN, at the paths of the same URLs:

    DIR/index.html                       /
    DIR/c/{slug}/index.html              /c/{slug}/
    DIR/feeds.opml                       /feeds.opml
    DIR/feeds/{slug|all}.{rss,atom,json} /feeds/{slug|all}.{fmt}
    DIR/feeds/{slug|all}/archive/{n}.{fmt}
    DIR/feeds/source/{id}.{fmt}          DIR/feeds/source/{id}/archive/{n}.{fmt}

Each file is written atomically (a temporary file in the same directory, then
`os.replace`), so a reader never sees half a feed; a file whose bytes did not change is
not rewritten, and its modification time is the document's newest change, so the web
server's Last-Modified (and nginx's ETag) stay the same between exports. Files of feeds
that no longer exist are left in place.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from feeds.catalog import Catalog

log = logging.getLogger(__name__)

FILE_MODE = 0o644  # read by the web server, whatever user it runs as


@dataclass(frozen=True)
class Exported:
    written: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.written + self.unchanged


def file_for(directory: Path, url_path: str) -> Path:
    """The file that holds the document at `url_path` (decoded, as the web server maps it)."""
    path = unquote(url_path)
    if path.endswith("/"):
        path += "index.html"
    parts = path.split("/")[1:]
    if not parts or any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts):
        raise ValueError(f"cannot export {url_path!r}: not a plain path")
    return directory.joinpath(*parts)


def write_atomic(target: Path, body: bytes, mtime: float | None = None) -> bool:
    """Write `body` to `target` unless it already holds exactly that; True if written."""
    try:
        if target.read_bytes() == body:
            return False
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, FILE_MODE)
        if mtime is not None:
            os.utime(temporary, (mtime, mtime))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


async def export(catalog: Catalog, directory: Path) -> Exported:
    """Write every document under `directory`."""
    written = unchanged = 0
    async for url_path, document in catalog.documents():
        modified = document.last_modified.timestamp() if document.last_modified else None
        try:
            target = file_for(directory, url_path)
        except ValueError as exc:
            log.warning("%s", exc)
            continue
        if write_atomic(target, document.body, modified):
            written += 1
        else:
            unchanged += 1
    return Exported(written, unchanged)
