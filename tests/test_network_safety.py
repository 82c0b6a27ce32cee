"""Network hygiene: headers stay with their origin, an SSRF guard after DNS, masked URLs."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from notifier.channels.webhook import WebhookChannel
from notifier.config import WebhookEndpoint
from notifier.errors import SourceError
from notifier.model import ChannelKind, DeliveryStatus, Notice
from notifier.netguard import NetworkGuard, mask_url, mask_urls_in, refusal
from notifier.sources.fetch import fetch_http

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Server:
    """A local server that records the headers of each request and redirects on /go."""

    target: str = ""
    seen: list[dict[str, str]] = field(default_factory=list)
    base: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(dict(request.headers))
        if request.path == "/go":
            raise web.HTTPFound(self.target)
        if request.path == "/here":
            raise web.HTTPFound("/feed")
        return web.Response(text="<rss><channel><title>t</title></channel></rss>")


@pytest.fixture
async def servers() -> AsyncIterator[tuple[Server, Server]]:
    made = []
    runners = []
    for _ in range(2):
        server = Server()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", server.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        server.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        made.append(server)
        runners.append(runner)
    try:
        yield made[0], made[1]
    finally:
        for runner in runners:
            await runner.cleanup()


def guarded_session(allow: list[ipaddress.IPv4Network] | None = None) -> aiohttp.ClientSession:
    guard = NetworkGuard(allow or [])
    return aiohttp.ClientSession(connector=guard.connector())


async def test_source_headers_are_not_sent_to_another_origin(
    servers: tuple[Server, Server],
) -> None:
    first, second = servers
    first.target = second.base + "/feed"
    async with guarded_session(LOOPBACK) as session:
        result = await fetch_http(
            session,
            first.base + "/go",
            timeout_s=5,
            max_bytes=10_000,
            headers={"X-Api-Key": "k-123"},
        )
        assert result.status == 200 and result.url == second.base + "/feed"
        # A redirect within the origin keeps them.
        await fetch_http(
            session, first.base + "/here", timeout_s=5, max_bytes=10_000, headers={"X-Api-Key": "k"}
        )
    assert first.seen[0]["X-Api-Key"] == "k-123"
    assert "X-Api-Key" not in second.seen[0]  # another port is another origin
    assert [h.get("X-Api-Key") for h in first.seen[1:]] == ["k", "k"]


async def test_too_many_redirects_is_a_clear_error(servers: tuple[Server, Server]) -> None:
    first, _ = servers
    first.target = first.base + "/go"
    async with guarded_session(LOOPBACK) as session:
        with pytest.raises(SourceError, match=r"^more than 2 redirects fetching http://127"):
            await fetch_http(
                session, first.base + "/go", timeout_s=5, max_bytes=100, max_redirects=2
            )
    assert len(first.seen) == 3


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("127.0.0.1", "127.0.0.1 (loopback address) is refused"),
        ("localhost", "localhost resolves to 127.0.0.1 (loopback address) is refused"),
        ("0x7f000001", "0x7f000001 resolves to 127.0.0.1 (loopback address) is refused"),
        ("[::1]", "::1 (loopback address) is refused"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1 (loopback address) is refused"),
        ("169.254.169.254", "169.254.169.254 (cloud metadata address) is refused"),
        ("[fd00:ec2::254]", "fd00:ec2::254 (cloud metadata address) is refused"),
        ("0.0.0.0", "0.0.0.0 (unspecified address) is refused"),
        ("127.1", "127.1 - is not a canonical IPv4 address"),  # yarl refuses the short forms
    ],
)
async def test_internal_addresses_are_refused_after_resolution(
    servers: tuple[Server, Server], host: str, why: str
) -> None:
    first, _ = servers
    port = first.base.rsplit(":", 1)[1]
    async with guarded_session() as session:
        with pytest.raises(SourceError) as refused:
            await fetch_http(session, f"http://{host}:{port}/", timeout_s=5, max_bytes=100)
    assert why in str(refused.value)
    assert first.seen == []  # nothing reached the server


async def test_an_allowed_network_is_reached_and_a_redirect_into_a_refused_one_is_not(
    servers: tuple[Server, Server],
) -> None:
    first, _ = servers
    first.target = "http://169.254.169.254/latest/meta-data/"
    async with guarded_session(LOOPBACK) as session:
        assert (await fetch_http(session, first.base + "/", timeout_s=5, max_bytes=1000)).body
        with pytest.raises(SourceError, match=r"169\.254\.169\.254 \(cloud metadata address\)"):
            await fetch_http(session, first.base + "/go", timeout_s=5, max_bytes=1000)


def test_refusal_names_each_kind_of_address() -> None:
    cases = {
        "10.1.2.3": "private",
        "192.168.0.1": "private",
        "fd12::1": "private",
        "169.254.1.1": "link-local",
        "fe80::1": "link-local",
        "224.0.0.1": "multicast",
        "::": "unspecified",
        "8.8.8.8": None,
        "2001:4860:4860::8888": None,
    }
    assert {a: refusal(ipaddress.ip_address(a)) for a in cases} == cases
    assert refusal(ipaddress.ip_address("10.1.2.3"), [ipaddress.ip_network("10.0.0.0/8")]) is None


async def test_a_webhook_to_a_refused_address_fails_permanently(
    servers: tuple[Server, Server],
) -> None:
    first, _ = servers
    endpoint = WebhookEndpoint(id="hook", url=first.base + "/hook", secret=SECRET, areas=["KZ"])
    notice = Notice("evt", "hook", ChannelKind.WEBHOOK, endpoint.url, "{}", delivery_id="msg_1")
    async with guarded_session() as session:
        result = await WebhookChannel(session, {"hook": endpoint}).send(notice)
    assert result.status is DeliveryStatus.PERMANENT
    assert result.reason.startswith("address refused: ")
    assert "127.0.0.1 (loopback address) is refused" in result.reason
    async with guarded_session(LOOPBACK) as session:
        ok = await WebhookChannel(session, {"hook": endpoint}).send(notice)
    assert ok.status is DeliveryStatus.OK


async def test_a_reload_of_network_allow_is_seen_by_the_next_request(
    servers: tuple[Server, Server],
) -> None:
    # Verdicts are remembered per address (a fan-out asks about one host thousands of times);
    # replacing `allow`, as a config reload does, must not leave an old verdict in force.
    first, _ = servers
    guard = NetworkGuard([])
    async with aiohttp.ClientSession(connector=guard.connector()) as session:
        for _ in range(2):  # the second time from the remembered verdict
            with pytest.raises(SourceError, match=r"127\.0\.0\.1 \(loopback address\)"):
                await fetch_http(session, first.base + "/", timeout_s=5, max_bytes=1000)
        guard.allow = list(LOOPBACK)
        assert (await fetch_http(session, first.base + "/", timeout_s=5, max_bytes=1000)).body
        guard.allow = []
        with pytest.raises(SourceError, match=r"127\.0\.0\.1 \(loopback address\)"):
            await fetch_http(session, first.base + "/", timeout_s=5, max_bytes=1000)
    assert len(first.seen) == 1


def test_credentials_in_urls_are_masked() -> None:
    assert mask_url("https://user:p%40ss@hooks.example.org/in?token=abc&area=kz") == (
        "https://***@hooks.example.org/in?token=***&area=kz"
    )
    assert mask_url("https://x.org/a?sig=1&Signature=2&api_key=3&password=4&key=5&secret=6") == (
        "https://x.org/a?sig=***&Signature=***&api_key=***&password=***&key=***&secret=***"
    )
    assert mask_url("https://x.org/feed.xml?page=2") == "https://x.org/feed.xml?page=2"
    assert mask_urls_in("HTTP 404 from https://u:p@x.org/f?token=t now") == (
        "HTTP 404 from https://***@x.org/f?token=*** now"
    )
