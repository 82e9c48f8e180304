"""How a rendered document becomes bytes on the wire: charset, content coding, conditional GET.

Real Arabic news sites differ here more than anywhere else, and the collector has to cope with
each variant: pages and feeds in windows-1256 or ISO-8859-6 as well as UTF-8, the charset
declared in the Content-Type header, only inside the document, or nowhere; bodies gzip- or
brotli-compressed when the client asks; ETag/Last-Modified validators that turn repeated polls
into 304s. Renderers produce text; this module does the rest, deterministically.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import brotli

# Python codec name -> the label WordPress and Apache print.
ENCODINGS = {"utf-8": "UTF-8", "windows-1256": "windows-1256", "iso-8859-6": "ISO-8859-6"}
CHARSET_LABELS = ("header", "meta", "xml", "none")
COMPRESS_OVER = 1024  # bytes; smaller bodies are sent as they are
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)


@dataclass(frozen=True)
class Charset:
    """A site's character encoding and where it is declared.

    `label` places the declaration: ``header`` in the Content-Type header *and* in the
    document (what WordPress does); ``meta`` only in the document (HTML `<meta charset>`, XML
    declaration); ``xml`` only in XML declarations (HTML pages carry none); ``none`` nowhere.
    Characters the charset cannot encode become numeric character references.
    """

    codec: str = "utf-8"
    label: str = "header"

    def __post_init__(self) -> None:
        if self.codec not in ENCODINGS:
            raise ValueError(f"encoding must be one of {sorted(ENCODINGS)}, not {self.codec!r}")
        if self.label not in CHARSET_LABELS:
            raise ValueError(f"charset_label must be one of {CHARSET_LABELS}, not {self.label!r}")

    @property
    def name(self) -> str:
        return ENCODINGS[self.codec]

    def content_type(self, mime: str) -> str:
        return f"{mime}; charset={self.name}" if self.label == "header" else mime

    def html_meta(self) -> str:
        return f'<meta charset="{self.name}">\n' if self.label in ("header", "meta") else ""

    def xml_declaration(self) -> str:
        if self.label == "none":
            return '<?xml version="1.0"?>'
        return f'<?xml version="1.0" encoding="{self.name}"?>'

    def encode_html(self, text: str) -> bytes:
        return text.encode(self.codec, "xmlcharrefreplace")

    def encode_xml(self, text: str) -> bytes:
        """Like `encode_html`, but a character reference cannot live inside CDATA: there the
        section is closed around the reference, so a parser still reads the character."""
        if self.codec == "utf-8":
            return text.encode()
        out: list[str] = []
        end = 0
        for match in _CDATA.finditer(text):
            out.append(text[end : match.start()])
            out.append("<![CDATA[" + self._split_cdata(match.group(1)) + "]]>")
            end = match.end()
        out.append(text[end:])
        return "".join(out).encode(self.codec, "xmlcharrefreplace")

    def _split_cdata(self, text: str) -> str:
        try:
            text.encode(self.codec)
            return text
        except UnicodeEncodeError:
            pass
        chars = []
        for char in text:
            try:
                char.encode(self.codec)
                chars.append(char)
            except UnicodeEncodeError:
                chars.append(f"]]>&#{ord(char)};<![CDATA[")
        return "".join(chars)


@dataclass(frozen=True)
class Response:
    """One answer before content coding and conditional evaluation (see `finish`)."""

    status: int
    body: bytes = b""
    content_type: str | None = "text/html; charset=UTF-8"
    headers: tuple[tuple[str, str], ...] = ()
    compressible: bool = False
    etag: str | None = None  # the opaque tag of the identity body, without quotes
    last_modified: datetime | None = None


def negotiate(accept_encoding: str | None) -> str | None:
    """The content coding to use: ``br`` over ``gzip``, only if the client accepts it."""
    accepted: set[str] = set()
    for part in (accept_encoding or "").split(","):
        coding, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    weight = float(param[2:])
                except ValueError:
                    weight = 0.0
        if coding and weight > 0:
            accepted.add(coding.lower())
    for coding in ("br", "gzip"):
        if coding in accepted:
            return coding
    return "gzip" if "*" in accepted else None


def compress(body: bytes, coding: str) -> bytes:
    if coding == "br":
        return bytes(brotli.compress(body, quality=5))  # a web server's on-the-fly level
    return gzip.compress(body, mtime=0)  # mtime=0: the same bytes on every request


def finish(
    response: Response,
    *,
    accept_encoding: str | None,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> Response:
    """Compress if asked and worthwhile, emit the validators, and answer 304 when they match.

    A compressed body gets a weak ETag (as nginx does): the validator still matches the
    identity representation for conditional GETs, but does not claim byte equality.
    """
    headers = list(response.headers)
    body = response.body
    coding = negotiate(accept_encoding) if response.compressible else None
    compressed = coding is not None and len(body) > COMPRESS_OVER
    if response.compressible:
        headers.append(("Vary", "Accept-Encoding"))
    validators = []
    if response.etag is not None:
        validators.append(("ETag", f'{"W/" if compressed else ""}"{response.etag}"'))
    if response.last_modified is not None:
        validators.append(("Last-Modified", format_datetime(response.last_modified, usegmt=True)))
    if response.status == 200 and _not_modified(response, if_none_match, if_modified_since):
        return Response(304, b"", None, (*validators, *headers))  # no representation metadata
    if compressed and coding is not None:
        body = compress(body, coding)
        headers.append(("Content-Encoding", coding))
    return replace(
        response, body=body, headers=(*validators, *headers), etag=None, last_modified=None
    )


def _not_modified(
    response: Response, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110)
        if response.etag is None:
            return False
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or f'"{response.etag}"' in tags
    if if_modified_since is None or response.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    return response.last_modified <= (since if since.tzinfo else since.replace(tzinfo=UTC))
