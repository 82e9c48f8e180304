"""The one exception tree of the service.

Library errors are translated at the boundary where they occur, so callers only ever catch
these classes::

    SyndicatorError
    ├── ConfigError          a configuration file is missing or invalid (names file and field)
    ├── StoreError           the database refused or is unreachable
    │   └── StoreUnavailable not answering now (refused, dropped, locked beyond the
    │                        busy timeout): nobody's fault here, try again later
    ├── SourceError          one source could not be collected; recorded, retried, never fatal
    │   ├── FetchError       HTTP failed: network, status, timeout, body too large (from httpx)
    │   └── ParseError       the body is not a feed/page we can read
    ├── SummaryError         a summarizer backend failed or its output failed the checks;
    │                        the caller falls back to the extractive summary
    ├── InputError           a line given to `syndicator summarize` is not an article
    ├── InvalidChange        an operator's change refers to something unknown or is invalid
    │                        (an unknown channel or category, a duplicate, over a limit)
    └── DeliveryError        a Telegram call failed (from python-telegram-bot)
        ├── RetryLater       definitely not sent (429, connect error, pool timeout): retry
        │   ├── FloodControl 429: this chat must wait `retry_after` seconds
        │   └── ChatMoved    the group became a supergroup: resend to its new chat id
        ├── PermanentFailure definitely not sent and never will be (400, 403, chat not found)
        │   └── ChatUnavailable  the bot cannot post there at all (removed, no rights,
        │                        chat not found): the channel is paused
        └── OutcomeUnknown   the request may have reached Telegram (read timeout, 5xx)
"""

from __future__ import annotations


class SyndicatorError(Exception):
    """Base of every error this service raises on purpose."""


class ConfigError(SyndicatorError):
    """A configuration file is missing, unreadable or invalid."""


class StoreError(SyndicatorError):
    """The database could not be reached or refused an operation."""


class StoreUnavailable(StoreError):
    """The database does not answer now: the connection was refused or dropped, or (SQLite)
    another process held the lock beyond the busy timeout. Translated from the driver's error
    at the engine (`syndicator.store.engine`); whatever was being done is done again later,
    and it is never the fault of the source or chat being worked on."""


class SourceError(SyndicatorError):
    """One source failed; the scheduler records it and polls it again later."""


class FetchError(SourceError):
    """An HTTP fetch failed (network error, bad status, timeout, oversized body)."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after  # seconds the server asked us to wait (429, 503)


class ParseError(SourceError):
    """A fetched body could not be read as the expected kind of document."""


class SummaryError(SyndicatorError):
    """A summarizer backend failed (network, timeout, bad answer) or its output was rejected."""

    def __init__(self, message: str, *, reason: str = "rejected") -> None:
        super().__init__(message)
        # A short, stable label (timeout, network, status, malformed, no_answer, rejected):
        # fallbacks are counted by it, where the message varies with every article.
        self.reason = reason


class InputError(SyndicatorError):
    """An input line is not an article; the message names the line."""


class InvalidChange(SyndicatorError):
    """A change to sources, channels, routes or subscriptions cannot be made (the message
    says why, in words an operator can act on)."""


class DeliveryError(SyndicatorError):
    """A message could not be delivered to Telegram."""


class RetryLater(DeliveryError):
    """Telegram did not take the message; it is safe to send it again after `retry_after`."""

    def __init__(self, message: str, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FloodControl(RetryLater):
    """Telegram answered 429: nothing more to this chat for `retry_after` seconds."""


class ChatMoved(RetryLater):
    """Telegram moved the chat (a group upgraded to a supergroup): send to `new_chat_id`."""

    def __init__(self, message: str, *, new_chat_id: str) -> None:
        super().__init__(message)
        self.new_chat_id = new_chat_id


class PermanentFailure(DeliveryError):
    """Telegram refused the message for a reason that retrying will not fix."""


class ChatUnavailable(PermanentFailure):
    """The bot cannot post in the chat at all (removed, no rights, no such chat)."""


class OutcomeUnknown(DeliveryError):
    """The request may have been processed; resending could post the message twice."""
