"""Static export (I/O edge): every document the server offers, written as files for nginx
or a CDN, at the paths of the same URLs:

    DIR/index.html                       /
    DIR/c/{slug}/index.html              /c/{slug}/
    DIR/feeds.opml                       /feeds.opml
    DIR/feeds/{slug|all}.{rss,atom,json} /feeds/{slug|all}.{fmt}
    DIR/feeds/{slug|all}/archive/{n}.{fmt}
    DIR/feeds/source/{id}.{fmt}          DIR/feeds/source/{id}/archive/{n}.{fmt}

An export replaces its files all together or not at all: every changed document is first
written beside its file as a hidden temporary file (`.NAME.XXXX.tmp`, flushed to disk), and
only once all of them are written are they renamed into place (`os.replace`, which takes no
room). So a reader never sees half a feed, and an export that fails on the way (the disk
full, a file size limit, a read-only directory) leaves every file as the previous export
left it, still served, and removes its temporary files. It needs room for the changed
files twice over while it runs. A file whose bytes did not change is not rewritten, and
its modification time is the document's newest change, so the web server's Last-Modified
(and nginx's ETag) stay the same between exports. Files of feeds that no longer exist are
left in place.
"""

from __future__ import annotations

import contextlib
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
    temporary = stage(target, body, mtime)
    if temporary is None:
        return False
    os.replace(temporary, target)
    return True


def stage(
    target: Path, body: bytes, mtime: float | None = None, created: list[Path] | None = None
) -> Path | None:
    """Write `body` to a temporary file beside `target`, flushed to disk, with the mode and
    `mtime` the file will have; None when `target` holds exactly these bytes already.
    Directories made for it are appended to `created`. On an error nothing is left behind
    but those directories, and the OSError names `target`."""
    try:
        if target.read_bytes() == body:
            return None
    except FileNotFoundError:
        pass
    try:
        _make_parents(target, created if created is not None else [])
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _naming(exc, target) from None
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, FILE_MODE)
        if mtime is not None:
            os.utime(temporary, (mtime, mtime))
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _naming(exc, target) from None
        raise
    return temporary


async def export(catalog: Catalog, directory: Path) -> Exported:
    """Write every document under `directory`, all or nothing (see the module docstring).

    An OSError (ENOSPC, EFBIG, EACCES...) names the file it happened on; by then every
    temporary file is removed and every file in `directory` is as it was."""
    staged: list[tuple[Path, Path]] = []  # (temporary, target)
    created: list[Path] = []
    unchanged = 0
    try:
        async for url_path, document in catalog.documents():
            modified = document.last_modified.timestamp() if document.last_modified else None
            try:
                target = file_for(directory, url_path)
            except ValueError as exc:
                log.warning("%s", exc)
                continue
            temporary = stage(target, document.body, modified, created)
            if temporary is None:
                unchanged += 1
            else:
                staged.append((temporary, target))
    except BaseException:
        _discard([temporary for temporary, _ in staged], created)
        raise
    for done, (temporary, target) in enumerate(staged):
        try:
            os.replace(temporary, target)
        except OSError as exc:  # renames do not fail for want of room; still, clean up
            _discard([temporary for temporary, _ in staged[done:]], [])
            raise _naming(exc, target) from None
    return Exported(len(staged), unchanged)


def _make_parents(target: Path, created: list[Path]) -> None:
    """Make the missing directories above `target`, outermost first, noting each."""
    missing = []
    for parent in target.parents:
        if parent.is_dir():
            break
        missing.append(parent)
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        created.append(directory)


def _discard(temporaries: list[Path], created: list[Path]) -> None:
    """Remove temporary files, then the directories made for them if they are empty."""
    for temporary in temporaries:
        temporary.unlink(missing_ok=True)
    for directory in reversed(created):
        with contextlib.suppress(OSError):  # not empty (another export's files), or gone
            directory.rmdir()


def _naming(exc: OSError, target: Path) -> OSError:
    """`exc` naming the file it happened on (a failed write() names none): `target`."""
    if exc.errno is None:
        return exc
    return OSError(exc.errno, exc.strerror, exc.filename or str(target))
