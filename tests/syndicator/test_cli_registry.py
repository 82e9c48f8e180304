"""The registry from the command line: config validate/apply/export, channels, routes,
sources (OPML), subscribers and the audit log (in process, with typer's runner)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from syndicator.cli import cli

CONFIG = """
[database]
url = "sqlite:///{db}"

[[categories]]
slug = "syria"
name = "الشأن السوري"
aliases = ["سوريا"]

[[categories]]
slug = "economy"
name = "اقتصاد"

[[sources]]
id = "sham"
name = "أخبار الشام"
url = "http://127.0.0.1:9/feed/"
categories = ["syria"]
interval = "5m"

[[sources]]
id = "wp"
name = "موقع ووردبريس"
url = "http://127.0.0.1:9/"
kind = "wordpress"

[[channels]]
id = "syria-news"
chat_id = "@syria_news"
categories = ["syria"]
exclude = ["رياضة"]
mode = "digest"
digest_at = ["08:00", "20:00"]
quiet_hours = "23:00-07:00"

[[channels]]
id = "alerts"
chat_id = -1001234
summary_budget = "short"

[[routes]]
channel = "alerts"
include = ["بشار الأسد", "دمشق"]
sources = ["sham", "wp"]
"""


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def syndicator(*args: str, input: str | None = None) -> Ran:
    result = CliRunner().invoke(
        cli, list(args), input=input, env={"TELEGRAM_BOT_TOKEN": "", "COLUMNS": "200"}
    )
    return Ran(result.exit_code, result.stdout, result.stderr)


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "syndicator.toml"
    path.write_text(CONFIG.format(db=tmp_path / "s.db"), encoding="utf-8")
    return path


def test_export_then_apply_changes_nothing_and_apply_is_declarative(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    checked = syndicator("--config", config, "config", "validate")
    assert checked.returncode == 0, checked.stderr
    assert "valid (2 categories, 2 sources, 2 channels, 2 routes)" in checked.stderr

    first = syndicator("--config", config, "config", "apply", "--yes")
    assert first.returncode == 0, first.stderr
    assert "+ channel syria-news @syria_news" in first.stderr
    assert "+ route alerts: sources=sham,wp include=بشار الأسد,دمشق" in first.stderr
    again = syndicator("--config", config, "config", "apply", "--yes")
    assert "nothing to change" in again.stderr

    exported = syndicator("--config", config, "config", "export")
    assert exported.returncode == 0, exported.stderr
    stated = tomllib.loads(exported.stdout)
    assert [c["id"] for c in stated["channels"]] == ["alerts", "syria-news"]
    assert stated["channels"][1]["quiet_hours"] == "23:00-07:00"
    assert len(stated["routes"]) == 2
    piped = syndicator("--config", config, "config", "apply", "-", "--yes", input=exported.stdout)
    assert piped.returncode == 0, piped.stderr
    assert "nothing to change" in piped.stderr

    # Changes from the CLI live in the store; the file is the declaration.
    added = syndicator(
        "--config", config, "channels", "add", "extra", "@extra_news", "--category", "economy",
        "--set", "mode=digest", "--set", "digest_at=08:00", "--set", "image=off",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    route = syndicator("--config", config, "routes", "add", "extra", "--include", "النفط")
    assert route.returncode == 0, route.stderr
    listed = syndicator("--config", config, "channels", "list", "--json")
    extra = [json.loads(line) for line in listed.stdout.splitlines()][1]
    assert extra["options"] == {"mode": "digest", "digest_at": ["08:00"], "image": False}
    assert extra["routes"] == ["extra: categories=economy", "extra: include=النفط"]
    with_extra = syndicator("--config", config, "config", "export").stdout
    assert 'id = "extra"' in with_extra

    # Unknown references are refused with the reason.
    bad = syndicator("--config", config, "routes", "add", "extra", "--category", "sport")
    assert bad.returncode == 1
    assert "unknown category 'sport' (defined: economy, syria)" in bad.stderr

    reverted = syndicator("--config", config, "config", "apply", "--yes")
    assert "- channel extra (disabled, history kept)" in reverted.stderr
    assert "3 changes applied" in reverted.stderr
    assert syndicator("--config", config, "config", "export").stdout == exported.stdout

    audit = syndicator("--config", config, "audit", "--json", "--action", "channel")
    entries = [json.loads(line) for line in audit.stdout.splitlines()]
    assert [(e["action"], e["target"], e["via"]) for e in entries[:2]] == [
        ("channel.remove", "extra", "cli"),
        ("channel.add", "extra", "cli"),
    ]
    assert entries[0]["actor"] == entries[1]["actor"]


def test_config_errors_name_the_field_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[channels]]\nid = "a"\nchat_id = "@aaaa"\n\n[[routes]]\nchannel = "b"\n',
        encoding="utf-8",
    )
    result = syndicator("config", "validate", str(path))
    assert result.returncode == 2
    assert f"{path}: routes[0].channel: unknown channel 'b' (defined: a)" in result.stderr
    path.write_text('[[channels]]\nid = "a"\nchat_id = "@aaaa"\nquiet_hours = "7"\n')
    result = syndicator("config", "validate", str(path))
    assert "channels[0].quiet_hours: Value error, '7' is not a range of times" in result.stderr


def test_sources_opml_subscribers_and_retry(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    assert syndicator("--config", config, "config", "apply", "--yes").returncode == 0
    opml = syndicator("--config", config, "sources", "export")
    assert opml.returncode == 0, opml.stderr
    assert 'xmlUrl="http://127.0.0.1:9/feed/"' in opml.stdout
    assert 'kind="wordpress"' in opml.stdout

    other = tmp_path / "other.opml"
    other.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="folder"><outline type="rss" text="بي بي سي"'
        ' xmlUrl="https://feeds.bbci.co.uk/arabic/rss.xml" category="syria,sport"/></outline>'
        '<outline type="rss" text="x" xmlUrl="https://www.bbci.co.uk/other.xml"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    imported = syndicator("--config", config, "sources", "import", str(other))
    assert imported.returncode == 0, imported.stderr
    assert "unknown categories dropped: sport" in imported.stderr
    assert "imported 2 sources: feeds-bbci-co-uk, bbci-co-uk" in imported.stderr
    removed = syndicator("--config", config, "sources", "remove", "bbci-co-uk")
    assert removed.returncode == 0, removed.stderr
    listed = syndicator("--config", config, "sources", "list", "--json")
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [
        "bbci-co-uk",
        "feeds-bbci-co-uk",
        "sham",
        "wp",
    ]  # fmt: skip (list shows disabled ones too)

    sub = syndicator(
        "--config", config, "subscribers", "add", "424242", "--category", "syria",
        "--alert", "الأسد", "--alert", "حلب", "--digest",
    )  # fmt: skip
    assert sub.returncode == 0, sub.stderr
    people = syndicator("--config", config, "subscribers", "list", "--json")
    [person] = [json.loads(line) for line in people.stdout.splitlines()]
    assert person == {
        "user_id": 424242, "active": True, "mode": "digest", "language": "ar",
        "categories": ["syria"], "alerts": ["الأسد", "حلب"],
    }  # fmt: skip
    assert syndicator("--config", config, "subscribers", "remove", "424242").returncode == 0

    retried = syndicator("--config", config, "deliveries", "retry", "alerts")
    assert "0 deliveries of alerts are pending again" in retried.stderr
    assert syndicator("--config", config, "deliveries", "retry", "nope").returncode == 1

    audit = syndicator("--config", config, "audit", "--since", "1h")
    assert "subscriber.start" in audit.stdout
    assert "source.remove" in audit.stdout
    none = syndicator("--config", config, "audit", "--json", "--since", "2099-01-01")
    assert none.stdout == ""
