"""Arabic text tools (pure): cleanup for publishing, normalization for matching, sentences.

Two different jobs are kept apart on purpose. `clean` only repairs what would break output
(control characters, odd whitespace, decomposed letters) and keeps the source's orthography,
because published text must read as the site wrote it. `normalize` and `words` fold spelling
variants for matching and scoring only (near-duplicates, content hashes, categories, ROUGE):
normalized text is never published, shown or stored as article text.

Normalization, in order:
- NFKC (only when the text is not already NFKC): presentation forms (U+FB50-FDFF, U+FE70-FEFF,
  e.g. the ligature «ﻻ» and isolated/final letter forms) become base letters, hamza written as
  a combining mark is composed onto its seat; isolated-form harakat are dropped first because
  NFKC would turn them into a space plus a mark and split the word.
- Removed: harakat and tanween, superscript alef U+0670, Quranic annotation marks and signs
  (U+0610-061A, U+06D6-06ED, U+0898-089F, U+08CA-08FF), number signs U+0600-0605, tatweel,
  direction marks (LRM, RLM, ALM U+061C), embeddings/overrides, isolates, ZWSP, ZWNJ, ZWJ,
  word joiner U+2060, BOM, soft hyphen.
- Folded: أ إ آ ٱ ٲ ٳ -> ا; ى -> ي; ة -> ه; Farsi ی -> ي, keheh ک -> ك; Arabic-Indic and
  Extended Arabic-Indic digits -> ASCII, «٫» -> «.», «٬» -> «,», «٪» -> «%»; Latin case-folded.
- Hamza on a seat: ؤ and ئ -> ء, and «يء» -> «ء». The seat is the part news sites disagree on:
  Egyptian outlets write «مسئول» «شئون» «رءوس» where others write «مسؤول» «شؤون» «رؤوس», and
  «شئ» «بطئ» «سيئ» are everyday spellings of «شيء» «بطيء» «سيء»; each pair folds to one form.
  Folding to و/ي instead would not join those pairs and would make new collisions with
  ordinary words («فئة» -> «فيه», «سئل» -> «سيل», «مئة» -> «ميه»); keeping the seats keeps
  every variant apart.

`words` finds tokens in normalized text: letters and digits of any script, so Arabic
punctuation (، ؛ ؟ ٪ « ») is never part of a word; a number keeps its inner «.» or «,»
(3.5, ٣٫٥ -> 3.5; 19.10.2026; 1,200).

`sentences` splits published text; its rules are in its docstring.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters, direction marks, embeddings, overrides, isolates, word joiner, BOM.
_INVISIBLE_CHARS = r"\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
# ... and C0/C1 controls except tab and newline: they make feedgen raise and Telegram reject text.
_UNWANTED = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{_INVISIBLE_CHARS}]")
# A run of two or more spaces, or one space that is not U+0020 (every run becomes one space).
_SPACE = r" \t\u00a0\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(f"[{_SPACE}]{{2,}}|[{_SPACE[1:]}]")
_TATWEEL = "\u0640"
# Everything `normalize` deletes (after NFKC): marks, Quranic signs, tatweel, invisibles.
_STRIP = re.compile(
    "[\u0600-\u0605\u0610-\u061a\u064b-\u065f\u0670\u0674\u06d6-\u06ed\u0890\u0891"
    f"\u0898-\u089f\u08ca-\u08ff\u0640\u00ad\u034f\u2061-\u2064{_INVISIBLE_CHARS}]"
)
# Harakat in presentation form (isolated forms decompose to a space plus the mark).
_PRESENTATION_MARKS = re.compile("[\ufc5e-\ufc63\ufe70-\ufe7f]")
_FOLDS = (
    ("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ٲ", "ا"), ("ٳ", "ا"), ("ى", "ي"),
    ("ة", "ه"), ("ی", "ي"), ("ک", "ك"), ("ؤ", "ء"), ("ئ", "ء"), ("يء", "ء"),
)  # fmt: skip
_INDIC = re.compile("[\u0660-\u066c\u06f0-\u06f9]+")
_INDIC_TABLE = str.maketrans(
    {
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
        "\u066a": "%",
        "\u066b": ".",
        "\u066c": ",",
    }
)
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# \w: letters and digits of any script; a number keeps «.» or «,» between digits.
_WORD = re.compile(r"\w+(?:(?<=\d)[.,]\d+)*")

# --- sentences ---
# A terminator run, the closing quotes/brackets glued to it, then whitespace or (missing
# space) an Arabic letter. Decimals, dates and domains have a digit or Latin letter after the
# point, so they never match.
_LETTERS = "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06fa-\u06fc\u0750-\u077f"
_BOUNDARY = re.compile(f"([.!?؟…]+)([\"'”’»›)\\]}}]*)(?:(\\s+)|(?=[{_LETTERS}]))")
_STRONG = frozenset("!?؟")
_OPENERS = "\"'“‘«‹([{"
_TRAILING = "،,؛; "  # cut from a sentence that a line break ended mid-clause
_HAS_WORD = re.compile(r"\w")
_LATIN_ABBREVIATIONS = frozenset({
    "dr", "mr", "mrs", "ms", "prof", "st", "no", "jr", "sr", "gen", "col", "lt", "capt", "sgt",
    "gov", "sen", "rep", "rev", "mt", "vs", "fig", "vol",
})  # fmt: skip
# Latin letter names as Arabic writes them (normalized): «جون إف. كينيدي», «سي.إن.إن».
# «دي» only between dots («أيه.دي.إس»): alone it is also the Egyptian «this» and can end a
# quoted sentence.
_LETTER_NAMES = frozenset({
    "اي", "ايه", "بي", "سي", "اف", "جي", "اتش", "ايتش", "كي", "ال", "ام", "ان", "او", "كيو",
    "ار", "اس", "تي", "يو", "في", "دبليو", "اكس", "واي", "زد", "زي",
})  # fmt: skip
_DOTTED_NAMES = _LETTER_NAMES | {"دي"}


def _lines(text: str) -> list[str]:
    """Cleaned lines: NFC, no controls or invisibles, one space between words, stripped."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", _UNWANTED.sub("", text))
    return [line.strip() for line in text.split("\n")]


