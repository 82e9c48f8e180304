"""The config file and the store at start: the file is applied when it states something
new; changes made with the bot or the CLI survive restarts otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syndicator.app import App
from syndicator.config import settings_from_mapping
from syndicator.model import Actor, Channel

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
OPERATOR = Actor("tg:1", "bot")


def settings(tmp_path: Path, **database: Any) -> Any:
    raw = {
        "database": {"url": f"sqlite:///{tmp_path / 's.db'}", **database},
        "categories": [{"slug": "syria", "name": "الشأن السوري"}],
        "channels": [{"id": "news", "chat_id": "@news_chan", "categories": ["syria"]}],
    }
    return raw


async def started(tmp_path: Path, raw: dict[str, Any]) -> list[str]:
    app = App(settings_from_mapping(raw, tmp_path / "s.toml", env={}))
    async with app:
        await app.prepare()
        return [c.id for c in await app.store.registry.channels()]


async def test_bot_changes_survive_a_restart_until_the_file_changes(tmp_path: Path) -> None:
    raw = settings(tmp_path)
    assert await started(tmp_path, raw) == ["news"]
    async with App(settings_from_mapping(raw, tmp_path / "s.toml", env={})) as app:
        await app.prepare()
        await app.store.edits.add_channel(Channel("extra", "-1009", ("syria",)), OPERATOR, NOW)
        await app.reload()
        assert app.delivery_options.policy("extra").mode == "instant"
    assert await started(tmp_path, raw) == ["extra", "news"]  # the file did not change

    raw["channels"][0]["silent"] = True  # the file states something new: it wins
    assert await started(tmp_path, raw) == ["news"]
    async with App(settings_from_mapping(raw, tmp_path / "s.toml", env={})) as app:
        await app.prepare()
        entries = await app.store.audit.entries(action="channel")
        assert [(e.action, e.target, e.via) for e in entries] == [
            ("channel.remove", "extra", "file"),
            ("channel.change", "news", "file"),
            ("channel.add", "extra", "bot"),
            ("channel.add", "news", "file"),
        ]
        assert app.delivery_options.policy("news").style.silent


async def test_never_leaves_the_store_alone_and_always_reapplies(tmp_path: Path) -> None:
    assert await started(tmp_path, settings(tmp_path, apply_on_start="never")) == []
    always = settings(tmp_path, apply_on_start="always")
    assert await started(tmp_path, always) == ["news"]
    async with App(settings_from_mapping(always, tmp_path / "s.toml", env={})) as app:
        await app.prepare(apply=False)
        await app.store.edits.remove_channel("news", OPERATOR, NOW)
    assert await started(tmp_path, always) == ["news"]
