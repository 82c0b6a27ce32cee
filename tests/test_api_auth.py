"""Who may call /api: bearer tokens and scopes, the loopback policy, rate limits, open paths.

Every request goes over real HTTP to the app served on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from notifier.config import parse_config
from notifier.errors import ConfigError
from notifier.service import Service
from notifier.web.app import create_app
from notifier.web.auth import RateLimiter, TokenBook, check_exposure, is_loopback, token_hash

ROOT = Path(__file__).resolve().parents[1]
READER = "ntf_reader-token-for-the-tests-0000000000000"
ADMIN = "ntf_admin-token-for-the-tests-00000000000000"
ENV_ADMIN = "ntf_from-the-environment-0000000000000000"


def config_yaml(tmp_path: Path, *, host: str = "127.0.0.1", api: str = "") -> str:
    return f"""
data_dir: {tmp_path / "data"}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
server: {{host: "{host}"}}
{api}
"""


TOKENS = f"""
api:
  rate_per_s: 1000
  burst: 1000
  tokens:
    - {{name: dashboard, sha256: {token_hash(READER)}, scopes: [read]}}
    - {{name: ops, sha256: "{token_hash(ADMIN).upper()}", scopes: [admin]}}
"""

Serve = Callable[..., Awaitable[str]]


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    """serve(config_text, environ) -> base URL of a started service's app on 127.0.0.1."""
    started: list[tuple[Service, web.AppRunner]] = []

    async def start(text: str, environ: Mapping[str, str] | None = None) -> str:
        service = Service(
            parse_config(text, environ={}), echo=lambda _: None, start_scheduler=False
        )
        runner = web.AppRunner(create_app(service, environ or {}), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        await service.start()
        started.append((service, runner))
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    yield start
    for service, runner in started:
        await service.stop()
        await runner.cleanup()


async def call(
    method: str, url: str, token: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, Mapping[str, str]]:
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=all_headers) as r,
    ):
        body = await r.json() if r.content_type == "application/json" else await r.text()
        return r.status, body, r.headers


async def test_tokens_and_scopes(serve: Serve, tmp_path: Path) -> None:
    base = await serve(config_yaml(tmp_path, api=TOKENS))
    status, body, headers = await call("GET", base + "/api/levels")
    assert status == 401
    assert body == {
        "error": {
            "code": "unauthorized",
            "message": "this endpoint needs 'Authorization: Bearer <token>'",
        }
    }
    assert headers["WWW-Authenticate"] == 'Bearer realm="notifier"'
    unknown = {"error": {"code": "unauthorized", "message": "unknown token"}}
    assert (await call("GET", base + "/api/levels", "ntf_guessed"))[:2] == (401, unknown)
    assert (await call("GET", base + "/api/levels", READER + "x"))[:2] == (401, unknown)
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", READER):
        status, body, _ = await call("GET", base + "/api/levels", headers={"Authorization": header})
        assert (status, body["error"]["message"]) == (
            401,
            "the Authorization header must be 'Bearer <token>'",
        ), header
    # A huge header is refused before it is hashed; aiohttp caps headers at 8 KiB anyway.
    assert (await call("GET", base + "/api/levels", "x" * 8000))[:2] == (401, unknown)
    assert (await call("GET", base + "/api/levels", "токен"))[:2] == (401, unknown)

    assert (await call("GET", base + "/api/levels", READER))[:2] == (200, {"levels": []})
    assert (await call("GET", base + "/api/sources", ADMIN))[:2] == (200, {"sources": []})
    status, body, _ = await call("POST", base + "/api/levels", READER)
    assert (status, body) == (
        403,
        {"error": {"code": "forbidden", "message": "token 'dashboard' lacks the 'admin' scope"}},
    )
    # An admin passes the guard; the route only serves GET.
    status, body, headers = await call("DELETE", base + "/api/levels", ADMIN)
    assert (status, body["error"]["code"]) == (405, "method_not_allowed")
    assert "GET" in headers["Allow"]
    status, body, _ = await call("GET", base + "/api/nothing-here", READER)
    assert (status, body["error"]["code"]) == (404, "not_found")


