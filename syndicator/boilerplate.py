"""Site boilerplate in extracted text (pure): theme furniture, share and subscribe prompts.

Arabic WordPress themes put the same leftovers around every article («مقالات ذات صلة»,
«زر الذهاب إلى الأعلى», share buttons, stray ad ids); extraction keeps some of them as if they
were paragraphs, and a summary must never quote them. Lines are matched whole, so a sentence
that merely starts with the same words is kept.
"""

from __future__ import annotations

import re

# A line that starts one of these blocks ends the article: what follows is theme furniture.
_TAIL_MARKERS = re.compile(
    r"^(مقالات ذات صلة|مواضيع ذات صلة|أخبار ذات صلة|اقرأ أيضا[ًا]?|إقرأ أيضا[ًا]?|"
    r"زر الذهاب إلى الأعلى|الأكثر قراءة|شارك هذا المقال)\s*:?$"
)
# Lines that are noise wherever they appear. An ad id mixes hex letters and digits, so a
# phone number or a year on its own line is kept.
_NOISE = re.compile(
    r"^((?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{10,16}|ad-slot-[\w-]+|"
    r"شارك|شارك الخبر|فيسبوك|تويتر|واتساب|تيليجرام|تلغرام|لينكدإن|"
    r"طباعة|نسخ الرابط|شارك على .{1,20}|&nbsp;|\W*)$",
    re.IGNORECASE,
)
# Subscribe and cookie prompts: short lines only, so a real sentence that happens to start
# with the same words («تابعونا» is rare in news, but «اشترك» is a verb) is kept.
_PROMPT = re.compile(
    r"^(تابعونا على|تابعوا .{0,30}على|اشترك(وا)? في|انضم(وا)? (إلى|الى)|للاشتراك في|"
    r"حمّل تطبيق|حمل تطبيق|نستخدم ملفات تعريف الارتباط|هذا الموقع يستخدم).{0,80}$"
)


def strip_boilerplate(text: str) -> str:
    """Drop theme leftovers from extracted text; everything after a tail marker goes too."""
    kept: list[str] = []
    for paragraph in text.split("\n\n"):
        line = paragraph.strip()
        if _TAIL_MARKERS.match(line):
            break
        if line and not _NOISE.match(line) and not _PROMPT.match(line):
            kept.append(line)
    return "\n\n".join(kept)
