"""Encoding detection: real Arabic text under every label placement, mislabels, BOMs, empties."""

from __future__ import annotations

import codecs

import pytest
from lxml import etree

from syndicator import encoding

# ف ق غ ك are windows-1256 bytes 0xDB-0xDF, which ISO-8859-6 leaves undefined.
ARABIC = "قال مصدر في وزارة الخارجية السورية إن الوفد سيصل غداً إلى دمشق لبحث ملف إعادة الإعمار."
SHORT = "عاجل: انفجار في دمشق"
CP1256 = ARABIC.encode("cp1256")
ISO = ARABIC.encode("iso8859_6")
UTF8 = ARABIC.encode("utf-8")


def xml(encoding_label: str, text: str = ARABIC) -> str:
    return f'<?xml version="1.0" encoding="{encoding_label}"?><rss><title>{text}</title></rss>'


def meta_charset(label: str) -> str:
    return f'<html><head><meta charset="{label}"><title>خبر</title></head><body>{ARABIC}</body>'


def meta_http_equiv(label: str) -> str:
    return (
        '<html><head><meta http-equiv="Content-Type" '
        f'content="text/html; charset={label}"></head><body><p>{ARABIC}</p></body></html>'
    )


CASES = [
    # (id, body, content type, expected codec, expected text)
    ("utf8-unlabelled", UTF8, "", "utf-8", ARABIC),
    ("utf8-says-1256", UTF8, "text/html; charset=windows-1256", "utf-8", ARABIC),
    ("utf8-bom", codecs.BOM_UTF8 + UTF8, "", "utf-8", ARABIC),
    ("utf8-bom-says-1256", codecs.BOM_UTF8 + UTF8, "text/xml; charset=cp1256", "utf-8", ARABIC),
    ("utf16le-bom", codecs.BOM_UTF16_LE + ARABIC.encode("utf-16-le"), "", "utf-16-le", ARABIC),
    ("1256-http", CP1256, "text/html; charset=windows-1256", "windows-1256", ARABIC),
    ("1256-http-cp1256", CP1256, "text/html; charset=cp1256", "windows-1256", ARABIC),
    ("1256-http-quoted", CP1256, 'text/html; charset="Windows-1256"', "windows-1256", ARABIC),
    ("1256-says-utf8", CP1256, "text/html; charset=utf-8", "windows-1256", ARABIC),
    ("1256-unknown-label", CP1256, "text/html; charset=x-no-such-thing", "windows-1256", ARABIC),
    ("1256-says-iso-8859-6", CP1256, "text/html; charset=iso-8859-6", "windows-1256", ARABIC),
    ("1256-latin1-server-default", CP1256, "text/html; charset=ISO-8859-1", "windows-1256", ARABIC),
    ("1256-unlabelled", CP1256, "", "windows-1256", ARABIC),
    # Too short to be sure: charset_normalizer's first guess is cp1006 (Urdu).
    ("1256-short-headline", SHORT.encode("cp1256"), "", "windows-1256", SHORT),
    ("iso-http-arabic", ISO, "text/plain; charset=arabic", "iso-8859-6", ARABIC),
    ("iso-http-underscore", ISO, "text/plain; charset=ISO_8859-6", "iso-8859-6", ARABIC),
    ("iso-says-utf8", ISO, "text/plain; charset=utf-8", "iso-8859-6", ARABIC),
    ("iso-unlabelled", ISO, "", "iso-8859-6", ARABIC),
    (
        "mac-arabic-http",
        ARABIC.encode("mac_arabic"),
        "text/plain; charset=x-mac-arabic",
        "x-mac-arabic",
        ARABIC,
    ),
    ("empty", b"", "", "utf-8", ""),
    ("empty-labelled", b"", "text/html; charset=windows-1256", "utf-8", ""),
    ("utf8-cut-mid-character", UTF8 + "ع".encode()[:1], "", "utf-8", None),
]