async def test_no_spelling_of_a_path_gets_past_the_guard(serve: Serve, tmp_path: Path) -> None:
    base = await serve(config_yaml(tmp_path, api=TOKENS))
    port = int(base.rsplit(":", 1)[1])
    spellings = [
        "/api/./levels",
        "/api/../api/levels",
        "/%61pi/levels",
        "/api//levels",
        "/api%2Flevels",
        "//api/levels",
        "/./api/levels",
        "/API/levels",
        "/healthz/../api/levels",
        "/api/openapi.json/../levels",
        "/api/levels?x=/api/openapi.json",
    ]
    for path in spellings:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        answer = await reader.read()
        writer.close()
        status = int(answer.split(b" ", 2)[1])
        assert status in (401, 404), (path, answer[:200])
        assert b'"levels"' not in answer, path


async def test_open_paths_need_no_token(serve: Serve, tmp_path: Path) -> None:
    base = await serve(config_yaml(tmp_path, api=TOKENS))
    for path in ("/healthz", "/readyz", "/metrics", "/feed.atom", "/", "/api/openapi.json"):
        status, _, _ = await call("GET", base + path)
        assert status == 200, path
    # The Twilio callbacks are checked by their signature, not by a bearer token.
    for path in ("/twilio/status", "/twilio/inbound"):
        status, body, _ = await call("POST", base + path)
        assert status == 403 and "error" not in body, path


async def test_loopback_without_tokens_reads_openly_and_refuses_writes(
    serve: Serve, tmp_path: Path
) -> None:
    base = await serve(config_yaml(tmp_path))
    assert (await call("GET", base + "/api/levels"))[:2] == (200, {"levels": []})
    status, body, _ = await call("POST", base + "/api/levels")
    assert status == 403
    assert body["error"]["message"] == (
        "writes need an admin token and none is configured: set NOTIFIER_ADMIN_TOKEN or add "
        "api.tokens (`notifier token new NAME --scope admin`)"
    )
    # A token sent where none exists is still a wrong token, not a pass.
    assert (await call("GET", base + "/api/levels", READER))[0] == 401


async def test_admin_token_from_the_environment(serve: Serve, tmp_path: Path) -> None:
    base = await serve(config_yaml(tmp_path, host="0.0.0.0"), {"NOTIFIER_ADMIN_TOKEN": ENV_ADMIN})
    assert (await call("GET", base + "/api/levels"))[0] == 401  # not loopback: nothing open
    assert (await call("GET", base + "/api/levels", ENV_ADMIN))[:2] == (200, {"levels": []})
    assert (await call("PUT", base + "/api/levels", ENV_ADMIN))[0] == 405  # past the guard
    assert (await call("GET", base + "/api/levels", ADMIN))[0] == 401


async def test_rate_limit_per_token_and_per_address(serve: Serve, tmp_path: Path) -> None:
    api = TOKENS.replace("rate_per_s: 1000", "rate_per_s: 0.01").replace("burst: 1000", "burst: 3")
    base = await serve(config_yaml(tmp_path, api=api))
    for _ in range(3):
        assert (await call("GET", base + "/api/levels", READER))[0] == 200
    status, body, headers = await call("GET", base + "/api/levels", READER)
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert 1 <= int(headers["Retry-After"]) <= 100  # one request at 0.01/s
    # Another token has its own bucket; open paths are not limited.
    assert (await call("GET", base + "/api/levels", ADMIN))[0] == 200
    assert all([(await call("GET", base + "/healthz"))[0] == 200 for _ in range(5)])
    # Guessing tokens spends the address's bucket: the fourth guess is not even checked.
    statuses = [(await call("GET", base + "/api/levels", f"guess{i}"))[0] for i in range(4)]
    assert statuses == [401, 401, 401, 429]


