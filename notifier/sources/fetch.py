"""HTTP fetching for sources: one shared `aiohttp.ClientSession`, bounded in time and bytes.

`fetch_http` sends a conditional GET (If-None-Match / If-Modified-Since), accepts gzip,
follows at most `max_redirects` redirects (the source's own headers only to its origin), gives up after `timeout_s` for the whole request,
and streams the body, refusing it as soon as it passes `max_bytes` (a `Content-Length` over
the cap is refused before reading). A 304 is `not_modified` with an empty body. Every
failure is a `SourceError` with one clear line.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from yarl import URL

from notifier import __version__
from notifier.errors import SourceError
from notifier.netguard import mask_url, mask_urls_in

USER_AGENT = f"notifier/{__version__} (+https://github.com/notifier)"
CHUNK_BYTES = 64 * 1024
ACCEPT = (
    "application/cap+xml, application/atom+xml, application/rss+xml, application/geo+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class FetchResult:
    status: int
    body: bytes
    url: str  # after redirects
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class BodyTooLarge(SourceError):
    """The body passed the byte cap; the rest was never read."""


async def fetch_http(
    session: aiohttp.ClientSession,
    url: str,
    *,
    timeout_s: float,
    max_bytes: int,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: dict[str, str] | None = None,
    max_redirects: int = 5,
) -> FetchResult:
    """GET `url` within the time and byte bounds; raise SourceError on any failure.

    Redirects are followed here, not by aiohttp, so that the source's own `headers` (API keys)
    are sent only to the origin of `url`: a hop to another scheme, host or port goes without
    them.
    """
    base_headers = {
        "User-Agent": USER_AGENT,
        "Accept": ACCEPT,
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        base_headers["If-None-Match"] = etag
    if last_modified:
        base_headers["If-Modified-Since"] = last_modified
    shown = mask_url(url)
    origin = _origin(URL(url))
    target = URL(url)
    try:
        async with asyncio.timeout(timeout_s):
            for hop in range(max_redirects + 1):
                same_origin = _origin(target) == origin
                request_headers = (
                    {**base_headers, **(headers or {})} if same_origin else base_headers
                )
                async with session.get(
                    target,
                    headers=request_headers,
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=timeout_s),
                ) as resp:
                    location = resp.headers.get("Location")
                    if resp.status in _REDIRECTS and location and max_redirects > 0:
                        if hop == max_redirects:
                            break
                        target = resp.url.join(URL(location))
                        if target.scheme not in ("http", "https"):
                            raise SourceError(
                                f"redirect to a {target.scheme or 'relative'} URL from {shown}"
                            )
                        continue
                    return await _result(resp, shown, max_bytes, etag, last_modified)
            raise SourceError(f"more than {max_redirects} redirects fetching {shown}")
    except TimeoutError:
        raise SourceError(f"timed out after {timeout_s:g} s fetching {shown}") from None
    except aiohttp.ClientError as exc:
        detail = mask_urls_in(f"{type(exc).__name__}: {exc}")
        raise SourceError(f"request to {shown} failed: {detail}") from None


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _origin(url: URL) -> tuple[str, str, int | None]:
    return (url.scheme, (url.host or "").lower(), url.explicit_port or url.port)


async def _result(
    resp: aiohttp.ClientResponse,
    shown: str,
    max_bytes: int,
    etag: str | None,
    last_modified: str | None,
) -> FetchResult:
    if resp.status == 304:
        return FetchResult(304, b"", str(resp.url), None, etag, last_modified)
    if resp.status >= 300:
        raise SourceError(f"HTTP {resp.status} {resp.reason or ''}".strip() + f" from {shown}")
    declared = resp.content_length
    if declared is not None and declared > max_bytes and not resp.headers.get("Content-Encoding"):
        raise BodyTooLarge(f"body of {declared} bytes is over the {max_bytes}-byte cap; not read")
    body = await _read_capped(resp, max_bytes)
    return FetchResult(
        resp.status,
        body,
        str(resp.url),
        resp.headers.get("Content-Type"),
        resp.headers.get("ETag"),
        resp.headers.get("Last-Modified"),
    )


async def _read_capped(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    async for chunk in resp.content.iter_chunked(CHUNK_BYTES):
        total += len(chunk)
        if total > max_bytes:
            resp.close()  # drop the connection rather than drain an endless body
            raise BodyTooLarge(
                f"body is over the {max_bytes}-byte cap; cut off after {total} bytes, not parsed"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def read_file_capped(path: Path, max_bytes: int) -> bytes:
    """A local file's bytes; SourceError if it is larger than `max_bytes` or unreadable."""
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise BodyTooLarge(f"file {path.name} is over the {max_bytes}-byte cap; not parsed")
    return data
