"""Dates for Arabic readers (pure): a publication time in a channel's zone, and digest slots.

Times are written day, month name, year, then the 24-hour time and the zone, as Arabic news
sites write them: «29 تشرين الثاني 2026، 14:30 بتوقيت دمشق». Levantine and Iraqi zones get
the Syriac month names used there (كانون الثاني، شباط …); every other zone gets the names
used in Egypt, the Gulf and the Maghreb press (يناير، فبراير …). Digits stay 0-9, which
every Arabic news site and app uses. A zone without an Arabic city name shows its offset
from Greenwich («بتوقيت غرينتش+3»).

Digest slots are times of day in the channel's zone; `last_slot` is the newest one that has
begun, as an aware UTC datetime, so a digest schedule follows the zone's clock across
daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LEVANTINE_MONTHS = (
    "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
    "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول",
)  # fmt: skip
MONTHS = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip
LEVANTINE_ZONES = frozenset(
    {"Asia/Damascus", "Asia/Beirut", "Asia/Amman", "Asia/Baghdad", "Asia/Jerusalem",
     "Asia/Gaza", "Asia/Hebron"}
)  # fmt: skip
ZONE_NAMES = {
    "UTC": "غرينتش",
    "Etc/UTC": "غرينتش",
    "Asia/Damascus": "دمشق",
    "Asia/Beirut": "بيروت",
    "Asia/Amman": "عمّان",
    "Asia/Baghdad": "بغداد",
    "Asia/Jerusalem": "القدس",
    "Asia/Gaza": "غزة",
    "Asia/Hebron": "القدس",
    "Africa/Cairo": "القاهرة",
    "Asia/Riyadh": "مكة المكرمة",
    "Asia/Kuwait": "الكويت",
    "Asia/Qatar": "الدوحة",
    "Asia/Bahrain": "المنامة",
    "Asia/Dubai": "الإمارات",
    "Asia/Muscat": "مسقط",
    "Asia/Aden": "صنعاء",
    "Africa/Khartoum": "الخرطوم",
    "Africa/Tripoli": "طرابلس",
    "Africa/Tunis": "تونس",
    "Africa/Algiers": "الجزائر",
    "Africa/Casablanca": "الرباط",
    "Africa/Nouakchott": "نواكشوط",
    "Europe/Istanbul": "إسطنبول",
    "Europe/London": "لندن",
    "Europe/Berlin": "برلين",
    "Europe/Paris": "باريس",
}


def zone_label(zone: ZoneInfo, local: datetime) -> str:
    """«بتوقيت دمشق», or the offset from Greenwich for a zone without an Arabic name."""
    name = ZONE_NAMES.get(zone.key)
    if name is not None:
        return f"بتوقيت {name}"
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    shown = f"{hours}:{rest:02d}" if rest else str(hours)
    return "بتوقيت غرينتش" if minutes == 0 else f"بتوقيت غرينتش{sign}{shown}"


def arabic_date(day: date, zone: ZoneInfo) -> str:
    """«29 تشرين الثاني 2026» (month names by region, see the module docstring)."""
    months = LEVANTINE_MONTHS if zone.key in LEVANTINE_ZONES else MONTHS
    return f"{day.day} {months[day.month - 1]} {day.year}"


def arabic_time(moment: datetime, zone: ZoneInfo) -> str:
    """«29 تشرين الثاني 2026، 14:30 بتوقيت دمشق» for an aware `moment`."""
    local = moment.astimezone(zone)
    return f"{arabic_date(local.date(), zone)}، {local:%H:%M} {zone_label(zone, local)}"


def every(hours: int) -> tuple[time, ...]:
    """Slots every `hours` hours from midnight (`hours` divides 24)."""
    if hours < 1 or 24 % hours:
        raise ValueError("the digest interval must divide 24 hours (1, 2, 3, 4, 6, 8, 12, 24)")
    return tuple(time(h) for h in range(0, 24, hours))


def last_slot(times: Sequence[time], zone: ZoneInfo, now: datetime) -> datetime:
    """The newest slot at or before `now` (aware UTC); `times` are local times of day."""
    if not times:
        raise ValueError("no digest times")
    today = now.astimezone(zone).date()
    candidates = [
        datetime.combine(today - timedelta(days=back), slot, tzinfo=zone).astimezone(UTC)
        for back in (0, 1, 2)
        for slot in times
    ]
    return max(c for c in candidates if c <= now)


def next_slot(times: Sequence[time], zone: ZoneInfo, now: datetime) -> datetime:
    """The first slot after `now` (aware UTC)."""
    today = now.astimezone(zone).date()
    candidates = [
        datetime.combine(today + timedelta(days=ahead), slot, tzinfo=zone).astimezone(UTC)
        for ahead in (0, 1, 2)
        for slot in times
    ]
    return min(c for c in candidates if c > now)