async def test_tokens_never_reach_the_logs(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    base = await serve(config_yaml(tmp_path, api=TOKENS))
    for token in (READER, ADMIN, READER + "x", "ntf_a-guessed-token-0000"):
        await call("GET", base + "/api/levels", token)
        await call("POST", base + "/api/levels", token)
    assert "refused" in caplog.text  # the refusals were logged …
    for token in (READER, ADMIN, "ntf_a-guessed-token"):
        assert token not in caplog.text  # … without the token


async def test_a_reloaded_configuration_changes_the_tokens(tmp_path: Path) -> None:
    service = Service(
        parse_config(config_yaml(tmp_path, api=TOKENS), environ={}),
        echo=lambda _: None,
        start_scheduler=False,
    )
    runner = web.AppRunner(create_app(service, {}), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with service:
            assert (await call("GET", base + "/api/levels", READER))[0] == 200
            without_reader = TOKENS.replace(
                f"    - {{name: dashboard, sha256: {token_hash(READER)}, scopes: [read]}}\n", ""
            )
            service.config = parse_config(config_yaml(tmp_path, api=without_reader), environ={})
            assert (await call("GET", base + "/api/levels", READER))[0] == 401
            assert (await call("GET", base + "/api/levels", ADMIN))[0] == 200
    finally:
        await runner.cleanup()


# --- the pieces -----------------------------------------------------------------------------


def test_exposure_policy() -> None:
    def check(host: str, api: str = "", environ: dict[str, str] | None = None) -> None:
        check_exposure(
            parse_config(config_yaml(Path("/tmp"), host=host, api=api), environ={}), environ or {}
        )

    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        check(host)  # loopback: allowed without a token
    for host in ("0.0.0.0", "::", "192.0.2.10", "notifier.example.org"):
        with pytest.raises(ConfigError) as info:
            check(host)
        assert info.value.errors == [
            f"server.host: {host} is reachable beyond this machine and no API token is "
            "configured: set NOTIFIER_ADMIN_TOKEN, add api.tokens (`notifier token new NAME`), "
            "or listen on 127.0.0.1"
        ]
    check("0.0.0.0", TOKENS)
    check("0.0.0.0", environ={"NOTIFIER_ADMIN_TOKEN": ENV_ADMIN})
    with pytest.raises(ConfigError) as info:
        check("0.0.0.0", environ={"NOTIFIER_ADMIN_TOKEN": "   "})  # blank is unset
    with pytest.raises(ConfigError) as info:
        check("127.0.0.1", environ={"NOTIFIER_ADMIN_TOKEN": "short"})
    assert info.value.errors[0].startswith("NOTIFIER_ADMIN_TOKEN is 5 characters long")


def test_is_loopback() -> None:
    assert [is_loopback(h) for h in ("127.0.0.1", "::1", "[::1]", "localhost")] == [True] * 4
    assert [is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "", "localhost.evil")] == [
        False
    ] * 5


def test_token_config_errors_name_the_path() -> None:
    bad = {
        "api: {tokens: [{name: a, sha256: abc, scopes: [read]}]}": "api.tokens[0].sha256 (line 1, column 26): String should match pattern '^[0-9a-f]{64}$'",
        f"api: {{tokens: [{{name: a, sha256: {'a' * 64}, scopes: []}}]}}": "api.tokens[0].scopes (line 1, column 100): List should have at least 1 item after validation, not 0",
        f"api: {{tokens: [{{name: a, sha256: {'a' * 64}, scopes: [write]}}]}}": "api.tokens[0].scopes[0] (line 1, column 109): Input should be 'read' or 'admin'",
        f"api: {{tokens: [{{name: a, sha256: {'a' * 64}, scopes: [read]}}, {{name: a, sha256: {'b' * 64}, scopes: [read]}}]}}": "api (line 1, column 1): tokens[1].name: duplicate name 'a' (first at tokens[0])",
        f"api: {{tokens: [{{name: a, sha256: {'a' * 64}, scopes: [read]}}, {{name: b, sha256: {'A' * 64}, scopes: [read]}}]}}": "api (line 1, column 1): tokens[1].sha256: the same token as tokens[0]",
        f"api: {{tokens: [{{name: a, sha256: {'1' * 64}, scopes: [read]}}]}}": "api.tokens[0].sha256 (line 1, column 26): put the hash in quotes: YAML read it as a number",
        "api: {rate_per_s: 0}": "api.rate_per_s (line 1, column 7): Input should be greater than 0",
        "api: {burst: 0}": "api.burst (line 1, column 7): Input should be greater than or equal to 1",
    }
    for text, message in bad.items():
        with pytest.raises(ConfigError) as info:
            parse_config(text, environ={})
        assert info.value.errors == [message], text


def test_token_book_finds_each_token_and_nothing_else() -> None:
    config = parse_config(TOKENS, environ={})
    book = TokenBook(config.api.tokens, ENV_ADMIN)
    assert book.find(READER).name == "dashboard"  # type: ignore[union-attr]
    assert book.find(ADMIN).name == "ops"  # type: ignore[union-attr]  (stored upper-case)
    assert book.find(ENV_ADMIN).name == "env:NOTIFIER_ADMIN_TOKEN"  # type: ignore[union-attr]
    assert book.find(token_hash(READER)) is None  # the hash itself is not a token
    assert book.find("") is None
    assert not TokenBook(())


def test_rate_limiter_refills_and_forgets_the_oldest_keys() -> None:
    now = [0.0]
    limiter = RateLimiter(2.0, 2, clock=lambda: now[0], max_keys=100)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.5]
    now[0] = 0.25  # half a request refilled; a refused request costs nothing
    assert limiter.take("a") == pytest.approx(0.25)
    now[0] = 0.5
    assert limiter.take("a") == 0.0
    now[0] = 10.0  # refilled up to the burst, not beyond
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.5]
    # A flood from many addresses keeps at most max_keys buckets.
    for i in range(100_000):
        limiter.take(f"addr:{i}")
    assert len(limiter) == 100


