"""Arabic text tools (pure): cleanup for publishing, normalization for matching, sentences.

Two different jobs are kept apart on purpose. `clean` only repairs what would break output
(control characters, odd whitespace, decomposed letters) and keeps the source's orthography,
because published text must read as the site wrote it. `normalize` folds spelling variants
(diacritics, tatweel, alef forms, alef maqsura, teh marbuta, Arabic-Indic digits) and is used
for matching and scoring only, never for text that is shown.
"""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newline; they make feedgen raise and Telegram reject text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_DIACRITICS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ی": "ي",
        "ک": "ك",
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# \w: letters and digits of any script; Arabic punctuation (، ؛ ؟ ٪) is not part of a word.
_WORD = re.compile(r"\w+")

# A sentence ends at . ! ? ؟ (possibly repeated, possibly followed by closing quotes) and
# whitespace. «،» «؛» and «:» never end a sentence.
_SENTENCE_END = re.compile(r"([.!?؟…]+[\"'”»)]*)\s+")
_ABBREVIATIONS = frozenset({"د", "أ", "م", "ج", "ص", "ه", "ق", "Dr", "Mr", "Mrs", "St", "No"})


def clean(text: str) -> str:
    """Repair text for publishing: NFC, no control or bidi-override characters, tidy spaces.

    Paragraph breaks (blank lines) are kept; runs of spaces inside a line become one space.
    """
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def scrub(text: str) -> str:
    """Only remove control and bidi-override characters; markup and line breaks stay.

    For HTML that is published as is (feed content): the characters make feedgen raise
    and can reorder what a reader shows.
    """
    return _INVISIBLE.sub("", _CONTROL.sub("", text))


def clean_line(text: str) -> str:
    """`clean` for a single-line value such as a title: every break becomes a space."""
    return " ".join(clean(text).split())


def normalize(text: str) -> str:
    """Fold Arabic spelling variants for matching and scoring. Never publish the result."""
    text = unicodedata.normalize("NFKC", text)
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "")
    text = _INVISIBLE.sub("", text).translate(_FOLD).casefold()
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Word tokens of normalized text (Arabic letters, Latin letters and digits)."""
    return _WORD.findall(normalize(text))


def has_arabic(text: str) -> bool:
    return bool(_ARABIC_LETTER.search(text))


def sentences(text: str) -> list[str]:
    """Split text into sentences without breaking on commas, colons or abbreviations.

    A terminator followed by whitespace ends a sentence unless the word before it is a known
    one-letter abbreviation such as «د.» (doctor). Decimals (3.5) and dates (19.10.2026)
    contain no whitespace after the point, so they are never split.
    """
    out: list[str] = []
    for paragraph in clean(text).split("\n\n"):
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            last_word = paragraph[start : match.start()].rsplit(" ", 1)[-1]
            if match.group(1) == "." and last_word in _ABBREVIATIONS:
                continue
            piece = paragraph[start : match.end(1)].strip()
            if piece:
                out.append(piece)
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            out.append(tail)
    return out
