"""Channel policies from the config file: presentation, mode, digest times, backlog, edits;
and the config errors an operator gets for impossible choices."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.format import Style
from bot.policy import (
    ChannelPolicy,
    channel_policies,
    digest_times,
    quiet_hours,
    split_backlog,
)
from syndicator.config import settings_from_mapping
from syndicator.errors import ConfigError


def settings(channel: dict[str, Any], telegram: dict[str, Any] | None = None) -> Any:
    raw = {
        "telegram": telegram or {},
        "categories": [{"slug": "syria", "name": "الشأن السوري"}],
        "channels": [{"id": "syria-news", "chat_id": "-1001", **channel}],
    }
    return settings_from_mapping(raw, Path("test.toml"), env={})


def test_defaults() -> None:
    [(channel, policy)] = channel_policies(settings({}).file.channels).items()
    assert channel == "syria-news"
    assert policy == ChannelPolicy()
    assert policy.zone == ZoneInfo("UTC")
    assert policy.backlog_newest == 3


def test_every_option() -> None:
    s = settings(
        {
            "timezone": "Asia/Damascus",
            "image": False,
            "source": False,
            "hashtags": False,
            "link_preview": False,
            "silent": True,
            "mode": "digest",
            "digest_at": ["20:00", "08:00"],
            "backlog": "skip",
            "backlog_newest": 5,
            "edits": False,
            "at_least_once": True,
        },
        {"operators": [42, 43], "timezone": "Africa/Cairo", "edit_window": "24h"},
    )
    policy = channel_policies(s.file.channels, s.file.telegram.timezone)["syria-news"]
    assert policy.zone == ZoneInfo("Asia/Damascus")
    style = policy.style
    assert (style.image, style.source, style.hashtags, style.preview, style.silent) == (
        False, False, False, False, True,
    )  # fmt: skip
    assert policy.digest
    assert policy.digest_times == (time(8), time(20))
    assert (policy.backlog, policy.backlog_newest, policy.edits) == ("skip", 5, False)
    assert policy.at_least_once
    assert s.file.telegram.operators == (42, 43)
    assert s.file.telegram.edit_window == 24 * 3600


def test_the_channel_zone_defaults_to_the_telegram_one() -> None:
    s = settings({}, {"timezone": "Asia/Damascus"})
    policy = channel_policies(s.file.channels, s.file.telegram.timezone)["syria-news"]
    assert policy.zone == ZoneInfo("Asia/Damascus")


def test_digest_every_hours() -> None:
    s = settings({"mode": "digest", "digest_every": 6})
    policy = channel_policies(s.file.channels)["syria-news"]
    assert policy.digest_times == (time(0), time(6), time(12), time(18))
    assert digest_times(None, ()) == ()


@pytest.mark.parametrize(
    ("channel", "telegram", "message"),
    [
        ({"timezone": "Mars/Olympus"}, {}, "channels[0].timezone: Value error, unknown time zone"),
        ({}, {"timezone": "Damascus"}, "telegram.timezone: Value error, unknown time zone"),
        ({"mode": "digest"}, {}, "needs digest_at (times of day) or digest_every"),
        ({"mode": "digest", "digest_every": 5}, {}, "digest_every: Value error, must divide 24"),
        ({"digest_at": ["8:00"]}, {}, "'8:00' is not a time of day"),
        ({"digest_at": ["24:00"]}, {}, "'24:00' is not a time of day"),
        ({"backlog": "flood"}, {}, "channels[0].backlog: Input should be 'digest' or 'skip'"),
        ({"mode": "weekly"}, {}, "channels[0].mode"),
        ({}, {"global_rate": 40}, "telegram.global_rate: Input should be less than or equal to 30"),
    ],
)
def test_impossible_choices_are_config_errors(
    channel: dict[str, Any], telegram: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        settings(channel, telegram)
    assert str(error.value).startswith("test.toml: ")
    assert message in str(error.value)


def test_split_backlog() -> None:
    newest_first = [9, 8, 7, 6, 5]
    assert split_backlog(newest_first, 3) == ([7, 8, 9], [6, 5])
    assert split_backlog(newest_first, 0) == ([], newest_first)
    assert split_backlog([1], 3) == ([1], [])


def test_what_counts_as_a_backlog() -> None:
    digest, skip = ChannelPolicy(), ChannelPolicy(backlog="skip")
    assert [digest.is_backlog(n) for n in (3, 4, 5)] == [False, False, True]
    assert [skip.is_backlog(n) for n in (3, 4)] == [False, True]


def test_quiet_hours_hold_posts_in_the_channels_zone() -> None:
    overnight = ChannelPolicy(
        style=Style(zone=ZoneInfo("Asia/Damascus")), quiet=quiet_hours("23:00-07:00")
    )
    # Damascus is UTC+3: 21:30 UTC is 00:30 there, 05:00 UTC is 08:00.
    assert overnight.is_quiet(datetime(2026, 11, 29, 21, 30, tzinfo=UTC))
    assert not overnight.is_quiet(datetime(2026, 11, 29, 5, 0, tzinfo=UTC))
    daytime = ChannelPolicy(quiet=quiet_hours("12:00-14:00"))
    assert daytime.is_quiet(datetime(2026, 11, 29, 13, 0, tzinfo=UTC))
    assert not daytime.is_quiet(datetime(2026, 11, 29, 14, 0, tzinfo=UTC))
    assert not ChannelPolicy().is_quiet(datetime(2026, 11, 29, 13, 0, tzinfo=UTC))
