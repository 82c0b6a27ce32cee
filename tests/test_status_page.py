"""The status page: each section from real data, escaping of what documents carry, time zones,
and (in headless Chromium) a layout that fits a 390 px phone."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web

from notifier.config import parse_config
from notifier.errors import ConfigError
from notifier.extract import Catalog
from notifier.levels import LevelBook
from notifier.model import Action, Announcement, AreaRef, Severity
from notifier.service import ReloadOutcome, Service
from notifier.web.app import create_app
from notifier.web.status_page import (
    Banner,
    Change,
    EndpointProblem,
    HeldReport,
    Link,
    StatusPage,
    banners,
    effective_levels,
    format_time,
    recent_changes,
    render,
    safe_url,
)

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
START = datetime(2022, 1, 5, 8, 0, tzinfo=UTC)  # 14:00 in Almaty (+06 in 2022)

ORANGE_ALMATY = (
    "Orange terror threat level in Almaty\n\n"
    "An orange level of terrorist threat has been introduced in the city of Almaty, "
    "the Anti-Terrorism Center said on Thursday.\n"
)
LONG_SLUG = "a-red-level-of-terrorist-threat-was-introduced-throughout-the-country-" * 3
FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>KZ news</title><link>https://news.example.kz/</link>
<item><title>Red level across Kazakhstan</title>
<link>https://news.example.kz/{LONG_SLUG}?a=1&amp;b="2"</link><guid>red-1</guid>
<description>A red level of terrorist threat has been introduced throughout Kazakhstan, \
the Anti-Terrorism Center said on Wednesday.</description></item>
<item><title>Yellow in Atyrau</title><link>javascript:alert(1)</link><guid>yel-1</guid>
<description>A yellow level of terrorist threat has been introduced in Atyrau Region, \
the Anti-Terrorism Center said.</description></item>
</channel></rss>
"""
EVIL = (
    "Aktobe alert\n\n"
    'An orange level of terrorist threat <script>alert("x")</script> has been introduced '
    "in the city of Aktobe, officials said.\n"
)
DOUBTFUL = (
    "Aktobe\n\nA yellow level of terrorist threat has been introduced in the city of Aktobe, "
    "officials said.\n"
)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def site_config(
    tmp_path: Path, hook_url: str, *, timezone: str = "Asia/Almaty", database_url: str = ""
) -> str:
    """Four dir sources (official news, a media outlet, an official source that needs high
    confidence, one whose folder is missing) and a webhook endpoint that answers 410."""
    for name in ("inbox", "gossip", "doubtful"):
        (tmp_path / name).mkdir(exist_ok=True)
    return f"""
data_dir: {tmp_path / "data"}
storage: {{url: {database_url or "null"}}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: 0}}  # notices at once: these tests read the outbox right after ingest
server: {{timezone: {timezone}}}
sources:
  - {{id: inbox, type: dir, path: {tmp_path / "inbox"}, baseline: false, trust: official}}
  - {{id: gossip, type: dir, path: {tmp_path / "gossip"}, baseline: false, trust: media}}
  - {{id: doubtful, type: dir, path: {tmp_path / "doubtful"}, baseline: false,
      min_confidence: 0.99}}
  - {{id: broken, type: dir, path: {tmp_path / "nowhere"}, baseline: false}}
webhooks:
  - {{id: gone-endpoint, url: "{hook_url}", secret: "{SECRET}", areas: [KZ]}}
outbox: {{max_attempts: 1, retry_schedule_s: [60], jitter_ratio: 0}}
network: {{allow: ["127.0.0.0/8"]}}  # the gone endpoint is a local server
"""


async def fill(service: Service, clock: Clock, folder: Path) -> None:
    """Almaty orange first, an hour later a nationwide red (and Atyrau yellow), then a media
    report with markup, a doubtful one, and a poll of a source whose folder is missing."""
    sources = {s.id: s for s in service.config.sources}
    (folder / "inbox" / "almaty.txt").write_text(ORANGE_ALMATY)
    await service.poll_source(sources["inbox"])
    # Its 410 is recorded before the next event: two 410s recorded at once race in the store's
    # update-then-insert of subscriber_flags on PostgreSQL (a unique violation; reported).
    await settle_outbox(service)
    clock.now += timedelta(hours=1)
    (folder / "inbox" / "feed.xml").write_text(FEED)
    await service.poll_source(sources["inbox"])
    (folder / "gossip" / "evil.txt").write_text(EVIL)
    await service.poll_source(sources["gossip"])
    (folder / "doubtful" / "aktobe.txt").write_text(DOUBTFUL)
    await service.poll_source(sources["doubtful"])
    await service.poll_source(sources["broken"])
    await settle_outbox(service)


