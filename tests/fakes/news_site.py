"""The loopback fixture news site for tests.

The site itself is the bundled demo site (`syndicator.demo.site`), so the demo and the tests
exercise the same pages and feeds. Test-only features that the demo must not ship (WordPress
REST API, Google News sitemaps, windows-1256 pages, broken or slow feeds, ...) go here, as
subclasses or helpers around `SampleSite`.
"""

from __future__ import annotations

from syndicator.demo.site import PublishedArticle, SampleSite, SiteArticle

__all__ = ["PublishedArticle", "SampleSite", "SiteArticle"]
