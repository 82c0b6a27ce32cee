"""Where notifier may connect: an SSRF guard checked after DNS, and URLs safe to show.

    guard = NetworkGuard(allow=[ip_network("127.0.0.0/8")])
    session = aiohttp.ClientSession(connector=guard.connector())
    mask_url("https://user:pw@x.org/h?token=abc&area=kz") -> "https://***@x.org/h?token=***&area=kz"

A source or webhook URL is the operator's, but its host name resolves wherever its DNS says,
and a redirect may point anywhere. So every address the shared session connects to is checked
after resolution (a resolver that refuses, which also covers `127.1`, `0x7f000001` and
rebinding), and a URL whose host is an IP literal (`[::1]`, `[::ffff:127.0.0.1]`) is checked
when the request asks the connector for a connection, pooled or new, on every request and
every redirect (aiohttp does not resolve literals). Loopback, private, link-local,
unspecified, multicast, reserved and cloud metadata addresses are refused unless a network in
`network.allow` contains them.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.connector import Connection
from aiohttp.resolver import DefaultResolver
from aiohttp.tracing import Trace

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))
SECRET_QUERY_KEYS = frozenset(
    {"token", "key", "secret", "signature", "sig", "password", "api_key", "apikey", "access_token"}
)


class AddressRefused(aiohttp.ClientOSError):
    """The address is not one notifier may connect to (see the module docstring)."""


def refusal(address: IPAddress, allow: Iterable[IPNetwork] = ()) -> str | None:
    """Why `address` is refused ("loopback", "private" ...), or None when it may be used."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        address = mapped
    if any(address in net for net in allow if net.version == address.version):
        return None
    if address in METADATA:
        return "cloud metadata"
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None


# Verdicts remembered per address string (every request to an IP-literal host is checked).
_VERDICTS_MAX = 4096


class NetworkGuard:
    """Refuses connections to internal addresses; `allow` may be replaced on reload."""

    def __init__(self, allow: Iterable[IPNetwork] = ()) -> None:
        self.allow = list(allow)

    @property
    def allow(self) -> list[IPNetwork]:
        return self._allow

    @allow.setter
    def allow(self, networks: list[IPNetwork]) -> None:
        self._allow = networks
        # address -> (the IP, why it is refused or None); None: not an IP literal
        self._verdicts: dict[str, tuple[IPAddress, str | None] | None] = {}

    def _verdict(self, address: str) -> tuple[IPAddress, str | None] | None:
        """Parsing and judging an address costs more than the request's own bookkeeping, and
        a fan-out asks about the same few hosts thousands of times: each is judged once per
        `allow`."""
        try:
            return self._verdicts[address]
        except KeyError:
            pass
        verdict: tuple[IPAddress, str | None] | None
        try:
            ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
        except ValueError:
            verdict = None  # not an IP literal: the resolver will check what it resolves to
        else:
            verdict = (ip, refusal(ip, self._allow))
        if len(self._verdicts) >= _VERDICTS_MAX:
            self._verdicts.clear()
        self._verdicts[address] = verdict
        return verdict

    def check(self, address: str, host: str = "") -> None:
        """Raise AddressRefused when `address` (an IP) is refused."""
        verdict = self._verdict(address)
        if verdict is None:
            return
        ip, reason = verdict
        if reason is not None:
            name = f"{host} resolves to " if host and host.strip("[]") != address else ""
            # errno and strerror: aiohttp shows an OSError from a resolver by its strerror.
            raise AddressRefused(
                errno.EACCES,
                f"{name}{ip} ({reason} address) is refused; list its network in network.allow "
                "to connect to it",
            )

    def session(self, **kwargs: Any) -> aiohttp.ClientSession:
        """A client session that connects only where the guard allows (its connector checks
        every address, resolved or literal)."""
        return aiohttp.ClientSession(connector=self.connector(), **kwargs)

    def connector(self, **kwargs: Any) -> aiohttp.TCPConnector:
        return GuardedConnector(self, resolver=GuardedResolver(self), **kwargs)


class GuardedConnector(aiohttp.TCPConnector):
    """Checks IP-literal hosts (they bypass the resolver) each time a request asks for a
    connection: every request and every redirect, also on a pooled connection, so a reload
    that takes a network out of `allow` holds for connections opened before it.

    (A trace config's `on_request_start` did this before; aiohttp's tracing machinery cost a
    quarter of a webhook attempt's CPU time.)"""

    def __init__(self, guard: NetworkGuard, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guard = guard

    async def connect(
        self,
        req: aiohttp.ClientRequest,
        traces: list[Trace],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 (aiohttp's signature)
    ) -> Connection:
        host = req.url.raw_host or ""
        self.guard.check(host, host)
        return await super().connect(req, traces, timeout)


class GuardedResolver(AbstractResolver):
    """Resolves with aiohttp's default resolver, then refuses any address the guard refuses."""

    def __init__(self, guard: NetworkGuard, inner: AbstractResolver | None = None) -> None:
        self.guard = guard
        self.inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        for result in results:
            self.guard.check(result["host"], host)
        return results

    async def close(self) -> None:
        await self.inner.close()


def mask_phone(phone: str) -> str:
    """A phone number for logs and operators: country code and the last three digits."""
    return phone[:5] + "*" * max(len(phone) - 8, 0) + phone[-3:]


def mask_url(url: str) -> str:
    """The URL with `user:password@` and secret-looking query values replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in SECRET_QUERY_KEYS for k, _ in pairs):
            query = urlencode(
                [(k, "***" if k.lower() in SECRET_QUERY_KEYS else v) for k, v in pairs], safe="*"
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_urls_in(text: str) -> str:
    """`text` with every http(s) URL in it masked (error messages that quote a URL)."""
    words = text.split(" ")
    return " ".join(
        mask_url(w) if w.startswith(("http://", "https://")) and ("@" in w or "=" in w) else w
        for w in words
    )