async def settle_outbox(service: Service) -> None:
    """Deliver what is due and wait until the results are recorded, which the outbox does in
    the background (drain() does not wait for that)."""
    await service.outbox.drain(5)
    for _ in range(100):
        if not (await service.store.delivery_counts()).get("claimed"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("outbox results not recorded within 5 s")


@dataclass
class Site:
    service: Service
    base: str
    clock: Clock
    gone: list[str]  # paths the endpoint that answers 410 was asked for
    folder: Path

    async def page(self) -> str:
        async with aiohttp.ClientSession() as s, s.get(self.base + "/") as r:
            assert r.status == 200
            assert r.content_type == "text/html"
            assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
            return await r.text()


@contextlib.asynccontextmanager
async def gone_endpoint() -> AsyncIterator[tuple[str, list[str]]]:
    """A webhook endpoint that is gone for good: every request gets 410."""
    asked: list[str] = []

    async def gone(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.Response(status=410, text="Gone")

    app = web.Application()
    app.router.add_post("/hook", gone)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", asked
    finally:
        await runner.cleanup()


@pytest.fixture
async def site(tmp_path: Path, database_url: str) -> AsyncIterator[Site]:
    async with gone_endpoint() as (hook_url, gone):
        text = site_config(tmp_path, hook_url, database_url=database_url)
        config = parse_config(text, environ={})
        clock = Clock()
        service = Service(config, clock=clock, echo=lambda _: None, start_scheduler=False)
        runner = web.AppRunner(create_app(service), access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        async with service:
            base = f"http://127.0.0.1:{runner.addresses[0][1]}"
            yield Site(service, base, clock, gone, tmp_path)
        await runner.cleanup()


def area_block(page: str, name: str) -> str:
    """The <li> of one area in the levels section."""
    blocks = [b for b in page.split('<li class="area ')[1:] if f'area-name">{name}<' in b]
    assert len(blocks) == 1, f"{len(blocks)} blocks for {name}"
    return blocks[0].split("</li>")[0]


def section(page: str, section_id: str) -> str:
    return page.split(f'<section id="{section_id}"')[1].split("</section>")[0]


RED = '<span class="badge sev-extreme">red<span class="badge-sub"> · extreme · 3 of 3</span></span>'


# --- over HTTP, from a running service ---------------------------------------------------------


async def test_an_empty_service_says_so_in_every_section(site: Site) -> None:
    page = await site.page()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "No level is in force anywhere." in page
    assert "No change yet." in section(page, "changes")
    assert "None." in section(page, "unconfirmed")
    assert "Nothing waiting." in section(page, "review")
    assert "None." in section(page, "dead")
    assert "Every subscriber and endpoint is receiving." in section(page, "endpoints")
    assert "All 4 sources are polling normally" in section(page, "sources")
    assert 'Updated <time datetime="2022-01-05T08:00:00+00:00">2022-01-05 14:00 +06</time>' in (
        page
    )
    assert "all times in Asia/Almaty" in page


async def test_levels_in_force_are_grouped_by_country_with_own_levels_noted(site: Site) -> None:
    await fill(site.service, site.clock, site.folder)
    page = await site.page()
    levels = section(page, "levels")
    assert levels.count('<article class="country">') == 1
    assert "<h3>Kazakhstan" in levels
    # Areas in tree order under the country: the nationwide level first.
    names = re.findall(r'area-name">([^<]+)<', levels)
    assert names == ["Kazakhstan", "Almaty", "Atyrau Region"]

    nationwide = area_block(levels, "Kazakhstan")
    assert "d0 sev-b-extreme" in nationwide
    assert 'Kazakhstan</span> <span class="scheme">(whole country)</span>' in nationwide
    assert "(whole country)" not in area_block(levels, "Almaty")
    assert f"{RED} <span>in force</span>" in nationwide
    assert 'Since <time datetime="2022-01-05T09:00:00+00:00">2022-01-05 15:00 +06</time>' in (
        nationwide
    )

    # Almaty's own orange is older than the nationwide red: red is in force, orange is noted.
    almaty = area_block(levels, "Almaty")
    assert "d1 sev-b-extreme" in almaty
    assert f"{RED} <span>in force</span>" in almaty
    assert "Inherited from <strong>Kazakhstan</strong>; own level " in almaty
    assert (
        '<span class="badge sev-severe">orange<span class="badge-sub"> · severe · 2 of 3'
        "</span></span> since "
        '<time datetime="2022-01-05T08:00:00+00:00">2022-01-05 14:00 +06</time>'
    ) in almaty
    # Atyrau's yellow came with the red in one document: the higher level is in force.
    atyrau = area_block(levels, "Atyrau Region")
    assert f"{RED} <span>in force</span>" in atyrau
    assert 'own level <span class="badge sev-moderate">yellow' in atyrau


async def test_changes_link_their_documents_only_over_http(site: Site) -> None:
    await fill(site.service, site.clock, site.folder)
    changes = section(await site.page(), "changes")
    rows = changes.split("<tr>")[2:]
    # Newest first. Atyrau's yellow changed nothing in force there (the red outranks it).
    assert [
        (re.findall(r'data-label="Area">([^<]+) <', r)[0], re.findall(r'"kind">(\w+)<', r)[0])
        for r in rows
    ] == [("Kazakhstan", "issued"), ("Almaty", "issued")]
    assert (
        f'<a href="https://news.example.kz/{LONG_SLUG}?a=1&amp;b=&#34;2&#34;" '
        'rel="noopener noreferrer nofollow">news.example.kz</a>'
    ) in changes
    assert "javascript:" not in changes
    assert "A red level of terrorist threat has been introduced throughout Kazakhstan" in changes


async def test_operator_lists_show_reports_review_dead_letters_endpoints_and_sources(
    site: Site,
) -> None:
    await fill(site.service, site.clock, site.folder)
    page = await site.page()

    held = section(page, "unconfirmed")
    [report] = await site.service.store.reports("unconfirmed")
    assert f"#{report.id}" in held
    # A folder source has no site: its id is the label, and the trust follows it.
    assert 'gossip</span> <span class="scheme">(media)</span>' in held
    assert "corroboration" in held
    # Markup in a document is text on the page, never markup.
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in held
    assert "<script" not in page
    assert "Unconfirmed (1)" in page

    review = section(page, "review")
    assert "Review (1)" in page
    assert '<td data-label="Confidence">0.92</td>' in review
    assert "A yellow level of terrorist threat has been introduced in the city of Aktobe" in review

    dead = section(page, "dead")
    deliveries = await site.service.store.deliveries(status="dead")
    assert len(deliveries) == len(site.gone) == 1  # then the endpoint was disabled
    assert f"Dead letters ({len(deliveries)})" in page
    assert all(d["id"] in dead for d in deliveries)
    assert '<td data-label="Subscriber">gone-endpoint</td>' in dead
    assert "410" in dead

    endpoints = section(page, "endpoints")
    assert '<td data-label="Subscriber">gone-endpoint</td>' in endpoints
    assert '<td data-label="State">blocked</td>' in endpoints
    assert "410" in endpoints

    sources = section(page, "sources")
    assert "1 of 4 sources are failing or have gone quiet" in sources
    assert "broken" in sources and "inbox" not in sources
    assert '<span class="kind">failing</span>' in sources
    assert '<td data-label="Failures">1</td>' in sources


async def test_dry_run_banner_only_without_twilio_credentials(tmp_path: Path) -> None:
    text = site_config(tmp_path, "http://127.0.0.1:9/hook")
    dry = Service(parse_config(text, environ={}), echo=lambda _: None, start_scheduler=False)
    assert [b.title for b in banners(dry.services.health)] == ["SMS dry-run"]
    live = parse_config(
        text + "twilio: {account_sid: AC123, auth_token: tok, from: '+15005550006'}\n",
        environ={},
    )
    assert banners(Service(live, echo=lambda _: None, start_scheduler=False).services.health) == []


# --- sections without a server -----------------------------------------------------------------


def announce(area: AreaRef, level: str | None, action: Action, at: datetime) -> Announcement:
    return Announcement(
        scheme="kz",
        area=area,
        level=level,
        severity=None,
        action=action,
        evidence=f"{action.value} {level} in {area.name}",
        confidence=1.0,
        published=at,
    )


def test_a_newer_own_level_is_in_force_under_an_older_nationwide_one(catalog: Catalog) -> None:
    book = LevelBook(catalog, catalog)
    kz, almaty, aktobe = (catalog.area(a) for a in ("KZ", "KZ-ALA", "KZ-AKT-AKTOBE"))
    assert kz and almaty and aktobe
    book.apply(announce(kz, "red", Action.SET, START), START)
    book.apply(announce(almaty, "orange", Action.SET, START + timedelta(hours=1)), START)
    book.apply(announce(aktobe, None, Action.LIFT, START + timedelta(hours=2)), START)
    [group] = effective_levels(catalog, book)
    assert group.country == kz and group.highest is Severity.EXTREME
    rows = {r.area.id: r for r in group.rows}
    assert list(rows) == ["KZ", "KZ-AKT-AKTOBE", "KZ-ALA"]
    # Almaty decided after the nationwide red: its own orange is what is in force there.
    assert rows["KZ-ALA"].in_force is not None and rows["KZ-ALA"].in_force.level == "orange"
    assert not rows["KZ-ALA"].inherited and not rows["KZ-ALA"].own_hidden
    # Aktobe's lift carved it out of the red: listed, with nothing in force.
    assert rows["KZ-AKT-AKTOBE"].in_force is None and rows["KZ-AKT-AKTOBE"].own is None
    assert rows["KZ-AKT-AKTOBE"].depth == 1
    page = render(empty_page(levels=(group,)))
    assert "Its own decision (a lift or an ended term)" in area_block(page, "Aktobe")


def test_countries_with_graver_levels_come_first(catalog: Catalog) -> None:
    book = LevelBook(catalog, catalog)
    ua, gb = catalog.area("UA"), catalog.area("GB")
    assert ua and gb
    book.apply(Announcement("uk", gb, "substantial", None, Action.SET, "substantial", 1.0), START)
    assert [g.country for g in effective_levels(catalog, book)] == [gb]
    book.apply(Announcement("ua", ua, "red", None, Action.SET, "red", 1.0), START)
    # Whatever the scheme, the gravest severity orders the countries.
    assert [(g.country, g.highest) for g in effective_levels(catalog, book)] == [
        (ua, Severity.EXTREME),
        (gb, Severity.MODERATE),
    ]


def empty_page(**parts: object) -> StatusPage:
    values: dict[str, object] = {
        "generated": START,
        "timezone": "UTC",
        "banners": (),
        "levels": (),
        "changes": (),
        "held": (),
        "review": (),
        "dead": (),
        "dead_total": 0,
        "endpoints": (),
        "sources": (),
        "sources_total": 0,
    }
    values.update(parts)
    return StatusPage(**values)  # type: ignore[arg-type]


HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_everything_from_documents_is_escaped_and_only_http_links_are_links() -> None:
    change = Change(
        at=START,
        kind="issued",
        area=HOSTILE,
        scheme="kz",
        level=HOSTILE,
        severity=Severity.SEVERE,
        previous_level=None,
        expires=None,
        evidence=HOSTILE,
        links=(
            Link(HOSTILE, "javascript:alert(1)"),
            Link("ok", 'https://example.org/a?b="c"&d=<e>'),
        ),
    )
    held = HeldReport(
        id=7,
        area="Aktobe",
        action="set",
        level="orange",
        severity=Severity.SEVERE,
        scheme="kz",
        source=HOSTILE,
        trust="media",
        needs="corroboration",
        reported_at=START,
        evidence=HOSTILE,
        link=Link("site", "data:text/html,<script>alert(1)</script>"),
    )
    page = render(
        empty_page(
            changes=(change,),
            held=(held,),
            banners=(Banner("warning", HOSTILE, HOSTILE),),
            endpoints=(EndpointProblem(HOSTILE, "blocked", HOSTILE),),
        )
    )
    assert "<script" not in page and "<img" not in page
    # Each of the ten places a hostile string went shows it as text: area, level, evidence and
    # link label of the change; source and evidence of the report; banner; endpoint.
    escaped = "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
    assert page.count(escaped) == 10
    assert 'href="javascript' not in page and 'href="data:' not in page
    assert '<a href="https://example.org/a?b=&#34;c&#34;&amp;d=&lt;e&gt;"' in page


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/x?y=1", "https://example.org/x?y=1"),
        ("HTTP://Example.org/", "HTTP://Example.org/"),
        ("javascript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("https://example.org/\nx", None),
        ("data:text/html,hi", None),
        ("//evil.example/", None),
        ("/relative/path", None),
        ("file:///etc/passwd", None),
        ("https://", None),
        ("https://[::1", None),  # urlsplit raises: unbalanced bracket
        ("https://example.org/" + "a" * 3000, None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_times_have_one_format_in_the_operators_zone() -> None:
    almaty = ZoneInfo("Asia/Almaty")
    assert format_time(START, almaty) == "2022-01-05 14:00 +06"
    assert format_time(START, ZoneInfo("UTC")) == "2022-01-05 08:00 UTC"
    assert format_time(START.replace(tzinfo=None), almaty) == "2022-01-05 14:00 +06"
    assert format_time(datetime(2022, 7, 1, 12, tzinfo=UTC), ZoneInfo("Europe/London")) == (
        "2022-07-01 13:00 BST"
    )
    # Far-future and far-past terms cannot move across the date line; they stay in UTC.
    assert format_time(datetime(9999, 12, 31, 23, 59, tzinfo=UTC), almaty) == (
        "9999-12-31 23:59 UTC"
    )
    assert format_time(datetime(1, 1, 1, tzinfo=UTC), ZoneInfo("America/New_York")) == (
        "0001-01-01 00:00 UTC"
    )
    assert format_time(None, almaty) == "—"


def test_event_rows_with_broken_fields_still_render() -> None:
    rows = [
        {"kind": "issued", "area_name": "A", "at": "not a date", "created": "2022-01-05T08:00:00",
         "severity": "apocalyptic", "sources": ["junk", {"url": "ftp://x"}], "evidence": "x" * 9000},
        {"kind": "lifted", "area_name": "B", "at": None, "source_id": "inbox",
         "document_id": "https://example.org/doc"},
    ]  # fmt: skip
    first, second = recent_changes(rows)
    assert first.at == START and first.severity is None
    assert first.links == (Link("?", None),)
    assert len(first.evidence) == 400 and first.evidence.endswith("…")
    assert second.links == (Link("inbox", "https://example.org/doc"),)
    assert "9999" not in render(empty_page(changes=(first, second)))


@pytest.mark.parametrize(
    ("zone", "error"),
    [
        ("Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("Europe", "unknown time zone 'Europe'"),
        ("../../etc/passwd", "unknown time zone '../../etc/passwd'"),
        ("x" * 64, "unknown time zone '" + "x" * 64 + "'"),
        ("x" * 65, "String should have at most 64 characters"),
    ],
)
def test_server_timezone_must_be_an_iana_name(zone: str, error: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(f"server: {{timezone: '{zone}'}}\n", environ={})
    [line] = info.value.errors
    assert line.startswith("server.timezone (line 1, column 10): ") and error in line, line
    assert parse_config("server: {timezone: Asia/Almaty}\n", environ={}).server.timezone == (
        "Asia/Almaty"
    )
    assert parse_config("", environ={}).server.timezone == "UTC"


def test_areas_outside_the_gazetteer_get_their_own_group_last(catalog: Catalog) -> None:
    book = LevelBook(catalog, catalog)
    kz = catalog.area("KZ")
    assert kz
    book.apply(Announcement("kz", kz, "yellow", None, Action.SET, "yellow", 1.0), START)
    raw = AreaRef("raw:Atlantis <b>", "Atlantis <b>")
    book.apply(Announcement("kz", raw, "red", None, Action.SET, "red", 1.0), START)
    groups = effective_levels(catalog, book)
    # The graver level comes first even when its area is unknown.
    assert [(g.country, [r.area for r in g.rows]) for g in groups] == [(None, [raw]), (kz, [kz])]
    page = render(empty_page(levels=tuple(groups)))
    assert "<h3>Areas not in the gazetteer" in page
    assert 'area-name">Atlantis &lt;b&gt;<' in page


async def test_a_refused_reload_is_a_banner_and_its_errors_are_listed(site: Site) -> None:
    assert "Running the configuration it started with; not reloaded since." in await site.page()
    site.service.reloader.last = ReloadOutcome(
        ok=False, at=START, trigger="SIGHUP", errors=("sources[0].url: <bad> url", "second")
    )
    page = await site.page()
    [banner] = [b for b in banners(site.service.services.health) if b.title == "Degraded"]
    assert "configuration reload refused at 2022-01-05T08:00:00+00:00 (SIGHUP)" in banner.text
    assert '<div class="banner banner-warning" role="alert"><strong>Degraded:</strong>' in page
    config = section(page, "configuration")
    assert "Last reload <time" in config and "(SIGHUP) was refused" in config
    assert "<li>sources[0].url: &lt;bad&gt; url</li>" in config and "<li>second</li>" in config
    site.service.reloader.last = ReloadOutcome(
        ok=True, at=START, trigger="file change", summary="3 sources"
    )
    page = await site.page()
    assert "Degraded" not in page
    assert "(file change): ok: 3 sources." in section(page, "configuration")
