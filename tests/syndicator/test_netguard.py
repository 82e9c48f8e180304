"""The network guard (SSRF): the collector connects to public addresses only, unless
`[fetch] allow_networks` lists the network.

First the pure policy as a table, then real loopback servers reached (or not) through the
collector's own client (`build_client`): literal addresses, names that resolve to loopback,
IPv6, hosts that cannot be read. Then the paths an operator meets: a config-file source that
fails its poll (recorded, shown by `status`), `syndicator sources add` and the bot's
`/addsource` refusing at add time, and the WebSub hub, the operator's own server, left
outside the guard. Redirects to a refused address are in test_fetch.py (beside `canned`).
"""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpcore
import pytest

from syndicator.app import App
from syndicator.config import settings_from_mapping
from syndicator.errors import FetchError
from syndicator.fetch import Fetcher, Robots, build_client
from syndicator.netguard import LOOPBACK, GuardedBackend, Network, refusal, screen
from syndicator.status import gather
from tests.bot.test_commands import OPERATOR, fake, make_app, running, said
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.news_site import SampleSite
from tests.fakes.websub_hub import FakeHub
from tests.syndicator.test_cli_registry import syndicator, write_config

__all__ = ["fake"]  # the Bot API fixture, shared with tests/bot/test_commands.py

HINT = "the collector only reaches public addresses unless fetch.allow_networks lists it"
LOOPBACK_KIND = "a loopback address"
IN_V6 = "(IPv4 {} inside IPv6)"


def nets(*cidrs: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


# -- the policy (pure) -------------------------------------------------------------------------

REFUSED = [
    ("127.0.0.1", LOOPBACK_KIND),
    ("127.255.255.254", LOOPBACK_KIND),
    ("::1", LOOPBACK_KIND),
    ("10.0.0.5", "a private address"),
    ("172.16.0.1", "a private address"),
    ("172.31.255.255", "a private address"),
    ("192.168.1.1", "a private address"),
    ("fc00::1", "a private address"),
    ("fd12:3456::1", "a private address"),
    ("169.254.169.254", "a link-local address"),  # the cloud metadata endpoint
    ("fe80::1", "a link-local address"),
    ("fe80::1%eth0", "a link-local address"),
    ("0.0.0.0", "an unspecified address"),
    ("::", "an unspecified address"),
    ("224.0.0.1", "a multicast address"),  # ipaddress calls it global
    ("239.255.255.250", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("100.64.0.1", "a shared (carrier-grade NAT) address"),
    ("100.127.255.254", "a shared (carrier-grade NAT) address"),
    ("240.0.0.1", "a reserved address, not a public one"),
    ("255.255.255.255", "a reserved address, not a public one"),
    ("192.0.2.1", "a reserved address, not a public one"),  # documentation
    ("198.18.0.1", "a reserved address, not a public one"),  # benchmarking
    ("2001:db8::1", "a reserved address, not a public one"),  # documentation
    ("::7f00:1", "a reserved address, not a public one"),  # IPv4-compatible, deprecated
    # IPv4 inside IPv6: mapped, 6to4, NAT64 (ipaddress in 3.11 calls some of these global)
    ("::ffff:127.0.0.1", f"{LOOPBACK_KIND} {IN_V6.format('127.0.0.1')}"),
    ("::ffff:169.254.169.254", f"a link-local address {IN_V6.format('169.254.169.254')}"),
    ("::ffff:10.1.2.3", f"a private address {IN_V6.format('10.1.2.3')}"),
    ("2002:a00:1::1", f"a private address {IN_V6.format('10.0.0.1')}"),
    ("2002:7f00:1::", f"{LOOPBACK_KIND} {IN_V6.format('127.0.0.1')}"),
    ("64:ff9b::a9fe:a9fe", f"a link-local address {IN_V6.format('169.254.169.254')}"),
]

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",  # just past 172.16/12
    "100.128.0.1",  # just past 100.64/10
    "11.0.0.1",
    "2001:4860:4860::8888",
    "2001:4860::8888",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
]

ALLOWED = [
    ("127.0.0.1", ("127.0.0.0/8",)),
    ("127.0.0.2", ("127.0.0.0/8",)),
    ("::1", ("::1",)),
    ("10.1.2.3", ("10.0.0.0/8",)),
    ("192.168.7.7", ("10.0.0.0/8", "192.168.7.0/24")),
    ("169.254.169.254", ("169.254.169.254/32",)),
    ("::ffff:127.0.0.1", ("127.0.0.0/8",)),  # the same IPv4 host
    ("fd00::5", ("fd00::/8",)),
]

STILL_REFUSED = [
    ("127.0.0.2", ("127.0.0.1/32",), LOOPBACK_KIND),
    ("::1", ("127.0.0.0/8",), LOOPBACK_KIND),  # allowing 127/8 does not allow IPv6 loopback
    ("127.0.0.1", ("::1",), LOOPBACK_KIND),
    ("10.0.0.1", ("192.168.0.0/16",), "a private address"),
    ("169.254.169.254", ("10.0.0.0/8",), "a link-local address"),
]


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_non_public_addresses_are_refused_by_kind(address: str, kind: str) -> None:
    assert refusal(ipaddress.ip_address(address), ()) == kind


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), ()) is None


