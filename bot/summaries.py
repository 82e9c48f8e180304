"""Per-channel summaries: the summary a channel gets when it asked for another backend or
budget than the one stored with the article.

The stored summary is written once at collection, by the global backend within the standard
budget, and serves the feeds and most channels. A channel of alerts may want one short
sentence, another may want the model's summary: those are written at delivery time, and
kept in a small LRU, because several channels often want the same one and a retried
delivery must not pay for a model call twice.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from syndicator.model import Article
from syndicator.summarize import Summarizer
from syndicator.summarize.budget import Budget

log = logging.getLogger(__name__)

CACHE_SIZE = 1024


@dataclass(frozen=True)
class Choice:
    """Which backend writes a channel's summaries, and within which budget."""

    backend: str = "extractive"
    budget: Budget = Budget.STANDARD


class ChannelSummaries:
    """Rewrites an article's summary for the channels whose `Choice` is not the default."""

    def __init__(
        self,
        backends: Mapping[str, Summarizer],
        default: Choice,
        channels: Mapping[str, Choice],
        cache_size: int = CACHE_SIZE,
    ) -> None:
        missing = {c.backend for c in channels.values()} - set(backends)
        if missing:
            raise ValueError(f"no summarizer backend named {', '.join(sorted(missing))}")
        self._backends = backends
        self._default = default
        self._channels = {channel: c for channel, c in channels.items() if c != default}
        self._cache: OrderedDict[tuple[int | None, int, str, Budget], str] = OrderedDict()
        self._cache_size = cache_size

    async def for_channel(self, article: Article, channel_id: str) -> Article:
        """`article` with the summary `channel_id` asked for (the same article when it is
        the stored one). A backend that fails returns its fallback; one that raises keeps
        the stored summary, since a message with it beats no message."""
        choice = self._channels.get(channel_id)
        if choice is None:
            return article
        # The revision changes whenever the source corrects the article.
        key = (article.id, article.revision, choice.backend, choice.budget)
        summary = self._cache.get(key)
        if summary is None:
            backend = self._backends[choice.backend]
            try:
                summary = await backend.summarize(article.title, article.text, choice.budget)
            except Exception:
                log.exception("summary of article %s for %s failed", article.id, channel_id)
                return article
            self._cache[key] = summary
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return dataclasses.replace(article, summary=summary)
