"""Who may call /api and how often: bearer tokens with scopes, the loopback policy, rate limits.

Tokens come from `api.tokens` (stored as SHA-256 hashes) and, for containers, from the
environment variable `NOTIFIER_ADMIN_TOKEN` (an admin token). A GET needs `read` (or `admin`),
anything else needs `admin`. With no token configured at all, a server bound to loopback keeps
its read API open and refuses writes; binding beyond loopback without a token refuses to start
(`check_exposure`). Paths outside /api (health, readiness, metrics, feed, status page, the
signed Twilio callbacks) and the OpenAPI document are open.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus

from aiohttp import web

from notifier.config import ApiConfig, ApiToken, Config, TokenScope
from notifier.errors import ConfigError

log = logging.getLogger(__name__)

ADMIN_TOKEN_ENV = "NOTIFIER_ADMIN_TOKEN"
ADMIN_TOKEN_NAME = "env:NOTIFIER_ADMIN_TOKEN"
MIN_TOKEN_CHARS = 16
# Longer than any token we make (`ntf_` + 43); a megabyte of header is not worth hashing.
MAX_TOKEN_CHARS = 512
TOKEN_PREFIX = "ntf_"
OPEN_API_PATHS = frozenset({"/api/openapi.json"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    """Who made a request: a token's name, or `loopback` for the open read API."""

    name: str
    scopes: frozenset[TokenScope]

    def may(self, needed: TokenScope) -> bool:
        return TokenScope.ADMIN in self.scopes or needed in self.scopes


def token_hash(token: str) -> str:
    """The form a token is stored in: lower-case hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (256 bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """True when `host` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve to anything


def admin_token_from(environ: Mapping[str, str]) -> str | None:
    value = environ.get(ADMIN_TOKEN_ENV, "").strip()
    return value or None


def check_exposure(config: Config, environ: Mapping[str, str]) -> None:
    """Refuse a configuration that would serve /api beyond this machine without a token."""
    admin = admin_token_from(environ)
    if admin is not None and len(admin) < MIN_TOKEN_CHARS:
        raise ConfigError(
            [
                f"{ADMIN_TOKEN_ENV} is {len(admin)} characters long; use at least "
                f"{MIN_TOKEN_CHARS} random ones (`notifier token new admin --scope admin` makes one)"
            ],
            "",
        )
    host = config.server.host
    if not is_loopback(host) and not config.api.tokens and admin is None:
        raise ConfigError(
            [
                f"server.host: {host} is reachable beyond this machine and no API token is "
                f"configured: set {ADMIN_TOKEN_ENV}, add api.tokens (`notifier token new NAME`), "
                "or listen on 127.0.0.1"
            ],
            "",
        )


class TokenBook:
    """The tokens that open /api, kept as hashes; a lookup compares every one in constant time."""

    def __init__(self, tokens: Sequence[ApiToken], admin_token: str | None = None) -> None:
        entries = [
            (token.sha256.encode(), Caller(token.name, frozenset(token.scopes))) for token in tokens
        ]
        if admin_token is not None:
            admin = Caller(ADMIN_TOKEN_NAME, frozenset({TokenScope.ADMIN}))
            entries.append((token_hash(admin_token).encode(), admin))
        self._entries = entries

    def __bool__(self) -> bool:
        return bool(self._entries)

    def find(self, token: str) -> Caller | None:
        digest = token_hash(token).encode()
        found = None
        for stored, caller in self._entries:
            # No early exit: the time taken does not tell how many tokens or which one matched.
            if hmac.compare_digest(stored, digest) and found is None:
                found = caller
        return found


class RateLimiter:
    """A token bucket per key (a token's name or a client address).

    At most `max_keys` buckets are kept (least recently used dropped), so a flood from many
    addresses costs bounded memory; a dropped key starts again with a full bucket.
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Spend one request of `key`: 0 when allowed, else the seconds until one is available."""
        now = self.clock()
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate_per_s)
        wait_s = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait_s = (1 - tokens) / self.rate_per_s
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait_s


def error_response(
    status: int, message: str, *, code: str | None = None, headers: Mapping[str, str] | None = None
) -> web.Response:
    """The API's error shape: `{"error": {"code", "message"}}`."""
    code = code or HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )


class ApiGuard:
    """Authenticates, authorises and rate-limits requests to /api.

    It reads the tokens and limits from `config()` at each request, so a reloaded
    configuration takes effect at once; the admin token is read from the environment once.
    """

    def __init__(
        self,
        config: Callable[[], Config],
        environ: Mapping[str, str],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._admin_token = admin_token_from(environ)
        self._clock = clock
        self._book_for: ApiConfig | None = None
        self._book = TokenBook(())
        self._limiter = RateLimiter(1, 1, clock=clock)
        self._limits: tuple[float, int] | None = None

    def _current(self) -> tuple[TokenBook, RateLimiter, bool]:
        config = self._config()
        api = config.api
        if api is not self._book_for:
            self._book = TokenBook(api.tokens, self._admin_token)
            self._book_for = api
        if self._limits != (api.rate_per_s, api.burst):
            self._limiter = RateLimiter(api.rate_per_s, api.burst, clock=self._clock)
            self._limits = (api.rate_per_s, api.burst)
        return self._book, self._limiter, is_loopback(config.server.host)

    def check(self, request: web.Request) -> Caller | web.Response:
        """The caller, or the error response to send instead."""
        book, limiter, loopback = self._current()
        header = request.headers.get("Authorization")
        caller: Caller | None = None
        problem = ""
        if header is not None:
            scheme, _, token = header.strip().partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                problem = "the Authorization header must be 'Bearer <token>'"
            elif len(token) > MAX_TOKEN_CHARS:
                problem = "unknown token"
            else:
                caller = book.find(token)
                problem = "" if caller else "unknown token"
        elif not book and loopback:
            caller = Caller("loopback", frozenset({TokenScope.READ}))
        else:
            problem = "this endpoint needs 'Authorization: Bearer <token>'"
        # A token's requests share its bucket wherever they come from; the rest (failed
        # attempts too, so guessing tokens is slow) count against the client's address.
        key = f"token:{caller.name}" if caller and header else f"addr:{request.remote}"
        wait_s = limiter.take(key)
        if wait_s > 0:
            retry_after = str(max(1, int(wait_s + 0.999)))
            return error_response(
                429,
                f"too many requests; try again in {retry_after} s",
                code="rate_limited",
                headers={"Retry-After": retry_after},
            )
        if caller is None:
            log.info(
                "api: %s %s refused for %s: %s",
                request.method,
                request.path,
                request.remote,
                problem,
            )
            return error_response(
                401,
                problem,
                code="unauthorized",
                headers={"WWW-Authenticate": 'Bearer realm="notifier"'},
            )
        needed = TokenScope.READ if request.method in READ_METHODS else TokenScope.ADMIN
        if not caller.may(needed):
            if caller.name == "loopback":
                message = (
                    "writes need an admin token and none is configured: set "
                    f"{ADMIN_TOKEN_ENV} or add api.tokens (`notifier token new NAME --scope admin`)"
                )
            else:
                message = f"token {caller.name!r} lacks the {needed.value!r} scope"
            return error_response(403, message, code="forbidden")
        return caller


GUARD: web.AppKey[ApiGuard] = web.AppKey("api_guard", ApiGuard)
CALLER: web.RequestKey[Caller] = web.RequestKey("caller", Caller)  # who a handler acts for

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Guard /api and answer its errors as JSON; every other path passes untouched."""
    # By path and by the route it resolved to: however a request spells its path, a handler
    # of /api never runs unguarded.
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else ""
    if not (
        request.path == "/api" or request.path.startswith("/api/") or canonical.startswith("/api/")
    ):
        return await handler(request)
    if request.path not in OPEN_API_PATHS or canonical not in OPEN_API_PATHS:
        outcome = request.app[GUARD].check(request)
        if isinstance(outcome, web.Response):
            return outcome
        request[CALLER] = outcome
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.text if exc.text and exc.content_type == "text/plain" else exc.reason
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
        return error_response(exc.status, message or exc.reason, headers=headers)
    except Exception:
        # The detail goes to the log, not to the caller.
        log.exception("api: %s %s failed", request.method, request.path)
        return error_response(500, "internal error; the service's log has the details")
