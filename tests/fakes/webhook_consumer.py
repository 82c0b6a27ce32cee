"""A webhook consumer: a real aiohttp server on 127.0.0.1 that verifies every request with the
`standardwebhooks` library and answers from a script.

    async with WebhookConsumer(secret, script=[500, 500, 200]) as c:
        ...  # POST to c.url
        c.attempts    # every request, verified or not, with the status it was answered
        c.deliveries  # verified requests answered 2xx: webhook_id, payload, headers
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

__all__ = ["Reply", "WebhookConsumer"]


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a status, extra headers, and a delay before answering."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    body: str = ""

    @classmethod
    def retry_after(cls, status: int, value: str | float) -> Reply:
        return cls(status, {"Retry-After": str(value)})

    @classmethod
    def redirect(cls, location: str, status: int = 307) -> Reply:
        return cls(status, {"Location": location})


class WebhookConsumer:
    """Verifies Standard Webhooks signatures (401 on failure, script not consumed) and answers
    verified requests from `script` in order, then with `default`."""

    def __init__(
        self,
        secret: str,
        script: Iterable[int | Reply] = (),
        *,
        default: int | Reply = 200,
        path: str = "/hook",
    ) -> None:
        self.secret = secret
        self._webhook = Webhook(secret)
        self._script: deque[Reply] = deque(_reply(r) for r in script)
        self.default = _reply(default)
        self.path = path
        self.attempts: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.other_hits: list[str] = []  # requests to any other path (e.g. a redirect target)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def script(self, *replies: int | Reply) -> None:
        """Append answers to the script."""
        self._script.extend(_reply(r) for r in replies)

    @property
    def webhook_ids(self) -> list[str | None]:
        return [a["webhook_id"] for a in self.attempts]

    async def start(self) -> WebhookConsumer:
        app = web.Application()
        app.router.add_post(self.path, self._receive)
        app.router.add_route("*", "/{tail:.*}", self._elsewhere)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> WebhookConsumer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _elsewhere(self, request: web.Request) -> web.Response:
        self.other_hits.append(request.path)
        return web.Response(status=200, text="not the webhook path")

    async def _receive(self, request: web.Request) -> web.StreamResponse:
        body = await request.text()
        headers = dict(request.headers)
        attempt: dict[str, Any] = {
            "webhook_id": request.headers.get("webhook-id"),
            "timestamp": request.headers.get("webhook-timestamp"),
            "headers": headers,
            "body": body,
            "verified": False,
            "error": "",
            "status": 401,
        }
        self.attempts.append(attempt)
        try:
            payload = self._webhook.verify(body, headers)
        except (WebhookVerificationError, ValueError) as exc:
            # A malformed signature header raises ValueError, not WebhookVerificationError.
            attempt["error"] = str(exc) or type(exc).__name__
            return web.json_response({"error": attempt["error"]}, status=401)
        attempt["verified"] = True
        reply = self._script.popleft() if self._script else self.default
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        attempt["status"] = reply.status
        if 200 <= reply.status < 300:
            self.deliveries.append(
                {
                    "webhook_id": attempt["webhook_id"],
                    "timestamp": attempt["timestamp"],
                    "payload": payload,
                    "headers": headers,
                }
            )
        return web.Response(status=reply.status, headers=reply.headers, text=reply.body)


def _reply(value: int | Reply) -> Reply:
    return value if isinstance(value, Reply) else Reply(value)
