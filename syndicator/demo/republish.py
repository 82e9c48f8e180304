"""One story on two news sites: the fixture for cross-site near-duplicate detection.

Arabic news sites republish each other's (and the agencies') stories all day, with the same
words under their own URL, post id, slug and theme. A collector that follows several sites
must recognise the second copy as the same story. `republished_pair` builds that situation:
the main sample site (classic theme) and a second site (`SECOND_SITE_NAME`, modern theme, its
own posts from `second_site.json`) that carry one identical story, published 30 minutes apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from types import TracebackType

from syndicator.demo.content import PublishedArticle, SiteArticle, load_articles
from syndicator.demo.site import SampleSite

SECOND_SITE_NAME = "شبكة المشرق الإخبارية"
SECOND_SITE_FILE = "second_site.json"
STORY_ID = 2101  # the shared story as the second site carries it
ORIGINAL_ID, ORIGINAL_SLUG = 1101, "homs-solar-power-plant-starts-operating"
REPUBLISH_GAP = timedelta(minutes=30)


def second_site_articles() -> tuple[SiteArticle, ...]:
    """The second site's own posts, without the shared story."""
    return tuple(a for a in load_articles(SECOND_SITE_FILE) if a.post_id != STORY_ID)


def republished_story() -> tuple[SiteArticle, SiteArticle]:
    """(original, republished): the same title and text under two post ids and slugs."""
    story = next(a for a in load_articles(SECOND_SITE_FILE) if a.post_id == STORY_ID)
    republished = replace(story, initially_published=True)
    return replace(republished, post_id=ORIGINAL_ID, slug=ORIGINAL_SLUG), republished


class RepublishedPair:
    """Two sites sharing one story; `start()` (or `with`) starts both and publishes it.

    The republished copy appears on `second` at its clock's now, the original on `first`
    `gap` earlier.
    """

    def __init__(self, first: SampleSite, second: SampleSite, gap: timedelta) -> None:
        self.first, self.second, self.gap = first, second, gap
        self.original, self.republished = republished_story()

    def start(self) -> RepublishedPair:
        self.first.start()
        try:
            self.second.start()
            copy = self.second.publish(self.republished)
            self.first.publish(self.original, at=copy.published - self.gap)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.first.stop()
        self.second.stop()

    def __enter__(self) -> RepublishedPair:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def original_item(self) -> PublishedArticle:
        return _find(self.first, self.original.post_id)

    @property
    def republished_item(self) -> PublishedArticle:
        return _find(self.second, self.republished.post_id)


def republished_pair(
    first: SampleSite | None = None,
    second: SampleSite | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    gap: timedelta = REPUBLISH_GAP,
) -> RepublishedPair:
    """The main site and the second site sharing one story; pass unstarted sites to choose
    their options (feeds, wordpress_api, encoding, ...), otherwise both use `clock`."""
    if first is None:
        first = SampleSite(clock=clock)
    if second is None:
        second = SampleSite(
            second_site_articles(), clock=clock, name=SECOND_SITE_NAME, theme="modern"
        )
    return RepublishedPair(first, second, gap)


def _find(site: SampleSite, post_id: int) -> PublishedArticle:
    for item in site.published:
        if item.article.post_id == post_id:
            return item
    raise LookupError(f"post {post_id} is not published on {site.name}")