@pytest.mark.parametrize(
    ("body", "content_type", "codec", "text"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_detect_and_decode(body: bytes, content_type: str, codec: str, text: str | None) -> None:
    assert encoding.detect(body, content_type) == codec
    decoded = encoding.decode(body, content_type)
    if text is not None:
        assert decoded == text
    else:
        assert decoded.startswith(ARABIC)


IN_DOCUMENT = [
    ("xml-1256", xml("windows-1256"), "cp1256", "windows-1256"),
    ("xml-cp1256-single-quotes", xml("cp1256").replace('"', "'"), "cp1256", "windows-1256"),
    ("xml-iso", xml("ISO-8859-6"), "iso8859_6", "iso-8859-6"),
    ("meta-charset-1256", meta_charset("windows-1256"), "cp1256", "windows-1256"),
    ("meta-charset-iso", meta_charset("iso-8859-6"), "iso8859_6", "iso-8859-6"),
    ("meta-http-equiv-1256", meta_http_equiv("windows-1256"), "cp1256", "windows-1256"),
    ("meta-http-equiv-asmo", meta_http_equiv("ASMO-708"), "iso8859_6", "iso-8859-6"),
]


@pytest.mark.parametrize(
    ("document", "python_codec", "codec"),
    [case[1:] for case in IN_DOCUMENT],
    ids=[case[0] for case in IN_DOCUMENT],
)
@pytest.mark.parametrize(
    "content_type",
    ["", "text/html", "text/html; charset=utf-8", "application/xml; charset=iso-8859-1"],
)
def test_in_document_labels(
    document: str, python_codec: str, codec: str, content_type: str
) -> None:
    """The declaration inside the document wins over no label, a failing or a Latin label."""
    body = document.encode(python_codec)
    assert encoding.detect(body, content_type) == codec
    assert encoding.decode(body, content_type) == document


def test_http_label_comes_before_the_document_declaration() -> None:
    # Both decode these bytes; the HTTP label is asked first.
    body = xml("iso-8859-6", "دمشق").encode("cp1256")
    assert encoding.detect(body, "application/rss+xml; charset=windows-1256") == "windows-1256"


@pytest.mark.parametrize("padding", ["", " "])  # even and odd lengths
def test_a_utf16_declaration_in_an_ascii_compatible_document_is_ignored(padding: str) -> None:
    # No byte of these letters is a UTF-16 surrogate half (0xD8-0xDF): UTF-16 would "decode".
    page = f'<html><head><meta charset="utf-16"></head><body>سلام من بيروت{padding}</body></html>'
    body = page.encode("cp1256")
    assert encoding.detect(body) == "windows-1256"
    assert encoding.decode(body) == page


def test_meta_beyond_the_first_4_kb_is_not_read() -> None:
    body = b"<html><head>" + b" " * 5000 + b'<meta charset="iso-8859-6"></head></html>'
    assert encoding.detect(body + CP1256, "") == "windows-1256"


def test_a_stray_byte_in_a_long_utf8_page_keeps_utf8() -> None:
    body = (ARABIC * 10).encode() + b"\x92" + (ARABIC * 10).encode()
    assert encoding.detect(body, "text/html; charset=windows-1256") == "utf-8"
    assert encoding.decode(body).count("دمشق") == 20


def test_latin_label_still_decodes_latin_text() -> None:
    french = "Le gouvernement a annoncé un plan de reconstruction des régions touchées à l'été."
    assert encoding.decode(french.encode("cp1252"), "text/html; charset=iso-8859-1") == french


def test_last_resort_is_windows_1256_with_replacement() -> None:
    body = bytes(range(0x80, 0x100))  # nothing charset_normalizer can make sense of
    assert encoding.detect(body) == "windows-1256"
    assert encoding.decode(body) == body.decode("cp1256", errors="replace")


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("arabic", "iso-8859-6"),
        ("ISO_8859-6", "iso-8859-6"),
        ("iso-8859-6-i", "iso-8859-6"),
        ("ECMA-114", "iso-8859-6"),
        ("cp1256", "windows-1256"),
        ("Windows-1256", "windows-1256"),
        (" 'x-cp1256' ", "windows-1256"),
        ("x-mac-arabic", "x-mac-arabic"),
        ("UTF8", "utf-8"),
        ("latin1", "windows-1252"),
        ("us-ascii", "windows-1252"),
        ("koi8-r", "koi8-r"),
        ("x-no-such-thing", None),
        ("base64", None),
        ("rot13", None),
        ("", None),
    ],
)
def test_normalize_label(label: str, codec: str | None) -> None:
    assert encoding.normalize_label(label) == codec


@pytest.mark.parametrize(
    "label", ["cp720", "ibm864", "iso-8859-1", "ascii", "mac-arabic", "utf-16", "koi8-r", "cp1256"]
)
def test_every_name_returned_is_a_codec_python_decodes_with(label: str) -> None:
    name = encoding.normalize_label(label)
    assert name is not None
    codecs.lookup({"windows-1256": "cp1256", "x-mac-arabic": "mac-arabic"}.get(name, name))
    body = ARABIC.encode("cp1256")
    assert encoding.decode(body, f"text/plain; charset={label}")  # never raises
    assert isinstance(encoding.detect(body, f"text/plain; charset={label}"), str)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (xml("windows-1256").encode("cp1256"), ""),
        (xml("iso-8859-6").encode("iso8859_6"), ""),
        (xml("utf-8").encode("cp1256"), "application/rss+xml; charset=windows-1256"),
        (b"\n\n  " + xml("windows-1256").encode("cp1256"), ""),
        (codecs.BOM_UTF8 + xml("utf-8").encode(), ""),
        (xml("windows-1256").replace('"', "'").encode("cp1256"), ""),
    ],
    ids=["1256", "iso", "says-utf8-is-1256-http-right", "leading-blank-lines", "bom", "quotes"],
)
def test_to_utf8_xml_is_read_right_by_lxml(body: bytes, content_type: str) -> None:
    data = encoding.to_utf8_xml(body, content_type)
    assert data.startswith(b"<?xml")
    assert b"utf-8" in data[:60]
    root = etree.fromstring(data)
    assert root.findtext("title") == ARABIC


def test_to_utf8_xml_without_declaration() -> None:
    body = f"<rss><title>{ARABIC}</title></rss>".encode("cp1256")
    assert encoding.to_utf8_xml(body, "text/xml; charset=windows-1256") == (
        f"<rss><title>{ARABIC}</title></rss>".encode()
    )


def test_to_utf8_xml_of_an_empty_body() -> None:
    assert encoding.to_utf8_xml(b"") == b""