# --- the OpenAPI registry as a newcomer extends it ------------------------------------------


def test_a_documented_write_route_appears_with_its_body_and_admin_scope() -> None:
    from openapi_spec_validator import validate
    from pydantic import BaseModel, Field

    from notifier.web.api_models import LevelsResponse
    from notifier.web.openapi import add_openapi_route, documented, openapi_document

    class Silence(BaseModel):
        area: str = Field(description="Area id to mute.")
        until: str

    @documented(response=LevelsResponse, body=Silence, status=201)
    async def api_silence(request: web.Request) -> web.Response:
        """Mute an area.

        Until the given time."""
        return web.json_response({"levels": []}, status=201)

    app = web.Application()
    add_openapi_route(app)
    app.router.add_post("/api/silences", api_silence)
    doc = openapi_document(app)
    validate(doc)
    op = doc["paths"]["/api/silences"]["post"]
    assert (op["summary"], op["description"], op["x-scope"]) == (
        "Mute an area.",
        "Until the given time.",
        "admin",
    )
    assert op["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Silence"
    }
    assert doc["components"]["schemas"]["Silence"]["required"] == ["area", "until"]
    assert set(op["responses"]) == {"201", "400", "401", "403", "422", "429"}


def test_an_undocumented_api_route_is_named() -> None:
    from notifier.web.openapi import openapi_document

    async def api_secret(request: web.Request) -> web.Response:
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/api/secret", api_secret)
    app.router.add_get("/not-api", api_secret)  # outside /api nothing is required
    with pytest.raises(LookupError, match=r"^GET /api/secret has no @documented contract$"):
        openapi_document(app)


async def test_a_failing_handler_answers_a_json_500_without_details(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from notifier.web.auth import GUARD, ApiGuard, api_middleware

    async def api_boom(request: web.Request) -> web.Response:
        raise RuntimeError("password=hunter2 in a stack trace")

    config = parse_config("", environ={})
    app = web.Application(middlewares=[api_middleware])
    app[GUARD] = ApiGuard(lambda: config, {})
    app.router.add_get("/api/boom", api_boom)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        status, body, _ = await call("GET", f"http://127.0.0.1:{runner.addresses[0][1]}/api/boom")
    finally:
        await runner.cleanup()
    assert (status, body) == (
        500,
        {
            "error": {
                "code": "internal_server_error",
                "message": "internal error; the service's log has the details",
            }
        },
    )
    assert "hunter2" in caplog.text  # for the operator, in the log
