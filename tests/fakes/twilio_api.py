"""A fake of Twilio's Messages API: a real aiohttp server on 127.0.0.1 the real twilio client
can be pointed at (`TwilioConfig.base_url = api.base_url`).

    async with FakeTwilioApi("AC" + "1" * 32, "secret") as api:
        api.fail("+15005550001", 21211)          # next send to that number: invalid number
        api.fail_always("+15005550009", 21610)   # opted out, every time
        ...
        api.messages  # every accepted message, a dict each
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import time
from collections import defaultdict, deque
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from notifier.dispatch.segments import count_segments

__all__ = ["TWILIO_ERRORS", "FakeTwilioApi"]

# code -> (HTTP status, message), worded as Twilio words them.
TWILIO_ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    20503: (503, "Service Unavailable"),
    21211: (400, "The 'To' number {to} is not a valid phone number."),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21611: (400, "This 'From' number has exceeded the maximum number of queued messages"),
    21614: (400, "'To' number is not a valid mobile number"),
}
# Plain HTTP statuses accepted by fail(): mapped to the Twilio code they come with.
_STATUS_CODES = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


def error_body(code: int, **fmt: str) -> tuple[int, dict[str, Any]]:
    status, message = TWILIO_ERRORS.get(code, (400, "Error {code}"))
    return status, {
        "code": code,
        "message": message.format(code=code, **{"to": "", **fmt}),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class FakeTwilioApi:
    """`POST /2010-04-01/Accounts/{sid}/Messages.json` with Basic auth, Twilio's error JSON,
    scripted failures per number, and signed status callbacks."""

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "fake-auth-token",
        *,
        delay_s: float = 0.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.delay_s = delay_s  # answer every request this late (to provoke client timeouts)
        self.messages: list[dict[str, Any]] = []  # accepted messages, in order
        self.requests: list[dict[str, Any]] = []  # every request: path, form, answered status
        self.callbacks: list[dict[str, Any]] = []  # status callbacks posted by us
        self._script: dict[str, deque[int]] = defaultdict(deque)
        self._always: dict[str, int] = {}
        self._sids = (f"SM{n:032x}" for n in itertools.count(1))
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""

    # --- scripting ----------------------------------------------------------------------------

    def fail(self, to: str, *codes: int) -> None:
        """The next sends to `to` fail with these Twilio codes (21211, 21610, 20429 …) or HTTP
        statuses (429, 500, 503), one per request; later sends succeed again."""
        self._script[to].extend(codes)

    def fail_always(self, to: str, code: int) -> None:
        """Every send to `to` fails with `code` (e.g. 21610 for an opted-out recipient)."""
        self._always[to] = code

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> FakeTwilioApi:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account_sid}/Messages.json", self._create)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession()
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTwilioApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    # --- the API ------------------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        seen = {"path": request.path, "form": form, "status": 0}
        self.requests.append(seen)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        response = self._answer(request, form)
        seen["status"] = response.status
        return response

    def _answer(self, request: web.Request, form: dict[str, str]) -> web.Response:
        if not self._authorized(request.headers.get("Authorization", "")):
            return self._error(20003)
        if request.match_info["account_sid"] != self.account_sid:
            return self._error(20404)
        to = form.get("To", "")
        if not to:
            return self._error(21604)
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return self._error(21603)
        if not form.get("Body") and not form.get("MediaUrl") and not form.get("ContentSid"):
            return self._error(21602)
        scripted = self._script.get(to)
        code = scripted.popleft() if scripted else self._always.get(to)
        if code is not None:
            return self._error(_STATUS_CODES.get(code, code), to=to)
        return self._accept(form)

    def _authorized(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return (user, password) == (self.account_sid, self.auth_token)

    def _error(self, code: int, **fmt: str) -> web.Response:
        status, body = error_body(code, **fmt)
        return web.json_response(body, status=status)

    def _accept(self, form: dict[str, str]) -> web.Response:
        sid = next(self._sids)
        now = format_datetime(datetime.now(UTC), usegmt=True)
        service = form.get("MessagingServiceSid")
        message = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": form.get("From"),
            "messaging_service_sid": service,
            "body": form.get("Body", ""),
            "status_callback": form.get("StatusCallback"),
            "validity_period": form.get("ValidityPeriod"),
            "num_segments": str(count_segments(form.get("Body", "")).segments),
            "form": form,
            "received": time.monotonic(),  # when it arrived here (rate-limit tests)
        }
        self.messages.append(message)
        resource = {
            **{
                k: v for k, v in message.items() if k not in {"form", "status_callback", "received"}
            },
            "status": "accepted" if service else "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "num_media": "0",
            "price": None,
            "price_unit": "USD",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {},
        }
        return web.json_response(resource, status=201)

    # --- status callbacks ---------------------------------------------------------------------

    def signature(self, url: str, params: dict[str, str]) -> str:
        """X-Twilio-Signature of a POST to `url` with `params` (Twilio's algorithm)."""
        return str(RequestValidator(self.auth_token).compute_signature(url, params))

    async def send_status_callback(
        self,
        sid: str,
        status: str,
        *,
        url: str | None = None,
        error_code: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> int:
        """POST a signed status callback for an accepted message (to its StatusCallback unless
        `url` is given); return the HTTP status the receiver answered."""
        message = next((m for m in self.messages if m["sid"] == sid), None)
        if message is None:
            raise KeyError(f"no accepted message {sid}")
        target = url or message["status_callback"]
        if not target:
            raise ValueError(f"message {sid} has no StatusCallback; pass url=")
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.account_sid,
            "From": message["from"] or "",
            "To": message["to"],
            "MessageStatus": status,
            "SmsStatus": status,
            "ApiVersion": "2010-04-01",
        }
        if message["messaging_service_sid"]:
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        params.update(extra or {})
        assert self._session is not None, "use FakeTwilioApi as an async context manager"
        headers = {"X-Twilio-Signature": self.signature(target, params)}
        async with self._session.post(target, data=params, headers=headers) as response:
            self.callbacks.append({"url": target, "params": params, "status": response.status})
            return response.status