@pytest.mark.parametrize(("address", "allowed"), ALLOWED)
def test_allowed_networks_let_their_addresses_through(
    address: str, allowed: tuple[str, ...]
) -> None:
    assert refusal(ipaddress.ip_address(address), nets(*allowed)) is None


@pytest.mark.parametrize(("address", "allowed", "kind"), STILL_REFUSED)
def test_allowed_networks_let_only_their_addresses_through(
    address: str, allowed: tuple[str, ...], kind: str
) -> None:
    assert refusal(ipaddress.ip_address(address), nets(*allowed)) == kind


# -- through the collector's client, on loopback ------------------------------------------------


async def fetch(url: str, allowed: tuple[Network, ...], *, robots: bool = False) -> Any:
    async with build_client(timeout=5.0, user_agent="guard-test", allow_networks=allowed) as http:
        fetcher = Fetcher(
            http,
            max_bytes=1_000_000,
            deadline=5.0,
            robots=Robots(http, "guard-test") if robots else None,
        )
        return await fetcher.get(url)


@pytest.mark.parametrize("robots", [False, True], ids=["direct", "robots-first"])
async def test_a_loopback_site_is_refused_unless_allowed(site: SampleSite, robots: bool) -> None:
    url = site.feed_url()
    with pytest.raises(FetchError) as refused:
        await fetch(url, (), robots=robots)
    # robots.txt is asked first through the same client: the operator reads the same sentence.
    assert str(refused.value) == f"{url}: 127.0.0.1 is {LOOPBACK_KIND}; {HINT}"
    assert site.request_log == []  # refused before connecting: the site saw nothing
    served = await fetch(url, nets("127.0.0.0/8"), robots=robots)
    assert served.status == 200
    assert b"<rss" in served.body


async def test_a_name_that_resolves_to_loopback_is_refused(site: SampleSite) -> None:
    url = site.feed_url().replace("127.0.0.1", "localhost")
    with pytest.raises(FetchError, match=rf"^{url}: localhost resolves to (127\.0\.0\.1|::1), "):
        await fetch(url, ())
    assert site.request_log == []
    assert (await fetch(url, LOOPBACK)).status == 200


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("[::1]", f"::1 is {LOOPBACK_KIND}"),
        ("[::ffff:127.0.0.1]", f"::ffff:127.0.0.1 is {LOOPBACK_KIND} (IPv4 127.0.0.1 inside"),
        ("127.1", f"127.1 resolves to 127.0.0.1, {LOOPBACK_KIND}"),  # inet_aton's short forms
        ("2130706433", f"2130706433 resolves to 127.0.0.1, {LOOPBACK_KIND}"),
        ("0", "0 resolves to 0.0.0.0, an unspecified address"),
    ],
)
async def test_other_spellings_of_loopback_are_refused(
    site: SampleSite, host: str, shown: str
) -> None:
    url = site.feed_url().replace("127.0.0.1", host)
    with pytest.raises(FetchError) as refused:
        await fetch(url, ())
    assert str(refused.value).startswith(f"{url}: {shown}")
    assert site.request_log == []


