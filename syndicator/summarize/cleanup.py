"""Cleanup before summarizing (pure): the parts of a news text that are not the story.

A summary that opens with «دمشق - سانا» or ends with «المصدر: وكالات» wastes an alert's few
characters on what the reader already knows or does not care about. Removed here:

- datelines at the start of the first paragraph («دمشق - », «القاهرة (رويترز) -», «لندن – بي
  بي سي:») and agency tags standing alone («(أ ف ب)»);
- bylines («بقلم: ...», «كتب - ...»), source trailers («المصدر: ...»), photo credits
  («مصدر الصورة Getty Images», «الصورة: ...») and separator lines;
- embedded related headlines («اقرأ أيضاً: ...» with its headline on the same line) and the
  site boilerplate `syndicator.boilerplate` already knows.

Only whole paragraphs or a dateline prefix go: text is never rewritten, so what remains is
still the source's own orthography.
"""

from __future__ import annotations

import re

from syndicator.boilerplate import strip_boilerplate

# A dateline is a place (one to four words, maybe with a date) and maybe an agency in
# brackets, then a dash with spaces after it, maybe followed by a known agency and a colon.
# The length bound keeps a sentence that has a dash early from losing its subject, and a
# colon alone never makes a dateline («قالت الوزارة: ...» is a sentence).
_AGENCIES = (
    "وكالات|رويترز|أ ف ب|أ.ف.ب|فرانس برس|أسوشيتد برس|الأناضول|سانا|بي بي سي|سبوتنيك|واس|وام|"
    "قنا|كونا|بترا|د ب أ|شينخوا|الجزيرة نت|العربية نت|خاص"
)
_DATELINE = re.compile(
    r"^[^\s\-–—:.!؟?()]+(?:[ ،]+[^\s\-–—:.!؟?()]+){0,3}\s*(?:\([^()]{1,30}\))?\s*[-–—]\s+"
    rf"(?:(?:{_AGENCIES}|(?:ال)?وكالة [^:\-–—]{{2,30}})\s*:\s+)?(?=\S)"
)
_AGENCY_ONLY = re.compile(rf"^\(?(?:{_AGENCIES})\)?\s*[-–—:]?$|^[^\s.!؟?]{{2,20}}\s*[-–—]$")
_ASIDE_END = re.compile(r"\s[-–—]\s")
_AGENCY = re.compile(r"^\([^()]{1,30}\)\s*[-–—:]?\s+(?=\S)")
# Whole paragraphs that are about the article, not in it.
_NOT_STORY = re.compile(
    r"^(?:"
    r"(?:بقلم\s*[:\-–—]?|(?:كتب|كتبت|إعداد|اعداد|تحرير|ترجمة|مراسلنا|مراسلتنا|بواسطة)\s*[:\-–—])"
    r"\s*\S.{0,60}(?<![.!؟?])"
    r"|(?:المصدر|المصادر|مصدر الخبر|المصدر الأصلي)\s*[:\-–—].{0,120}"
    r"|(?:مصدر الصورة|الصورة|صورة|حقوق الصورة|تصوير)\s*[:\-–—]?\s*.{0,80}"
    r"|(?:اقرأ|إقرأ|اقرا|طالع|شاهد|اطلع على) (?:أيضا|أيضاً|ايضا|ايضاً|المزيد)\s*[:\-–—]?.{0,160}"
    r"|(?:للمزيد|لمزيد من|يمكنكم متابعة|تابعونا|تابعوا).{0,120}"
    r"|(?:جميع الحقوق محفوظة|حقوق النشر|©).{0,80}"
    r")$"
)
_SEPARATOR = re.compile(r"^[\W_]*$")


def paragraphs(text: str) -> list[str]:
    """The story's paragraphs, in order, without datelines, bylines, trailers and furniture."""
    kept: list[str] = []
    for line in strip_boilerplate("\n\n".join(re.split(r"\s*\n\s*", text.strip()))).split("\n\n"):
        line = line.strip()
        if not line or _SEPARATOR.match(line) or _NOT_STORY.match(line):
            continue
        if not kept:
            if _AGENCY_ONLY.match(line):
                continue  # «(رويترز)» or «دمشق -» on a line of its own
            line = undateline(line)
        kept.append(line)
    return kept


def undateline(paragraph: str) -> str:
    """`paragraph` without a leading dateline; unchanged when too little would remain."""
    for pattern in (_AGENCY, _DATELINE):
        match = pattern.match(paragraph)
        # A second dash soon after makes it an aside («أكد الرئيس - في كلمة - أن ...»).
        if (
            match
            and len(paragraph) - match.end() >= 40
            and not _ASIDE_END.search(paragraph, match.end(), match.end() + 80)
        ):
            paragraph = paragraph[match.end() :]
    return paragraph
