"""`/route` arguments and the command rate limit (pure)."""

from __future__ import annotations

import pytest

from bot.routespec import SpecError, merged, parse, show
from bot.throttle import Throttle


def test_route_and_options_are_parsed() -> None:
    spec = parse('categories=syria,economy include="بشار الأسد"،دمشق exclude=- mode=digest '
                 "digest_at=08:00,20:00 quiet=off image=off silent=on budget=short")  # fmt: skip
    assert dict(spec.route) == {
        "categories": ("syria", "economy"), "include": ("بشار الأسد", "دمشق"), "exclude": (),
    }  # fmt: skip
    assert dict(spec.options) == {
        "mode": "digest", "digest_at": ["08:00", "20:00"], "image": False, "silent": True,
        "summary_budget": "short",
    }  # fmt: skip
    assert spec.reset == {"quiet_hours"}
    assert merged({"quiet_hours": "23:00-07:00", "hashtags": False}, spec) == {
        "hashtags": False, **spec.options,
    }  # fmt: skip
    assert show({"image": False, "digest_at": ["08:00"]}) == "digest_at=08:00 image=off"
    assert not parse("")


@pytest.mark.parametrize(
    ("args", "error"),
    [("color=red", "unknown key 'color'"), ("mode", "expected key=value"),
     ("image=maybe", "image: expected on or off"), ('include="x', "quotation")],
)  # fmt: skip
def test_bad_arguments_say_why(args: str, error: str) -> None:
    with pytest.raises(SpecError, match=error):
        parse(args)


def test_throttle_refuses_once_then_ignores_until_the_minute_passes() -> None:
    throttle = Throttle(per_minute=2)
    verdicts = [throttle.check(1, t) for t in (0.0, 1.0, 2.0, 3.0)]
    assert verdicts == ["ok", "ok", "refuse", "ignore"]
    assert throttle.check(2, 3.0) == "ok"  # per user
    assert throttle.check(1, 60.5) == "ok"
    throttle.forget_idle(200.0)
    assert throttle.check(1, 200.0) == "ok"
