"""The loopback fixture news site for tests.

The site itself is the bundled demo site (`syndicator.demo`), so the demo and the tests exercise
the same pages and feeds. Its keyword options make it every other kind of site the collector
meets (modern theme, windows-1256/ISO-8859-6 with the charset declared anywhere or nowhere, HTML
only, WordPress REST API, Google News sitemap), and tests drive faults (`fail_next`, `slow`,
`disallow`), corrections (`revise`) and read `request_log`. `republished_pair` gives two sites
sharing one story. Hostile answers (bombs, endless bodies, broken XML) are in `hostile.py`.
"""

from __future__ import annotations

from syndicator.demo.republish import (
    SECOND_SITE_NAME,
    RepublishedPair,
    republished_pair,
    republished_story,
    second_site_articles,
)
from syndicator.demo.site import (
    AD_ID,
    CATEGORIES,
    MODERN_AD_ID,
    SITE_NAME,
    PublishedArticle,
    RecordedRequest,
    SampleSite,
    SiteArticle,
)

__all__ = [
    "AD_ID",
    "CATEGORIES",
    "MODERN_AD_ID",
    "SECOND_SITE_NAME",
    "SITE_NAME",
    "PublishedArticle",
    "RecordedRequest",
    "RepublishedPair",
    "SampleSite",
    "SiteArticle",
    "republished_pair",
    "republished_story",
    "second_site_articles",
]
