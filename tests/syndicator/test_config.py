"""Config files: valid ones load; every mistake names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from syndicator.config import config_path, load_settings
from syndicator.errors import ConfigError
from syndicator.summarize.budget import Budget

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
[database]
url = "sqlite:///data/test.db"

[http]
port = 9090

[[categories]]
slug = "syria"
name = "الشأن السوري"
aliases = ["سوريا"]

[[sources]]
id = "sham"
name = "أخبار الشام"
url = "https://example.org/feed/"
categories = ["syria"]
interval = "10m"

[[channels]]
id = "syria-news"
chat_id = -1001234567890
categories = ["syria"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "syndicator.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), env={})
    assert settings.sources[0].interval == 600
    assert settings.sources[0].kind == "feed"
    assert settings.channels[0].chat_id == "-1001234567890"
    assert settings.categories[0].aliases == ("سوريا",)
    assert settings.public_url == "http://127.0.0.1:9090"
    assert settings.telegram_token is None


def test_token_only_from_environment_and_never_shown(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), env={"TELEGRAM_BOT_TOKEN": "123:secret"})
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == "123:secret"
    assert "secret" not in repr(settings)
    with pytest.raises(ConfigError, match=r"telegram\.token: Extra inputs are not permitted"):
        load_settings(write(tmp_path, GOOD + '\n[telegram]\ntoken = "123:x"\n'), env={})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("https://example.org/feed/", "not a url"),
            r"sources\[0\]\.url: Input should be a valid URL",
        ),
        (
            ('interval = "10m"', 'interval = "soon"'),
            r"sources\[0\]\.interval: Value error, expected seconds",
        ),
        (
            ('slug = "syria"', 'slug = "Syria News"'),
            r"categories\[0\]\.slug: Value error, use lowercase",
        ),
        (('slug = "syria"', 'slug = "all"'), r"categories\[0\]\.slug: .*reserved"),
        (
            ("chat_id = -1001234567890", 'chat_id = "my channel"'),
            r"channels\[0\]\.chat_id: .*numeric chat id",
        ),
        (('url = "sqlite:///data/test.db"', 'url = "mysql://x"'), r"database\.url: .*sqlite"),
        (
            ("port = 9090", "port = 99999"),
            r"http\.port: Input should be less than or equal to 65535",
        ),
        (("port = 9090", "prot = 9090"), r"http\.prot: Extra inputs are not permitted"),
    ],
    ids=[
        "bad-url",
        "bad-interval",
        "bad-slug",
        "reserved-slug",
        "bad-chat",
        "bad-db",
        "bad-port",
        "typo",
    ],
)
def test_field_errors_name_file_and_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError, match=message) as raised:
        load_settings(path, env={})
    assert str(raised.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[[sources]]\nid = "sham"\nname = "x"\nurl = "https://a.b/"\n',
            r"sources\[1\]\.id: duplicate 'sham'",
        ),
        (
            '[[channels]]\nid = "c2"\nchat_id = "@news_channel"\ncategories = ["sport"]\n',
            r"channels\[1\]\.categories\[0\]: unknown category 'sport' \(defined: syria\)",
        ),
        (
            '[[sources]]\nid = "x"\nname = "x"\nurl = "https://a.b/"\nkind = "rss"\n',
            r"sources\[1\]\.kind: .*unknown kind 'rss'",
        ),
    ],
    ids=["duplicate-id", "unknown-category", "unknown-kind"],
)
def test_cross_section_errors(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, GOOD + "\n" + extra), env={})


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.toml: file not found"):
        load_settings(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[database\nurl=1", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: invalid TOML: .*line 1"):
        load_settings(bad)


def test_config_path_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNDICATOR_CONFIG", raising=False)
    assert config_path(None) == Path("syndicator.toml")
    monkeypatch.setenv("SYNDICATOR_CONFIG", "/etc/syndicator.toml")
    assert config_path(None) == Path("/etc/syndicator.toml")
    assert config_path("other.toml") == Path("other.toml")


@pytest.mark.parametrize("name", ["syndicator.example.toml", "docker/syndicator.toml"])
def test_shipped_configs_are_valid(name: str) -> None:
    settings = load_settings(ROOT / name, env={})
    assert settings.sources
    assert settings.categories


LLM = """
[summarize.llm]
url = "http://127.0.0.1:8080/v1"
model = "qwen2.5-7b-instruct"
"""


def test_summaries_default_to_extractive_standard(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), env={})
    summarize = settings.file.summarize
    assert summarize.backend == "extractive"
    assert (summarize.llm.url, summarize.llm.model) == (None, None)
    assert (summarize.llm.timeout, summarize.llm.concurrency, summarize.llm.max_tokens) == (
        30.0,
        2,
        400,
    )
    [channel] = settings.file.channels
    assert (channel.summarizer, channel.summary_budget) == (None, Budget.STANDARD)
    assert settings.llm_api_key is None


def test_llm_backend_and_channel_choices_load(tmp_path: Path) -> None:
    text = GOOD.replace(
        "chat_id = -1001234567890\n",
        'chat_id = -1001234567890\nsummarizer = "llm"\nsummary_budget = "short"\n',
    )
    text += '\n[summarize]\nbackend = "llm"\n' + LLM + "timeout = 10\nconcurrency = 4\n"
    settings = load_settings(write(tmp_path, text), env={})
    llm = settings.file.summarize.llm
    assert settings.file.summarize.backend == "llm"
    assert (str(llm.url), llm.model, llm.timeout, llm.concurrency) == (
        "http://127.0.0.1:8080/v1",
        "qwen2.5-7b-instruct",
        10.0,
        4,
    )
    [channel] = settings.file.channels
    assert (channel.summarizer, channel.summary_budget) == ("llm", Budget.SHORT)


def test_llm_api_key_only_from_environment_and_never_shown(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + LLM)
    settings = load_settings(path, env={"SYNDICATOR_LLM_API_KEY": " sk-secret-42 "})
    assert settings.llm_api_key is not None
    assert settings.llm_api_key.get_secret_value() == "sk-secret-42"
    assert "sk-secret" not in repr(settings)
    with pytest.raises(
        ConfigError, match=r"summarize\.llm\.api_key: Extra inputs are not permitted"
    ):
        load_settings(write(tmp_path, GOOD + LLM + 'api_key = "sk-x"\n'), env={})


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[summarize]\nbackend = "llm"\n',
            r"summarize\.llm\.url: required, since summarize\.backend is 'llm'",
        ),
        (
            '[summarize]\nbackend = "llm"\n[summarize.llm]\nurl = "http://127.0.0.1:8080/v1"\n',
            r"summarize\.llm\.model: required, since summarize\.backend is 'llm'",
        ),
        (
            '[summarize]\nbackend = "gpt"\n',
            r"summarize\.backend: Input should be 'extractive' or 'llm'",
        ),
        (
            LLM.replace('"http://127.0.0.1:8080/v1"', '"localhost"'),
            r"summarize\.llm\.url: Input should be a valid URL",
        ),
        (
            LLM + "concurrency = 0\n",
            r"summarize\.llm\.concurrency: Input should be greater than or equal to 1",
        ),
        (LLM + "timeout = 0\n", r"summarize\.llm\.timeout: Input should be greater than 0"),
    ],
    ids=[
        "llm-without-url",
        "llm-without-model",
        "unknown-backend",
        "bad-url",
        "no-slots",
        "no-time",
    ],
)
def test_summarize_errors_name_file_and_field(tmp_path: Path, extra: str, message: str) -> None:
    path = write(tmp_path, GOOD + "\n" + extra)
    with pytest.raises(ConfigError, match=message) as raised:
        load_settings(path, env={})
    assert str(raised.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        (
            'summarizer = "llm"',
            r"summarize\.llm\.url: required, since channels\[0\]\.summarizer is 'llm'",
        ),
        ('summarizer = "gpt"', r"channels\[0\]\.summarizer: Input should be 'extractive' or 'llm'"),
        (
            'summary_budget = "tiny"',
            r"channels\[0\]\.summary_budget: Input should be 'short' or 'standard'",
        ),
    ],
    ids=["channel-llm-without-url", "channel-unknown-backend", "channel-bad-budget"],
)
def test_channel_summary_errors_name_file_and_field(
    tmp_path: Path, channel: str, message: str
) -> None:
    path = write(
        tmp_path, GOOD.replace("chat_id = -1001234567890", f"chat_id = -1001234567890\n{channel}")
    )
    with pytest.raises(ConfigError, match=message) as raised:
        load_settings(path, env={})
    assert str(raised.value).startswith(f"{path}: ")


def test_feed_settings_default_and_load(tmp_path: Path) -> None:
    defaults = load_settings(write(tmp_path, GOOD), env={}).file.feeds
    assert (defaults.limit, defaults.max_age, defaults.websub_hub) == (50, 60, None)
    text = GOOD + '\n[feeds]\nmax_age = "5m"\nwebsub_hub = "https://pubsubhubbub.example.com/"\n'
    feeds = load_settings(write(tmp_path, text), env={}).file.feeds
    assert feeds.max_age == 300
    assert str(feeds.websub_hub) == "https://pubsubhubbub.example.com/"
    assert load_settings(write(tmp_path, GOOD + "\n[feeds]\nmax_age = 0\n"), env={})


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[feeds]\nmax_age = -1", "feeds.max_age: Input should be greater than or equal to 0"),
        ("[feeds]\nmax_age = 90000", "feeds.max_age: Input should be less than or equal to 86400"),
        ('[feeds]\nmax_age = "soon"', "feeds.max_age: Value error, expected seconds"),
        ('[feeds]\nwebsub_hub = "hub"', "feeds.websub_hub: Input should be a valid URL"),
    ],
)
def test_feed_setting_errors_name_file_and_field(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, GOOD + "\n" + extra + "\n"), env={})


@pytest.mark.parametrize("source_id", ["bad id", "../etc", "سوريا", "-x", "a/b"])
def test_source_ids_are_safe_in_feed_urls(tmp_path: Path, source_id: str) -> None:
    text = GOOD.replace('id = "sham"', f'id = "{source_id}"')
    with pytest.raises(ConfigError, match=r"sources\[0\].id: Value error, use latin letters"):
        load_settings(write(tmp_path, text), env={})


def test_jobs_run_locally_unless_the_scale_out_backend_is_chosen(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, GOOD), env={}).file.jobs.backend == "local"
    scale = GOOD.replace("sqlite:///data/test.db", "postgresql://u@db/syndicator") + (
        '\n[jobs]\nbackend = "procrastinate"\nconcurrency = 4\nheartbeat = "5s"\n'
        'stalled_after = "1m"\n'
    )
    jobs = load_settings(write(tmp_path, scale), env={}).file.jobs
    assert (jobs.backend, jobs.concurrency, jobs.heartbeat, jobs.stalled_after) == (
        "procrastinate", 4, 5, 60,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("jobs", "message"),
    [
        ('backend = "procrastinate"', "jobs.backend: 'procrastinate' needs a PostgreSQL"),
        ("heartbeat = 20", "jobs.stalled_after: must be at least twice jobs.heartbeat"),
        ('backend = "celery"', "jobs.backend: Input should be 'local' or 'procrastinate'"),
    ],
)
def test_jobs_errors_name_file_and_field(tmp_path: Path, jobs: str, message: str) -> None:
    path = write(tmp_path, GOOD + f"\n[jobs]\n{jobs}\n")
    with pytest.raises(ConfigError, match=f"^{path}: {message}"):
        load_settings(path, env={})
