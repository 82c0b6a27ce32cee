"""The poller against a real aiohttp server on 127.0.0.1 playing the fixtures: conditional GET,
gzip, slow, 500, endless and 100 MB bodies, redirect loops, hostile XML, CAP indexes, JSON,
HTML, local folders, backoff, and the global concurrency bound."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from notifier.config import (
    CapSource,
    DirSource,
    FeedSource,
    FileSource,
    GeoJsonSource,
    HtmlSource,
    JsonSource,
)
from notifier.sources import SourcePoller, SourceState

FIX = Path(__file__).parent / "fixtures"
MI5 = (FIX / "feeds/mi5_ukthreatlevel_rss_2024-03-05_uk_ni_substantial.xml").read_bytes()
NWS_INDEX = (FIX / "feeds/nws_atom_index_cap11_2017-09-02_vtec_from_other_office.xml").read_bytes()
IBM_CAP = (FIX / "cap/ibm_cap12_amber_alert_bilingual_en_es.xml").read_bytes()
GEOJSON = (FIX / "geojson/nws_alerts_alaska_2025-10-14.json").read_bytes()
CHALLENGE = (
    FIX / "feeds/mi5_ukthreatlevel_url_returned_cloudflare_challenge_html_2026-03.xml"
).read_bytes()
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b"<rss><channel><item><title>&lol2;</title></item></channel></rss>"
)
T0 = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)


@dataclass
class Recorder:
    user_agents: list[str] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    sent: dict[str, int] = field(default_factory=dict)
    cap_fetches: int = 0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def make_app(rec: Recorder) -> web.Application:
    async def feed(request: web.Request) -> web.Response:
        rec.user_agents.append(request.headers.get("User-Agent", ""))
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(body=MI5, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    async def gz(request: web.Request) -> web.Response:
        assert "gzip" in request.headers.get("Accept-Encoding", "")
        return web.Response(
            body=gzip.compress(NWS_INDEX),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/atom+xml"},
        )

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("s", "5")))
        return web.Response(body=MI5, content_type="application/rss+xml")

    async def hold(request: web.Request) -> web.Response:
        rec.in_flight += 1
        rec.max_in_flight = max(rec.max_in_flight, rec.in_flight)
        try:
            await asyncio.sleep(0.2)
        finally:
            rec.in_flight -= 1
        return web.Response(body=MI5, content_type="application/rss+xml")

    async def error(request: web.Request) -> web.Response:
        return web.Response(status=500, text="down")

    async def stream(request: web.Request, name: str, total: int | None) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await resp.prepare(request)
        chunk = (
            b"<item><title>filler</title><description>" + b"x" * 65_000 + b"</description></item>"
        )
        rec.sent[name] = 0
        await resp.write(b"<?xml version='1.0'?><rss version='2.0'><channel>")
        try:
            while total is None or rec.sent[name] < total:
                await resp.write(chunk)
                rec.sent[name] += len(chunk)
        except (ConnectionResetError, ConnectionError):
            pass
        return resp

    async def forever(request: web.Request) -> web.StreamResponse:
        return await stream(request, "forever", None)

    async def big(request: web.Request) -> web.StreamResponse:
        return await stream(request, "big", 100 * 1024 * 1024)

    async def big_declared(request: web.Request) -> web.Response:
        # aiohttp declares the Content-Length of a prepared body
        body = b"<rss/>" + b" " * (6 * 1024 * 1024)
        return web.Response(body=body, content_type="application/rss+xml")

    async def loop(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/loop/{n + 1}")

    async def evil(request: web.Request) -> web.Response:
        return web.Response(body=BILLION_LAUGHS, content_type="application/rss+xml")

    async def index(request: web.Request) -> web.Response:
        base = f"http://{request.host}"
        body = NWS_INDEX.replace(
            b"<link href='https://alerts.weather.gov/cap/wwacapget.php?x=AK125867734B60",
            f"<link href='{base}/cap/alert.xml?x=AK125867734B60".encode(),
        )
        return web.Response(body=body, content_type="application/atom+xml")

    async def cap(request: web.Request) -> web.Response:
        rec.cap_fetches += 1
        return web.Response(body=IBM_CAP, content_type="application/cap+xml")

    async def geojson(request: web.Request) -> web.Response:
        return web.Response(body=GEOJSON, content_type="application/geo+json")

    async def api(request: web.Request) -> web.Response:
        items = [
            {"uid": f"n{i}", "headline": f"Level {i}", "body": {"text": f"Text {i}"}}
            for i in range(3)
        ]
        return web.json_response({"result": {"items": items}})

    async def page(request: web.Request) -> web.Response:
        level = request.query.get("level", "yellow")
        html = (
            "<html><head><title>Levels</title></head><body><nav>Home | About</nav>"
            f"<div id='level'><p>The current level is {level}.</p></div><footer>(c)</footer></body></html>"
        )
        return web.Response(text=html, content_type="text/html")

    async def challenge(request: web.Request) -> web.Response:
        return web.Response(body=CHALLENGE, content_type="text/html", status=200)

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/gzip.atom", gz)
    app.router.add_get("/slow", slow)
    app.router.add_get("/hold", hold)
    app.router.add_get("/500", error)
    app.router.add_get("/forever", forever)
    app.router.add_get("/big", big)
    app.router.add_get("/big-declared", big_declared)
    app.router.add_get("/loop/{n}", loop)
    app.router.add_get("/evil.xml", evil)
    app.router.add_get("/index.atom", index)
    app.router.add_get("/cap/alert.xml", cap)
    app.router.add_get("/alerts", geojson)
    app.router.add_get("/api", api)
    app.router.add_get("/page", page)
    app.router.add_get("/challenge", challenge)
    return app


@dataclass
class Env:
    base: str
    rec: Recorder
    poller: SourcePoller
    clock: Clock
    session: aiohttp.ClientSession


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    rec = Recorder()
    runner = web.AppRunner(make_app(rec), shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    clock = Clock()
    async with aiohttp.ClientSession() as session:
        yield Env(
            f"http://127.0.0.1:{port}",
            rec,
            SourcePoller(session, clock=clock, rng=lambda: 0.5),
            clock,
            session,
        )
    await runner.cleanup()


def rss(env: Env, path: str, **kw: Any) -> FeedSource:
    source_id = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")
    return FeedSource.model_validate({"id": source_id, "type": "rss", "url": env.base + path, **kw})


async def test_rss_then_304_with_user_agent(env: Env) -> None:
    first = await env.poller.poll(rss(env, "/feed.xml"), SourceState())
    assert first.error is None
    assert [d.title for d in first.documents] == ["Current threat level: SUBSTANTIAL"]
    assert first.state.etag == '"v1"'
    assert first.state.last_success == T0
    assert first.state.next_poll == T0 + timedelta(seconds=300)
    second = await env.poller.poll(rss(env, "/feed.xml"), first.state)
    assert (second.not_modified, second.documents, second.error) == (True, [], None)
    assert env.rec.user_agents[0] == "notifier/0.1.0 (+https://github.com/notifier)"


async def test_gzip_atom_with_cap(env: Env) -> None:
    src = FeedSource.model_validate({"id": "nws", "type": "atom", "url": env.base + "/gzip.atom"})
    result = await env.poller.poll(src, SourceState())
    assert result.error is None
    [doc] = result.documents
    assert doc.cap is not None and doc.cap.infos[0].event == "Special Weather Statement"


async def test_slow_source_times_out(env: Env) -> None:
    started = time.monotonic()
    result = await env.poller.poll(rss(env, "/slow", timeout_s=0.3), SourceState())
    assert result.error == f"timed out after 0.3 s fetching {env.base}/slow"
    assert time.monotonic() - started < 2


async def test_500_backs_off_and_is_skipped_until_next_poll(env: Env) -> None:
    src = rss(env, "/500", interval_s=60, backoff_max_s=200)
    result = await env.poller.poll(src, SourceState())
    assert result.error == f"HTTP 500 Internal Server Error from {env.base}/500"
    assert result.state.consecutive_failures == 1
    assert result.state.next_poll == T0 + timedelta(seconds=60)
    env.clock.now = T0 + timedelta(seconds=59)
    skipped = await env.poller.poll(src, result.state)
    assert skipped.skipped and skipped.state.consecutive_failures == 1
    state = result.state
    delays = []
    for _ in range(3):
        env.clock.now = state.next_poll
        state = (await env.poller.poll(src, state)).state
        delays.append((state.next_poll - env.clock.now).total_seconds())
    assert delays == [120, 200, 200]
    assert state.consecutive_failures == 4


async def test_endless_body_is_cut_off(env: Env) -> None:
    started = time.monotonic()
    result = await env.poller.poll(rss(env, "/forever", max_bytes=256 * 1024), SourceState())
    assert result.error is not None
    assert result.error.startswith("body is over the 262144-byte cap; cut off after")
    assert result.error.endswith("not parsed")
    assert time.monotonic() - started < 5


async def test_100_mb_body_is_cut_off_at_the_default_cap(env: Env) -> None:
    started = time.monotonic()
    result = await env.poller.poll(rss(env, "/big"), SourceState())
    assert result.error is not None and "over the 5242880-byte cap" in result.error
    assert time.monotonic() - started < 10
    await asyncio.sleep(0.1)
    assert env.rec.sent["big"] < 50 * 1024 * 1024  # the server was stopped well before 100 MB


async def test_declared_length_over_cap_not_read(env: Env) -> None:
    result = await env.poller.poll(rss(env, "/big-declared"), SourceState())
    assert result.error == "body of 6291462 bytes is over the 5242880-byte cap; not read"


async def test_redirect_loop_limited(env: Env) -> None:
    result = await env.poller.poll(rss(env, "/loop/0", max_redirects=3), SourceState())
    assert result.error == f"more than 3 redirects fetching {env.base}/loop/0"


async def test_hostile_and_huge_sources_do_not_affect_others(env: Env) -> None:
    results = await env.poller.poll_many(
        [
            (rss(env, "/evil.xml"), SourceState()),
            (rss(env, "/big"), SourceState()),
            (rss(env, "/feed.xml"), SourceState()),
        ]
    )
    assert results[0].error is not None and "entity declarations are refused" in results[0].error
    assert results[1].error is not None and "cap" in results[1].error
    assert results[2].error is None and len(results[2].documents) == 1


async def test_html_challenge_instead_of_feed_is_an_error(env: Env) -> None:
    result = await env.poller.poll(rss(env, "/challenge"), SourceState())
    assert result.error == "expected an RSS/Atom feed, got an HTML page (title 'Just a moment...')"
    assert result.state.consecutive_failures == 1


async def test_cap_index_follows_links_once(env: Env) -> None:
    src = CapSource.model_validate({"id": "nws", "type": "cap", "url": env.base + "/index.atom"})
    first = await env.poller.poll(src, SourceState())
    assert first.error is None
    [doc] = first.documents
    assert doc.id == "KAR0-0306112239-SW" and doc.format == "cap"
    assert [i.language for i in doc.cap.infos] == ["en-US", "es-US"]
    second = await env.poller.poll(src, first.state)
    assert second.documents == []
    assert env.rec.cap_fetches == 1


async def test_cap_index_without_following(env: Env) -> None:
    src = CapSource.model_validate(
        {"id": "nws", "type": "cap", "url": env.base + "/index.atom", "follow_links": False}
    )
    [doc] = (await env.poller.poll(src, SourceState())).documents
    assert doc.format == "atom" and doc.cap.msg_type == "Alert"
    assert env.rec.cap_fetches == 0


async def test_geojson_source(env: Env) -> None:
    src = GeoJsonSource.model_validate(
        {"id": "nws", "type": "geojson", "url": env.base + "/alerts"}
    )
    result = await env.poller.poll(src, SourceState())
    assert [d.cap.msg_type for d in result.documents] == ["Alert", "Update"]


async def test_json_source_with_mapping(env: Env) -> None:
    src = JsonSource.model_validate(
        {
            "id": "api",
            "type": "json",
            "url": env.base + "/api",
            "language": "en",
            "fields": {
                "items": "result.items",
                "id": "uid",
                "title": "headline",
                "text": "body.text",
            },
        }
    )
    docs = (await env.poller.poll(src, SourceState())).documents
    assert [(d.id, d.title, d.text, d.language) for d in docs] == [
        ("n0", "Level 0", "Text 0", "en"),
        ("n1", "Level 1", "Text 1", "en"),
        ("n2", "Level 2", "Text 2", "en"),
    ]


async def test_html_source_change_in_main_text_is_a_new_version(env: Env) -> None:
    src = HtmlSource.model_validate(
        {"id": "page", "type": "html", "url": env.base + "/page", "selector": "#level"}
    )
    [a] = (await env.poller.poll(src, SourceState())).documents
    src2 = HtmlSource.model_validate(
        {"id": "page", "type": "html", "url": env.base + "/page?level=red", "selector": "#level"}
    )
    [b] = (await env.poller.poll(src2, SourceState())).documents
    assert a.text == "The current level is yellow."
    assert b.text == "The current level is red."
    assert a.content_hash != b.content_hash


async def test_slow_source_does_not_delay_others(env: Env) -> None:
    done: dict[str, float] = {}
    started = time.monotonic()

    async def timed(name: str, src: FeedSource) -> None:
        result = await env.poller.poll(src, SourceState())
        assert result.error is None
        done[name] = time.monotonic() - started

    await asyncio.gather(
        timed("slow", rss(env, "/slow?s=1.5")),
        timed("fast1", rss(env, "/feed.xml")),
        timed(
            "fast2",
            FeedSource.model_validate({"id": "f2", "type": "rss", "url": env.base + "/feed.xml"}),
        ),
    )
    assert done["slow"] >= 1.4
    assert done["fast1"] < 0.7 and done["fast2"] < 0.7


async def test_global_concurrency_bound(env: Env) -> None:
    poller = SourcePoller(env.session, clock=env.clock, rng=lambda: 0.5, concurrency=2)
    sources = [
        FeedSource.model_validate({"id": f"s{i}", "type": "rss", "url": env.base + "/hold"})
        for i in range(6)
    ]
    results = await poller.poll_many([(s, SourceState()) for s in sources])
    assert [r.error for r in results] == [None] * 6
    assert env.rec.max_in_flight == 2


# --- local folders and files ---------------------------------------------------------------------


async def test_dir_source_reads_new_and_changed_files_only(tmp_path: Path) -> None:
    for rel in (
        "cap/ipaws_athoc_cancel_no_info_2016-02-25.xml",
        "feeds/mi5_ukthreatlevel_rss_2024-03-05_uk_ni_substantial.xml",
        "text/kz_2016-07-18_almaty_red_declared_1220_astana_time_yk-news_ru.txt",
    ):
        (tmp_path / Path(rel).name).write_bytes((FIX / rel).read_bytes())
    (tmp_path / "evil.xml").write_bytes(BILLION_LAUGHS)
    (tmp_path / ".hidden.txt").write_text("ignored")
    poller = SourcePoller(None, clock=Clock())
    src = DirSource.model_validate({"id": "local", "type": "dir", "path": str(tmp_path)})
    first = await poller.poll(src, SourceState())
    assert first.error is None
    assert sorted(d.format for d in first.documents) == ["cap", "rss", "text"]
    assert [w.split(":")[0] for w in first.warnings] == ["evil.xml"]
    assert "entity declarations are refused" in first.warnings[0]
    assert sorted(first.state.files) == [
        "evil.xml",
        "ipaws_athoc_cancel_no_info_2016-02-25.xml",
        "kz_2016-07-18_almaty_red_declared_1220_astana_time_yk-news_ru.txt",
        "mi5_ukthreatlevel_rss_2024-03-05_uk_ni_substantial.xml",
    ]
    state = SourceState.from_json(json.loads(json.dumps(first.state.to_json())))
    second = await poller.poll(src, state)
    assert (second.documents, second.warnings) == ([], [])
    txt = tmp_path / "kz_2016-07-18_almaty_red_declared_1220_astana_time_yk-news_ru.txt"
    txt.write_text(txt.read_text() + "\nОбновлено.\n")
    os.utime(txt, ns=(time.time_ns(), time.time_ns() + 10**9))
    (tmp_path / "touched.txt").write_text("new file")
    third = await poller.poll(src, second.state)
    assert sorted(d.id for d in third.documents) == [
        "kz_2016-07-18_almaty_red_declared_1220_astana_time_yk-news_ru.txt",
        "touched.txt",
    ]


async def test_missing_dir_and_oversized_file(tmp_path: Path) -> None:
    poller = SourcePoller(None, clock=Clock(), rng=lambda: 0.5)
    missing = DirSource.model_validate({"id": "d", "type": "dir", "path": str(tmp_path / "nope")})
    result = await poller.poll(missing, SourceState())
    assert result.error == f"folder {tmp_path / 'nope'} does not exist or is not a folder"
    big = tmp_path / "big.xml"
    big.write_bytes(b"<rss>" + b" " * 2000 + b"</rss>")
    src = FileSource.model_validate(
        {"id": "f", "type": "file", "path": str(big), "max_bytes": 1000}
    )
    result = await poller.poll(src, SourceState())
    assert result.error == "file big.xml is over the 1000-byte cap; not parsed"