def _paragraphs(text: str) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in _lines(text):
        if line:
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def clean(text: str) -> str:
    """Repair text for publishing: NFC, no control or bidi-override characters, tidy spaces.

    Paragraph breaks (blank lines) are kept; runs of spaces inside a line become one space,
    and a single line break becomes a space.
    """
    return "\n\n".join(" ".join(lines) for lines in _paragraphs(text))


def scrub(text: str) -> str:
    """Only remove control and bidi-override characters; markup and line breaks stay.

    For HTML that is published as is (feed content): the characters make feedgen raise
    and can reorder what a reader shows.
    """
    return _UNWANTED.sub("", text)


def clean_line(text: str) -> str:
    """`clean` for a single-line value such as a title: every break becomes a space."""
    return " ".join(clean(text).split())


def _fold(text: str) -> str:
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", _PRESENTATION_MARKS.sub("", text))
    text = _STRIP.sub("", text)
    for variant, base in _FOLDS:
        text = text.replace(variant, base)
    text = _INDIC.sub(lambda m: m.group().translate(_INDIC_TABLE), text)
    return text.casefold()


def normalize(text: str) -> str:
    """Fold Arabic spelling variants for matching and scoring. Never publish the result."""
    return " ".join(_fold(text).split())


def words(text: str) -> list[str]:
    """Word tokens of normalized text (Arabic letters, Latin letters, digits, numbers)."""
    return _WORD.findall(_fold(text))


def has_arabic(text: str) -> bool:
    return bool(_ARABIC_LETTER.search(text))


