"""`syndicator deliveries`: per-channel counts and status, listings by state, resuming a
paused channel (in process, through typer's runner)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from syndicator.cli import cli
from syndicator.model import Article, Category, Channel, Source
from tests.fakes.clock import NOW
from tests.fakes.database import open_store


def setup(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    path = tmp_path / "syndicator.toml"
    path.write_text(
        f"""
[database]
url = "{url}"

[[categories]]
slug = "syria"
name = "الشأن السوري"

[[sources]]
id = "sham"
name = "أخبار الشام"
url = "http://127.0.0.1:1/feed/"

[[channels]]
id = "syria-news"
chat_id = "-1001"
categories = ["syria"]
""",
        encoding="utf-8",
    )

    async def seed() -> None:
        async with open_store(url) as store:
            await store.registry.apply(
                [Category("syria", "الشأن السوري")],
                [Source("sham", "أخبار الشام", "http://127.0.0.1:1/feed/")],
                [Channel("syria-news", "-1001", ("syria",))],
            )
            await store.articles.add(
                Article("sham", "g", "http://127.0.0.1:1/a/", "عنوان", "نص", "", "ملخص",
                        NOW, NOW, "h", categories=("syria",)),
                NOW,
            )  # fmt: skip
            await store.chats.pause("syria-news", "-1001", "Forbidden: bot was kicked", NOW)

    asyncio.run(seed())
    return path


def test_counts_pause_and_resume(tmp_path: Path) -> None:
    config = str(setup(tmp_path))
    runner = CliRunner()
    shown = runner.invoke(cli, ["--config", config, "deliveries", "--json"])
    assert shown.exit_code == 0, shown.output
    [channel] = [json.loads(line) for line in shown.stdout.splitlines()]
    assert channel["posts"]["pending"] == 1
    assert channel["status"] == "paused: Forbidden: bot was kicked"
    table = runner.invoke(cli, ["--config", config, "deliveries"], env={"COLUMNS": "200"})
    assert "syria-news" in table.stdout
    assert "paused" in table.stdout
    resumed = runner.invoke(cli, ["--config", config, "deliveries", "resume", "syria-news"])
    assert resumed.exit_code == 0, resumed.output
    again = runner.invoke(cli, ["--config", config, "deliveries", "--json"])
    assert json.loads(again.stdout)["status"] == "ok"
    missing = runner.invoke(cli, ["--config", config, "deliveries", "resume", "nope"])
    assert missing.exit_code == 1
    listed = runner.invoke(
        cli,
        ["--config", config, "deliveries", "list", "--state", "pending"],
        env={"COLUMNS": "200"},
    )
    assert listed.exit_code == 0, listed.output
    assert "عنوان" in listed.stdout
