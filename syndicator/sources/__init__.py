"""Source kinds: one pure parser module per kind (feed, wordpress, sitemap, html), and
`read`, which fetches what each kind needs in one poll (`read.READERS`)."""
