"""Encoding detection (pure, used by the parse stage): fetched bytes -> text, one rule for all.

Arabic sites still serve windows-1256 and ISO-8859-6, often with a wrong or missing label, and
feedparser, lxml and browsers each guess differently. Every parser of `syndicator.sources` and
`syndicator.discover` therefore decodes through this module, which decides in this order:

1. a UTF-16/32 byte-order mark wins; a UTF-8 BOM is dropped;
2. a body that is valid UTF-8 is UTF-8, whatever its labels say; so is a body cut in the
   middle of its last character (a size cap) or one with a rare stray byte among many valid
   multi-byte characters (a windows-1256 body is never close: its letters are not
   continuation bytes);
3. the HTTP charset label (Content-Type), then the XML declaration's ``encoding=``, then an
   HTML ``<meta charset>`` or ``<meta http-equiv="Content-Type">`` in the first 4 KB;
4. detection by charset_normalizer, preferring windows-1256 then ISO-8859-6 when they are
   about as plausible as the best guess;
5. windows-1256 with undecodable bytes replaced.

Whatever rules 3-5 chose, a body that is mostly UTF-8 (far more valid multi-byte sequences than
stray bytes: a windows-1256 body makes almost none) is a UTF-8 document with pasted-in
fragments of another encoding or a few broken bytes: it is decoded as UTF-8, and only the bytes
that are not UTF-8 with the chosen codec, so one bad item does not garble a whole feed.

A Latin label from HTTP (ISO-8859-1, windows-1252, ASCII) is usually the server's default
rather than the site's choice: it ranks after the document's own declaration and after an
Arabic code page that detection finds plausible, but before any other guess.

Labels are normalized (``arabic``, ``ISO_8859-6``, ``cp1256``, ``x-mac-arabic``...); unknown
labels are ignored and a label that fails to decode the body falls through to the next rule.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_HEAD = 4096
_DETECT_BYTES = 65536
_AMBIGUITY = 0.1  # chaos margin within which an Arabic code page beats the best guess
_FALLBACK = "windows-1256"
_STRAY_RATIO = 50  # at most one invalid UTF-8 sequence per this many valid non-ASCII chars
_MIXED_MIN = 8  # valid multi-byte UTF-8 sequences a mixed body has at least...
_MIXED_RATIO = 4  # ...and with at most this many stray bytes per sequence
# One valid UTF-8 character (RFC 3629: no overlong forms, no surrogates) and runs of them.
_UTF8_MULTIBYTE = (
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_UTF8_CHAR = re.compile(_UTF8_MULTIBYTE)
_UTF8_RUN = re.compile(rb"(?:[\x00-\x7f]|" + _UTF8_MULTIBYTE + rb")+")
_ASCII = bytes(range(0x80))

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Preferred names of the codecs we return, keyed by Python's canonical codec name.
_NAMES = {
    "utf-8": "utf-8",
    "cp1256": "windows-1256",
    "iso8859-6": "iso-8859-6",
    "mac-arabic": "x-mac-arabic",
    "cp1252": "windows-1252",
    "iso8859-1": "iso-8859-1",
    "ascii": "us-ascii",
    "cp864": "ibm864",
}
_LABELS = (
    (
        "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 "
        "iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
        "iso-8859-6",
    ),
    ("cp1256 windows-1256 x-cp1256 win-1256 win1256 windows1256", "windows-1256"),
    ("x-mac-arabic mac-arabic macarabic x-mac-ar", "x-mac-arabic"),
    # As browsers do: Latin-1 and ASCII labels mean windows-1252.
    (
        "ansi_x3.4-1968 ascii us-ascii iso-8859-1 iso8859-1 iso_8859-1 latin1 l1 cp1252 "
        "windows-1252 x-cp1252",
        "windows-1252",
    ),
    ("utf8 utf-8 unicode-1-1-utf-8 x-unicode20utf8", "utf-8"),
)
_ALIASES = {label: codec for labels, codec in _LABELS for label in labels.split()}
_CODECS = {"windows-1256": "cp1256", "x-mac-arabic": "mac-arabic"}
_WEAK = frozenset({"windows-1252"})
_ARABIC_PAGES = ("cp1256", "iso8859_6")

_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""")
_META = re.compile(rb"<meta\s[^>]*>", re.IGNORECASE)
_XML_DECL_TEXT = re.compile(r"""^(\s*)(<\?xml\s[^>]*?encoding\s*=\s*)(["'])[^"']*\3""")


