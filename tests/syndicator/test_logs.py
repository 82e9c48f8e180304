"""Logging as text or JSON lines, with the process's secrets blanked in both, and the
`[logging]` section of the config file."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from syndicator import logs
from syndicator.config import settings_from_mapping
from syndicator.errors import ConfigError

TOKEN = "123456:TEST-secret-token_abcde"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("syndicator.test", logging.WARNING, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_json_line_has_the_fields_and_the_extras() -> None:
    line = logs.formatter("json").format(
        record("source %s failed", "sham", source="sham", errors=3, when=datetime(2025, 1, 2))
    )
    parsed = json.loads(line)
    assert list(parsed)[:4] == ["timestamp", "level", "logger", "message"]
    assert parsed["level"] == "WARNING"
    assert parsed["logger"] == "syndicator.test"
    assert parsed["message"] == "source sham failed"
    assert parsed["timestamp"].endswith("+00:00")
    datetime.fromisoformat(parsed["timestamp"])
    assert (parsed["source"], parsed["errors"]) == ("sham", 3)
    assert parsed["when"] == "2025-01-02 00:00:00"  # what JSON cannot hold, as text
    assert "\n" not in line


def test_json_line_carries_the_traceback_and_keeps_arabic() -> None:
    failed = record("فشل المصدر")
    try:
        raise ValueError("خطأ")
    except ValueError:
        failed.exc_info = sys.exc_info()
    line = logs.formatter("json").format(failed)
    parsed = json.loads(line)
    assert parsed["message"] == "فشل المصدر"
    assert "فشل المصدر" in line  # not \\u-escaped
    assert "ValueError: خطأ" in parsed["exception"]
    assert "Traceback" in parsed["exception"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_never_reach_the_output(fmt: str) -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    line = logs.formatter(fmt, secrets=[TOKEN, ""]).format(
        record("request to %s failed", url, url=url)
    )
    assert TOKEN not in line
    assert "bot***/sendMessage" in line


def test_configure_writes_json_lines_at_the_level(restore_logging: None) -> None:
    out = io.StringIO()
    logs.configure("warning", "json", secrets=[TOKEN], stream=out)
    logs.configure("info", "json", secrets=[TOKEN], stream=out)  # again: replaced, not added
    log = logging.getLogger("syndicator.somewhere")
    log.debug("not shown")
    log.info("shown with %s", TOKEN, extra={"channel": "syria-news"})
    logging.getLogger("httpx").info("quiet below WARNING")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(x["level"], x["message"], x["channel"]) for x in lines] == [
        ("INFO", "shown with ***", "syria-news")
    ]


def test_config_section(tmp_path: Path) -> None:
    settings = settings_from_mapping(
        {"logging": {"level": "debug", "format": "json"}}, tmp_path / "s.toml", env={}
    )
    assert (settings.file.logging.level, settings.file.logging.format) == ("DEBUG", "json")
    default = settings_from_mapping({}, tmp_path / "s.toml", env={}).file.logging
    assert (default.level, default.format) == ("INFO", "text")
    with pytest.raises(ConfigError, match=r"s.toml: logging.format: Input should be 'text' or"):
        settings_from_mapping({"logging": {"format": "xml"}}, tmp_path / "s.toml", env={})
