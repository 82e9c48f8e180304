"""Previews (I/O): the message a channel would get for an article's address, exactly.

`/preview URL [CHANNEL]` shows an operator what would be posted: the stored article when
the address is known (by its identity URL), else the page fetched and assembled the way
the collector would (full text, categories, extractive summary), then the channel's own
summary choice and `bot.format.format_article` with the channel's options. Nothing is
stored or sent anywhere but to the operator.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from bot.format import Message, format_article
from bot.policy import Options
from bot.summaries import ChannelSummaries
from syndicator.assemble import Page, assemble
from syndicator.categorize import Taxonomy
from syndicator.fetch import Fetcher
from syndicator.model import Article, Entry, Source
from syndicator.normalize import identity_url
from syndicator.store import Store

Current = Callable[[], tuple[Options, ChannelSummaries | None]]


class Previews:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        clock: Callable[[], datetime],
        current: Current,
        default_category: str | None = None,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._clock = clock
        self._current = current  # the dispatcher's policies and summaries, as reloaded
        self._default_category = default_category

    async def article(self, url: str) -> Article:
        """The stored article at `url`, else the page read as the collector would."""
        known = await self._store.articles.known("", [], [identity_url(url)])
        for stored in known.urls.values():
            article = await self._store.articles.get(stored.id)
            if article is not None:
                return article
        response = await self._fetcher.get(url)
        taxonomy = Taxonomy.build(await self._store.registry.categories(), self._default_category)
        entry = Entry(source_id="", guid=url, url=url, title="")
        page = Page(response.body, response.url, response.content_type)
        return assemble(entry, page, (), taxonomy, self._clock()).article

    async def message(self, url: str, channel_id: str | None = None) -> Message:
        article = await self.article(url)
        options, summaries = self._current()
        if summaries is not None and channel_id is not None:
            article = await summaries.for_channel(article, channel_id)
        sources = await self._store.registry.sources(enabled_only=False)
        names = {s.id: s.name for s in sources}
        source = names.get(article.source_id) or _site(article.url, sources)
        categories = {c.slug: c.name for c in await self._store.registry.categories()}
        policy = options.policy(channel_id) if channel_id else options.default
        return format_article(
            article, source, [categories.get(s, s) for s in article.categories], policy.style
        )


def _site(url: str, sources: list[Source]) -> str:
    """The name of a source on the article's host, else the host."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    for source in sources:
        if (urlsplit(source.url).hostname or "").removeprefix("www.") == host:
            return source.name
    return host