def normalize_label(label: str) -> str | None:
    """The codec name for a charset label, or None when the label is unknown or not text."""
    key = label.strip().strip("\"'").lower()
    if not key:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        info = codecs.lookup(key)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # base64, zlib, rot13...
    return _NAMES.get(info.name, info.name)


def detect(body: bytes, content_type: str = "") -> str:
    """The name of the codec `decode` uses for `body` (see the module docstring)."""
    return _decide(body, content_type)[0]


def decode(body: bytes, content_type: str = "") -> str:
    """`body` as text, decided by the rule in the module docstring; never raises."""
    name, start = _decide(body, content_type)
    if name != "utf-8" and start == 0 and _mostly_utf8(body):
        return _decode_mixed(body, name)
    return body[start:].decode(_codec(name), errors="replace")


def to_utf8_xml(body: bytes, content_type: str = "") -> bytes:
    """The document re-encoded as UTF-8, its XML declaration saying so.

    Whitespace before the XML declaration (a classic of WordPress plugins) is dropped, since
    XML parsers refuse a declaration that is not at the very start.
    """
    text = decode(body, content_type)
    if text.lstrip().startswith("<?xml"):
        text = text.lstrip()
    text = _XML_DECL_TEXT.sub(r"\1\2\3utf-8\3", text, count=1)
    return text.encode("utf-8")


def _decide(body: bytes, content_type: str) -> tuple[str, int]:
    """(codec name, number of BOM bytes to skip)."""
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return bom_codec, len(bom)
    if _is_utf8(body):
        return "utf-8", 0
    http = _label(_CHARSET, content_type.encode("latin-1", "replace"))
    head = body[:_HEAD]
    # A declaration found by scanning ASCII bytes cannot be right about UTF-16/32.
    declared = [
        label
        for label in (_label(_XML_DECL, head), _meta_label(head))
        if label and not label.startswith(("utf-16", "utf-32"))
    ]
    strong = [http] if http and http not in _WEAK else []
    for label in strong + declared:
        if _decodes(body, label):
            return label, 0
    weak = http if http in _WEAK and _decodes(body, http) else None
    return _guess(body, weak), 0


def _is_utf8(body: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace")
        replaced = text.count("\ufffd")
        stray = replaced - body.count("\ufffd".encode())
        valid = sum(1 for char in text if char > "\x7f") - replaced
        return valid >= _STRAY_RATIO and stray * _STRAY_RATIO <= valid
    return True


def _mostly_utf8(body: bytes) -> bool:
    """Many valid multi-byte UTF-8 characters and few bytes outside them (see the docstring)."""
    chars = _UTF8_CHAR.findall(body)
    stray = len(body.translate(None, _ASCII)) - sum(len(char) for char in chars)
    return len(chars) >= _MIXED_MIN and stray <= len(chars) * _MIXED_RATIO


def _decode_mixed(body: bytes, other: str) -> str:
    """UTF-8 runs as UTF-8, the bytes between them with the `other` codec."""
    parts: list[str] = []
    end = 0
    for run in _UTF8_RUN.finditer(body):
        parts.append(body[end : run.start()].decode(_codec(other), errors="replace"))
        parts.append(run.group().decode("utf-8"))
        end = run.end()
    parts.append(body[end:].decode(_codec(other), errors="replace"))
    return "".join(parts)


def _label(pattern: re.Pattern[bytes], text: bytes) -> str | None:
    match = pattern.search(text)
    return normalize_label(match.group(1).decode("ascii")) if match else None


def _meta_label(head: bytes) -> str | None:
    for tag in _META.findall(head):
        name = _label(_CHARSET, tag)
        if name:
            return name
    return None


def _codec(name: str) -> str:
    return _CODECS.get(name, name)


def _decodes(body: bytes, name: str) -> bool:
    try:
        body.decode(_codec(name))
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _guess(body: bytes, weak: str | None) -> str:
    """charset_normalizer's guess, nudged toward the Arabic code pages when it hesitates.

    A weak (Latin) HTTP label still beats any guess other than an Arabic code page.
    """
    matches = list(charset_normalizer.from_bytes(body[:_DETECT_BYTES]))
    best = matches[0] if matches else None
    for page in _ARABIC_PAGES:
        for match in matches:
            if match.encoding == page and best and match.chaos <= best.chaos + _AMBIGUITY:
                return normalize_label(page) or _FALLBACK
    if weak:
        return weak
    name = normalize_label(best.encoding) if best else None
    return name if name and _decodes(body, name) else _FALLBACK
