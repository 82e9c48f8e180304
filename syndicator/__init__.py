"""Arabic news syndicator: collect articles, build category feeds, push summaries to Telegram."""

__version__ = "0.1.0"