async def test_an_allowed_ipv6_loopback_is_connected_to() -> None:
    """With ::1 allowed the guard steps aside: the error is the closed port's, not a refusal."""
    with pytest.raises(FetchError) as refused:
        await fetch("http://[::1]:9/feed/", ())
    assert "is a loopback address" in str(refused.value)
    with pytest.raises(FetchError) as closed:
        await fetch("http://[::1]:9/feed/", nets("::1"))
    assert "ConnectError" in str(closed.value)
    assert "loopback" not in str(closed.value)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://a..b/feed/", "ConnectError: cannot resolve a..b: not a valid host name"),
        ("http://" + "x" * 64 + ".com/", "not a valid host name"),
        ("http://999.999.999.999/", "invalid URL"),
    ],
)
async def test_a_host_that_cannot_be_read_gives_a_clear_error(url: str, said: str) -> None:
    with pytest.raises(FetchError) as failed:
        await fetch(url, ())
    assert str(failed.value).startswith(f"{url}: ")
    assert said in str(failed.value)


class Recording(httpcore.AnyIOBackend):
    """The real backend, noting the host each connection was opened to."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.hosts.append(host)
        return await super().connect_tcp(host, port, *args, **kwargs)


async def test_the_connection_goes_to_the_address_that_was_checked(site: SampleSite) -> None:
    """A name is resolved once, by the guard; the socket opens to that answer, so a second
    DNS answer (rebinding) has no chance to differ."""
    inner = Recording()
    guard = GuardedBackend(LOOPBACK, inner)
    port = int(site.url.rsplit(":", 1)[1])
    stream = await guard.connect_tcp("localhost", port, timeout=5.0)
    await stream.aclose()
    # Addresses, never the name; ::1 first (where /etc/hosts says so) fails over to the site.
    assert inner.hosts[-1] == "127.0.0.1"
    assert set(inner.hosts) <= {"127.0.0.1", "::1"}
    opened = len(inner.hosts)
    with pytest.raises(httpcore.ConnectError, match="localhost resolves to"):
        await GuardedBackend((), inner).connect_tcp("localhost", port, timeout=5.0)
    assert len(inner.hosts) == opened  # refused: nothing was opened


async def test_screen_tells_at_add_time_and_lets_unresolvable_names_pass() -> None:
    refused = await screen("http://127.0.0.1:9/feed/", ())
    assert refused == f"127.0.0.1 is {LOOPBACK_KIND}; {HINT}"
    assert await screen("http://127.0.0.1:9/feed/", LOOPBACK) is None
    assert await screen("https://93.184.215.14/feed/", ()) is None  # public: no lookup needed
    assert await screen("http://a..b/feed/", ()) is None  # its polls will say why


# -- what operators meet -----------------------------------------------------------------------


def mapping(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {"database": {"url": f"sqlite:///{tmp_path / 'guard.db'}"}, **extra}


async def test_a_config_source_on_a_private_address_fails_its_poll_and_status_shows_it(
    site: SampleSite, tmp_path: Path
) -> None:
    raw = mapping(tmp_path, sources=[{"id": "intranet", "name": "داخلي", "url": site.feed_url()}])
    settings = settings_from_mapping(raw, tmp_path / "guard.toml", env={})
    async with App(settings, dry_run=True) as app:
        await app.prepare()
        [result] = await app.collect()
        status = await gather(app.store, app.engine, datetime.now(UTC))
    assert result.error is not None
    assert f"127.0.0.1 is {LOOPBACK_KIND}; {HINT}" in result.error
    [shown] = status.sources
    assert not shown.ok
    assert shown.state.error_count == 1
    assert HINT in (shown.state.last_error or "")
    assert site.request_log == []


def test_cli_sources_add_refuses_a_private_address_unless_allowed(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    url = "http://127.0.0.1:9/extra/feed/"
    refused = syndicator("--config", config, "sources", "add", "extra", url)
    assert refused.returncode == 1
    assert f"{url}: 127.0.0.1 is {LOOPBACK_KIND}; {HINT}" in " ".join(refused.stderr.split())
    listed = syndicator("--config", config, "sources", "list", "--json")
    assert "extra" not in [json.loads(line)["id"] for line in listed.stdout.splitlines()]

    allowing = Path(config)
    allowing.write_text(
        allowing.read_text(encoding="utf-8") + '\n[fetch]\nallow_networks = ["127.0.0.0/8"]\n',
        encoding="utf-8",
    )
    added = syndicator("--config", config, "sources", "add", "extra", url)
    assert added.returncode == 0, added.stderr
    listed = syndicator("--config", config, "sources", "list", "--json")
    assert "extra" in [json.loads(line)["id"] for line in listed.stdout.splitlines()]


def test_cli_sources_import_leaves_out_private_addresses(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline type="rss" text="Metadata" id="meta" xmlUrl="http://169.254.169.254/latest/"/>'
        '<outline type="rss" text="Loopback" id="loop" xmlUrl="http://[::1]:9/feed/"/>'
        '<outline type="rss" text="Public" id="public" xmlUrl="http://93.184.215.14/feed/"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    imported = syndicator("--config", config, "sources", "import", str(opml))
    assert imported.returncode == 0, imported.stderr
    said = " ".join(imported.stderr.split())
    metadata = "http://169.254.169.254/latest/: 169.254.169.254 is a link-local address"
    assert f"meta: not imported: {metadata}; {HINT}" in said
    assert f"loop: not imported: http://[::1]:9/feed/: ::1 is {LOOPBACK_KIND}; {HINT}" in said
    assert "imported 1 sources: public" in said
    listed = syndicator("--config", config, "sources", "list", "--json")
    ids = [json.loads(line)["id"] for line in listed.stdout.splitlines()]
    assert "public" in ids
    assert not {"meta", "loop"} & set(ids)


async def test_the_bot_refuses_to_add_the_metadata_endpoint(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    async with make_app(fake, tmp_path) as app, running(app):  # allows loopback only
        fake.push_text(OPERATOR, OPERATOR, "/addsource http://169.254.169.254/latest/ aws")
        await said(fake, OPERATOR, 1)  # looking at the site
        answer = await said(fake, OPERATOR, 2)
        assert "169.254.169.254 is a link-local address" in (answer.text or "")
        assert HINT in (answer.text or "")
        assert not (answer.reply_markup or {}).get("inline_keyboard")  # nothing to confirm
        assert await app.store.registry.sources(enabled_only=False) == []


async def test_the_websub_hub_is_the_operators_own_and_is_not_guarded(tmp_path: Path) -> None:
    """The hub is configured by the operator like Telegram and the LLM: a hub on the
    intranet (here: loopback, with nothing allowed) is still pinged."""
    with FakeHub() as hub:
        raw = mapping(tmp_path, feeds={"websub_hub": hub.url})
        settings = settings_from_mapping(raw, tmp_path / "guard.toml", env={})
        async with App(settings, dry_run=True) as app:
            assert app.websub is not None
            app.websub.publish(["https://feeds.example.org/feeds/all.rss"])
            await app.websub.drain()
            assert (app.websub.sent, app.websub.failed) == (1, 0)
        assert hub.topics() == ["https://feeds.example.org/feeds/all.rss"]
