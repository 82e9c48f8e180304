"""Dates for Arabic readers and digest slots: month names by region, zone labels, slots in
a channel's zone across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.dates import arabic_time, every, last_slot, next_slot

MOMENT = datetime(2026, 11, 29, 12, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Damascus", "29 تشرين الثاني 2026، 15:05 بتوقيت دمشق"),
        ("Asia/Baghdad", "29 تشرين الثاني 2026، 15:05 بتوقيت بغداد"),
        ("Africa/Cairo", "29 نوفمبر 2026، 14:05 بتوقيت القاهرة"),
        ("Asia/Riyadh", "29 نوفمبر 2026، 15:05 بتوقيت مكة المكرمة"),
        ("UTC", "29 نوفمبر 2026، 12:05 بتوقيت غرينتش"),
        ("Asia/Kolkata", "29 نوفمبر 2026، 17:35 بتوقيت غرينتش+5:30"),
        ("America/New_York", "29 نوفمبر 2026، 07:05 بتوقيت غرينتش-5"),
        ("Pacific/Kiritimati", "30 نوفمبر 2026، 02:05 بتوقيت غرينتش+14"),
    ],
)
def test_arabic_time(zone: str, expected: str) -> None:
    assert arabic_time(MOMENT, ZoneInfo(zone)) == expected


def test_every_divides_the_day() -> None:
    assert every(6) == (time(0), time(6), time(12), time(18))
    assert every(24) == (time(0),)
    with pytest.raises(ValueError, match="divide 24"):
        every(5)


def test_slots_in_the_channels_zone() -> None:
    zone = ZoneInfo("Asia/Damascus")  # UTC+3
    times = (time(8), time(20))
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # 15:00 in Damascus
    assert last_slot(times, zone, now) == datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
    assert next_slot(times, zone, now) == datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    early = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # 07:00: yesterday's 20:00 is the last
    assert last_slot(times, zone, early) == datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    exactly = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    assert last_slot(times, zone, exactly) == exactly
    assert next_slot(times, zone, exactly) == datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


def test_slots_follow_daylight_saving() -> None:
    zone = ZoneInfo("Europe/Berlin")  # summer time ends on 25 October 2026
    times = (time(8),)
    before = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    after = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)
    assert last_slot(times, zone, before) == datetime(2026, 10, 24, 6, 0, tzinfo=UTC)
    assert last_slot(times, zone, after) == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
