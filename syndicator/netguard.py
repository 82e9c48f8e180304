"""Fetch stage, network guard: the collector connects to public addresses only (SSRF guard).

Source URLs come from operators (config file, CLI, bot) and redirects come from the sites.
A typo, a hostile redirect or a name that resolves to 10.x must not make the service read
the cloud metadata endpoint (169.254.169.254), an admin page on the intranet or its own
/metrics, and then republish what it read in public feeds. So every connection the
collector's client opens is checked *when it is opened*, after DNS and after each redirect:

- `refusal` (pure) says what kind of non-public address an IP is, or None: loopback,
  private (RFC 1918, fc00::/7), link-local, unspecified, multicast, shared (100.64/10),
  reserved, anything else `ipaddress` does not call global, and the IPv4 inside IPv6 forms
  (::ffff:a.b.c.d, 6to4, NAT64). `[fetch] allow_networks` lets an operator reach some.
- `GuardedBackend` (I/O) resolves the host itself, refuses the connection if *any* answer is
  refused, then connects to the checked IPs: a second DNS answer cannot differ (no
  rebinding window). TLS is unchanged: httpcore takes `server_hostname` (SNI and certificate
  check) from the request's origin, not from the host given to `connect_tcp`.
- `GuardedTransport` puts that backend under httpx. A refusal is raised as `Refused`, an
  `httpcore.ConnectError`, so httpx passes it up as `httpx.ConnectError` with `Refused` as
  its cause; `refused(exc)` finds the operator-ready message again at the fetch boundary.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

RESOLVE_TIMEOUT = 10.0  # seconds for a DNS answer when the caller gives no connect timeout
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
# No "[fetch]": rich (CLI errors, `status` and `collect` tables) would take it for markup.
_HINT = "the collector only reaches public addresses unless fetch.allow_networks lists it"
# What the demo, the benchmarks and the tests allow: their sample sites listen on loopback.
LOOPBACK: tuple[Network, ...] = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1"))


def _within(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def _embedded(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, NAT64), which is where the
    packets end up; None for a plain IPv6 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: Address, allowed: Iterable[Network] = ()) -> str | None:
    """What kind of non-public address `address` is ("a loopback address"), or None when the
    collector may connect to it: it is public, or inside one of the `allowed` networks."""
    allowed = tuple(allowed)
    if _within(address, allowed):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded(address)
        if inner is not None:
            kind = refusal(inner, allowed)
            # A public IPv4 inside 6to4/NAT64 is fine; an IPv4-mapped form is that IPv4 host.
            return None if kind is None else f"{kind} (IPv4 {inner} inside IPv6)"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:  # ipaddress calls most multicast addresses global
        return "a multicast address"
    if _within(address, _PRIVATE):
        return "a private address"
    if address in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if address.is_reserved or not address.is_global:
        return "a reserved address, not a public one"
    return None


def explain(host: str, address: str, kind: str) -> str:
    """The operator-facing sentence for a refused connection."""
    if ipaddress.ip_address(address) == _literal(host):
        return f"{host} is {kind}; {_HINT}"
    return f"{host} resolves to {address}, {kind}; {_HINT}"


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class Refused(httpcore.ConnectError):
    """The guard refused a connection; the message is written for the operator."""


def refused(exc: BaseException) -> str | None:
    """The guard's message when `exc` (an httpx error) was caused by a refusal, else None."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Refused):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


async def resolve(
    host: str, port: int, allowed: Iterable[Network], within: float | None = None
) -> list[str]:
    """Every address `host` resolves to, once each; `Refused` when any of them is refused
    (a name with one private answer among public ones is refused: the stricter choice)."""
    literal = _literal(host)
    if literal is not None:
        answers = [str(literal)]
    else:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(within or RESOLVE_TIMEOUT):
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"cannot resolve {host}: no DNS answer") from None
        except UnicodeError:  # IDNA: an empty or over-long label ("a..b")
            raise httpcore.ConnectError(f"cannot resolve {host}: not a valid host name") from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise httpcore.ConnectError(f"cannot resolve {host}: {reason}") from None
        answers = list(dict.fromkeys(str(info[4][0]) for info in infos))
    allowed = tuple(allowed)
    for answer in answers:
        kind = refusal(ipaddress.ip_address(answer), allowed)
        if kind is not None:
            raise Refused(explain(host, answer, kind))
    return answers


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the guard in `connect_tcp`; see the module docstring."""

    def __init__(
        self, allowed: Iterable[Network], inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._allowed = tuple(allowed)
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        answers = await resolve(host, port, self._allowed, timeout)
        failure: Exception | None = None
        for address in answers:  # the checked addresses only, in the resolver's order
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # getaddrinfo never answers with an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("the collector does not connect to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport with its connection pool rebuilt on `GuardedBackend`.

    httpx 0.28 cannot pass a network backend to `AsyncHTTPTransport` (an open pull request
    adds it: encode/httpx#3749). Subclassing keeps everything httpx does around the pool
    (request/response conversion, mapping httpcore errors to httpx ones, also while the body
    streams) and replaces only `_pool`, the one private name used: httpx is pinned below
    0.29 and tests/syndicator/test_netguard.py fails at once if that stops working. A
    hand-written `AsyncBaseTransport` over the pool would have to copy that private mapping.
    """

    def __init__(self, *, allowed: Iterable[Network], limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allowed),
        )


async def screen(url: str, allowed: Iterable[Network], within: float = 5.0) -> str | None:
    """Add-time feedback: the refusal a fetch of `url` would meet, or None. A URL that does
    not resolve (yet) passes; its polls will say why they fail."""
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        await resolve(host, port, allowed, within)
    except Refused as exc:
        return str(exc)
    except (httpx.InvalidURL, httpcore.ConnectError, httpcore.ConnectTimeout, UnicodeError):
        return None
    return None