def _is_abbreviation(token: str, previous: str) -> bool:
    """Whether `token.` is an abbreviation or an initial rather than a sentence's last word."""
    core = token.lstrip(_OPENERS).replace(_TATWEEL, "")
    if not core:
        return False
    if "." in core:  # أ.د  U.S  e.g  ق.م  كي.سي.ان
        return all(
            (len(part) == 1 and part.isalpha()) or _fold(part) in _DOTTED_NAMES
            for part in core.split(".")
        )
    if len(core) == 1:  # د. م. ج. ص. هـ. J.
        return core.isalpha()
    if core.casefold() in _LATIN_ABBREVIATIONS:
        return True
    # «جون إف. كينيدي» is an initial; «بي بي سي.» is a spelled acronym ending a sentence.
    return len(core) <= 5 and _fold(core) in _LETTER_NAMES and _fold(previous) not in _LETTER_NAMES


def _ends(text: str, match: re.Match[str], start: int, line_start: int) -> bool:
    """Whether the terminator `match` (inside the line from `line_start`) ends a sentence."""
    run = match.group(1)
    glued = match.group(3) is None  # an Arabic letter follows without a space
    if _STRONG.isdisjoint(run) and run != ".":
        if run == ".." or glued:  # «..» is a pause; a glued ellipsis runs on
            return False
        following = text[match.end() : match.end() + 2].lstrip(_OPENERS)
        return following[:1].isalpha()  # «…» ends a sentence only before a new one
    at = text.rfind(" ", line_start, match.start()) + 1 or line_start
    token = text[at : match.start()]
    if glued and ("/" in token or "@" in token):  # a URL or an e-mail address
        return False
    if run != ".":
        return True
    if text[start : match.start()].isdigit() and match.start() - start <= 2:  # «1.» list item
        return False
    before = text.rfind(" ", line_start, max(at - 1, line_start)) + 1 or line_start
    return not _is_abbreviation(token, text[before : at - 1] if at > line_start else "")


def sentences(text: str) -> list[str]:
    """Split text into sentences; each one is a substring of `clean(text)`.

    - A line break (paragraph or single) always ends a sentence.
    - «؟» «?» «!» (also repeated or mixed: «!!» «؟!») and «.» end one when whitespace follows,
      or when an Arabic letter follows directly («الاجتماع.وقال»), except inside a URL or an
      e-mail address. Closing quotes and brackets glued to the terminator («.» .” ." .)»)
      stay with the sentence; a space before the terminator («الانتهاء ” .») is fine.
    - «…» and «...» end one only before whitespace and a letter; «..» is a pause, never an end.
    - «،» «؛» «:» never end one; decimals, dates, domains, file names have no space after
      the point. Abbreviations never end one: a single letter («د.» «م.» «J.»), dotted
      letters («أ.د.» «U.S.» «e.g.»), Latin titles («Dr.» «Mr.» «No.»), Latin letter names
      used as initials («جون إف. كينيدي»), and a list number at the start («1.»).
    - A piece without a letter or digit joins the sentence before it on its line (or the
      next one when it opens the line); a line of only punctuation («-----») is dropped, and
      so is a trailing «،» or «؛» left by a line break.
    """
    paragraphs = _paragraphs(text)
    cleaned = "\n\n".join(" ".join(lines) for lines in paragraphs)  # == clean(text)
    spans: list[tuple[int, int, int]] = []  # start, end, line_start
    line_start = 0
    for lines in paragraphs:
        for line in lines:
            line_end, start = line_start + len(line), line_start
            for match in _BOUNDARY.finditer(cleaned, line_start, line_end):
                if _ends(cleaned, match, start, line_start):
                    spans.append((start, match.end(2), line_start))
                    start = match.end()
            if start < line_end:
                spans.append((start, line_end, line_start))
            line_start = line_end + 1
        line_start += 1
    kept: list[list[int]] = []
    opening = -1  # where a punctuation-only piece opened the current line
    for start, end, owner in spans:  # owner: where the piece's line starts
        if not _HAS_WORD.search(cleaned, start, end):
            if kept and kept[-1][2] == owner:
                kept[-1][1] = end
            elif opening < owner:
                opening = start
            continue
        if opening >= owner:
            start, opening = opening, -1
        kept.append([start, end, owner])
    return [cleaned[start:end].rstrip(_TRAILING) for start, end, _ in kept]
