"""The seed article (`shared/data/seed-article.txt`), as the bundled sample site carries it.

Tests take the real page's title and paragraphs from here rather than copying them; the
sample site's own tests check that its copy is byte-exact.
"""

from __future__ import annotations

from syndicator.demo.site import load_articles

SEED = next(a for a in load_articles() if a.post_id == 1001)
TITLE = SEED.title
PARAGRAPHS = list(SEED.paragraphs)
TEXT = "\n\n".join(PARAGRAPHS)
