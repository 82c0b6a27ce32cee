"""Reloading the configuration of a running service: valid files swap in, invalid ones don't."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from notifier import metrics
from notifier.config import load_config
from notifier.model import AreaRef, ChannelKind, Event, Severity, Transition, TransitionKind
from notifier.service import Service
from notifier.sources.parse import parse_bytes
from tests.fakes.twilio_api import FakeTwilioApi
from tests.test_store import T0

ROOT = Path(__file__).resolve().parents[1]

BASE = f"""
data_dir: {{data}}
server: {{{{port: 8081}}}}
catalog: {{{{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}}}
subscribers:
  - {{{{id: first, phone: "+77771234567", areas: [KZ]}}}}
"""


def write(file: Path, text: str, *, now: bool = False) -> None:
    file.write_text(text)
    if now:
        return
    # Make the change visible to the fingerprint even within one mtime tick.
    st = file.stat()
    os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def nationwide() -> Event:
    t = Transition(
        kind=TransitionKind.ISSUED,
        scheme="kz",
        area=AreaRef("KZ", "Kazakhstan"),
        at=T0,
        level="red",
        severity=Severity.EXTREME,
    )
    return Event.from_transition(t, T0)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    file = tmp_path / "notifier.yaml"
    file.write_text(BASE.format(data=tmp_path / "data"))
    return file


@pytest.fixture
async def service(config_file: Path) -> AsyncIterator[Service]:
    """A running service that watches `config_file`."""
    config = load_config(config_file, environ={})
    running = Service(
        config,
        echo=lambda _: None,
        start_scheduler=False,
        config_file=config_file,
        reload_settle_s=0.05,
    )
    async with running:
        yield running


async def test_a_valid_change_swaps_in_and_an_invalid_one_is_refused(
    service: Service, config_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert await service.reload_if_changed() is False  # nothing changed yet
    write(
        config_file,
        BASE.format(data=tmp_path / "data")
        + '  - {id: second, phone: "+77012345678", areas: [KZ-AKT], language: ru}\n',
    )
    assert await service.reload_if_changed() is True
    assert [f.id for f, _ in service.followers.router.route(nationwide())] == ["first", "second"]

    caplog.set_level(logging.ERROR, logger="notifier")
    write(config_file, BASE.format(data=tmp_path / "data") + "  - {id: third}\n")
    assert await service.reload_if_changed() is False
    assert (
        "configuration reload refused, the running one stays: "
        "subscribers[1].areas (line 7, column 5): Field required; "
        "subscribers[1].phone (line 7, column 5): Field required"
    ) in caplog.text
    assert [s.id for s in service.config.subscribers] == ["first", "second"]


async def test_server_and_storage_changes_wait_for_a_restart(
    service: Service, config_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="notifier")
    write(config_file, BASE.format(data=tmp_path / "data").replace("8081", "9099"))
    assert await service.reload_if_changed() is True
    assert service.config.server.port == 8081
    assert "configuration: server changed; it takes effect after a restart" in caplog.text


async def test_unknown_area_in_a_reload_is_refused(
    service: Service, config_file: Path, tmp_path: Path
) -> None:
    write(config_file, BASE.format(data=tmp_path / "data").replace("[KZ]", "[KZ-NOWHERE]"))
    assert await service.reload_if_changed() is False
    assert service.config.subscribers[0].areas == ["KZ"]


async def test_outbox_settings_take_effect_on_reload(
    service: Service, config_file: Path, tmp_path: Path
) -> None:
    # The README promises outbox settings swap in at once; only the retry policy used to.
    write(
        config_file,
        BASE.format(data=tmp_path / "data")
        + "outbox: {concurrency: 2, per_endpoint: 1, lease_s: 30, max_attempts: 3}\n",
    )
    assert await service.reload_if_changed() is True
    outbox = service.outbox
    assert (outbox.concurrency, outbox.per_endpoint, outbox.lease_s) == (2, 1, 30.0)
    assert outbox.heartbeat_s == 10.0
    assert outbox.policy.max_attempts == 3


async def test_a_reload_that_drops_a_level_in_force_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    from notifier.sources.parse import parse_bytes

    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "config" / "schemes", catalog / "schemes")
    shutil.copytree(ROOT / "config" / "areas", catalog / "areas")
    file = tmp_path / "notifier.yaml"
    text = BASE.format(data=tmp_path / "data").replace(
        str(ROOT / "config" / "schemes"), str(catalog / "schemes")
    )
    text = text.replace(str(ROOT / "config" / "areas"), str(catalog / "areas"))
    file.write_text(text)
    config = load_config(file, environ={})
    async with Service(
        config, echo=lambda _: None, start_scheduler=False, config_file=file, reload_settle_s=0.05
    ) as svc:
        seed = (ROOT / "seeds" / "000_2b99838c51a8518c.txt").read_bytes()
        [doc] = parse_bytes(seed, source_id="s", name="seed")
        await svc.ingest(doc)
        (catalog / "schemes" / "kz.yaml").unlink()
        caplog.set_level(logging.ERROR, logger="notifier")
        assert await svc.reload_if_changed() is False
        assert "scheme 'kz' is gone but KZ-AKT-AKTOBE is at its level" in caplog.text
        assert "kz" in svc.catalog.schemes


# --- reloads that cannot lose followers ---------------------------------------------------------

SEED = ROOT / "seeds" / "000_2b99838c51a8518c.txt"  # Aktobe at red: every KZ follower hears it


def reload_metric(outcome: str) -> float:
    value = metrics.CONFIG_RELOADS.labels(outcome)._value.get()
    return float(value)


@pytest.mark.parametrize("text", ["", "\n  \n", "# everything commented out\n# sources: []\n"])
async def test_an_empty_file_is_refused_and_the_refusal_shows(
    service: Service, config_file: Path, text: str
) -> None:
    refused_before = reload_metric("refused")
    write(config_file, text)
    assert await service.reload_if_changed() is False
    assert [s.id for s in service.config.subscribers] == ["first"]
    last = service.last_reload
    assert last is not None and not last.ok and last.trigger == "file change"
    assert last.errors == ("the file is empty (or only comments)",)
    assert reload_metric("refused") == refused_before + 1
    assert metrics.CONFIG_LAST_RELOAD_OK._value.get() == 0
    [degraded] = service.reloader.degradations()
    assert degraded.endswith(
        "(file change); the previous configuration runs: the file is empty (or only comments)"
    )


TWILIO = """twilio:
  account_sid: AC00000000000000000000000000000000
  auth_token: fake-auth-token
  from: "+15005550006"
  base_url: http://127.0.0.1:9
"""
SOURCE = "sources:\n  - {{id: inbox, type: dir, path: {inbox}}}\n"


@pytest.fixture
async def full(tmp_path: Path) -> AsyncIterator[tuple[Service, Path, str]]:
    """A running service with one source, one subscriber, one webhook and Twilio credentials."""
    (tmp_path / "inbox").mkdir()
    text = (
        BASE.format(data=tmp_path / "data")
        + "webhooks:\n  - {id: hook, url: 'https://x.example/h', areas: [KZ], "
        + "secret: whsec_PXnfEUHYY4coxTWm/udnPUK/7TVJYodAuOssgxKbfPg=}\n"
        + SOURCE.format(inbox=tmp_path / "inbox")
        + TWILIO
    )
    file = tmp_path / "notifier.yaml"
    file.write_text(text)
    config = load_config(file, environ={})
    svc = Service(
        config, echo=lambda _: None, start_scheduler=False, config_file=file, reload_settle_s=0.05
    )
    async with svc:
        yield svc, file, text


async def test_dropping_every_source_follower_or_twilio_is_refused_unless_explicit(
    full: tuple[Service, Path, str], tmp_path: Path
) -> None:
    service, file, _ = full
    base = BASE.format(data=tmp_path / "data")
    source = SOURCE.format(inbox=tmp_path / "inbox")
    # Everything after the subscribers is gone, as when the file is cut short.
    write(file, base)
    assert await service.reload_if_changed() is False
    assert service.last_reload is not None
    assert service.last_reload.errors == (
        "sources: the file has no sources but 1 are running; to remove them all write "
        "`sources: []` and `allow_empty: [sources]`",
        "twilio: the file has no Twilio credentials but they are in use (SMS would switch to "
        "dry-run and print messages instead of sending them); to mean it write `twilio: {}` "
        "and `allow_empty: [twilio]`",
    )
    write(file, "data_dir: " + str(tmp_path / "data") + "\n" + source + TWILIO)
    assert await service.reload_if_changed() is False
    assert service.last_reload.errors == (
        "subscribers, webhooks: the file has no followers but 2 are configured; to remove "
        "them all write `subscribers: []`, `webhooks: []` and `allow_empty: [followers]`",
    )
    # allow_empty without writing the part out is not enough: a cut file may keep the first line.
    write(file, "allow_empty: [sources]\n" + base + TWILIO)
    assert await service.reload_if_changed() is False
    assert service.last_reload.errors[0].startswith("sources: the file has no sources")
    assert [s.id for s in service.config.sources] == ["inbox"]
    assert not service.config.twilio.dry_run

    # Written out and allowed: each one goes through.
    write(file, "allow_empty: [sources]\nsources: []\n" + base + TWILIO)
    assert await service.reload_if_changed() is True
    assert service.config.sources == []
    assert service.reloader.degradations() == []
    write(
        file,
        "allow_empty: [sources, followers, twilio]\nsources: []\nsubscribers: []\n"
        "webhooks: []\ntwilio: {}\n" + base.split("subscribers:")[0],
    )
    assert await service.reload_if_changed() is True
    assert (service.config.subscribers, service.config.webhooks) == ([], [])
    assert service.config.twilio.dry_run and service.channels[ChannelKind.TWILIO_SMS].dry_run
    assert service.last_reload is not None and service.last_reload.ok


async def test_a_reload_is_all_or_nothing_and_keeps_unchanged_source_jobs(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "templates").mkdir()
    file = tmp_path / "notifier.yaml"
    sources = (
        "sources:\n"
        f"  - {{id: a, type: dir, path: {tmp_path / 'a'}, interval_s: 3600, jitter_s: 0}}\n"
        f"  - {{id: b, type: dir, path: {tmp_path / 'b'}, interval_s: 3600, jitter_s: 0}}\n"
    )
    text = BASE.format(data=tmp_path / "data") + sources
    file.write_text(text)
    config = load_config(file, environ={})
    async with Service(
        config, echo=lambda _: None, config_file=file, reload_settle_s=0.05
    ) as service:
        service.scheduler.pause()  # the jobs are what is checked here, not the polls
        jobs = {j.id: j.next_run_time for j in service.scheduler.get_jobs()}
        assert {"source:a", "source:b"} <= set(jobs)
        # A template that cannot compile is found before anything is touched.
        (tmp_path / "templates" / "sms.en.j2").write_text("{{ broken")
        write(
            file,
            text.replace(
                "interval_s: 3600, jitter_s: 0}\n  - {id: b", "interval_s: 60}\n  - {id: b"
            )
            + f"templates: {{dir: {tmp_path / 'templates'}}}\n",
        )
        assert await service.reload_if_changed() is False
        assert service.last_reload is not None and not service.last_reload.ok
        assert "sms.en.j2" in service.last_reload.errors[0]
        assert {j.id: j.next_run_time for j in service.scheduler.get_jobs()} == jobs
        assert service.config.sources[0].interval_s == 3600

        # A valid change replaces the changed source's job only.
        write(
            file,
            text.replace(
                "interval_s: 3600, jitter_s: 0}\n  - {id: b", "interval_s: 60}\n  - {id: b"
            ),
        )
        assert await service.reload_if_changed() is True
        after = {j.id: j for j in service.scheduler.get_jobs()}
        assert after["source:b"].next_run_time == jobs["source:b"]
        assert after["source:a"].trigger.interval.total_seconds() == 60
        assert after["source:a"].args[0].interval_s == 60


async def test_a_half_written_file_during_an_alert_loses_nothing(tmp_path: Path) -> None:
    phones = [f"+7701{n:07d}" for n in range(1, 41)]
    subscribers = "".join(
        f'  - {{id: s{i:02d}, phone: "{p}", areas: [KZ]}}\n' for i, p in enumerate(phones)
    )
    async with FakeTwilioApi() as twilio:
        full = (
            f"data_dir: {tmp_path / 'data'}\n"
            f"catalog: {{schemes: {ROOT / 'config' / 'schemes'}, areas: {ROOT / 'config' / 'areas'}}}\n"
            "levels: {flap_window_s: 0}\n"
            "outbox: {retry_schedule_s: [60], jitter_ratio: 0}\n"
            f"subscribers:\n{subscribers}"
            f"twilio:\n  account_sid: {twilio.account_sid}\n  auth_token: {twilio.auth_token}\n"
            f'  from: "+15005550006"\n  base_url: {twilio.base_url}\n  max_per_s: 200\n'
        )
        file = tmp_path / "notifier.yaml"
        file.write_text(full)
        config = load_config(file, environ={})
        async with Service(
            config,
            echo=lambda _: None,
            start_scheduler=False,
            config_file=file,
            reload_settle_s=0.3,
        ) as service:
            # An editor writes half the file in place, and the rest a moment later.
            with file.open("w") as handle:
                handle.write(full[: len(full) // 2])
            looking = asyncio.create_task(service.reload_if_changed())
            await asyncio.sleep(0.1)
            with file.open("a") as handle:
                handle.write(full[len(full) // 2 :])
            assert await looking is False  # it changed between the two looks: not read
            assert service.last_reload is None

            # Cut mid-line and left so for longer than the two looks: still not read, because
            # a file that ends mid-line must be 10 s old first.
            middle = full.index("  - {id: s30") + 7
            with file.open("w") as handle:
                handle.write(full[:middle])
            await asyncio.sleep(0.4)
            assert await service.reload_if_changed() is False
            assert service.last_reload is None
            assert len(service.config.subscribers) == 40

            # Cut at a line and left so: it parses, but the Twilio section is missing.
            write(file, full[: full.index("  - {id: s20")])
            assert await service.reload_if_changed() is False
            assert service.last_reload is not None
            assert service.last_reload.errors[0].startswith("twilio: the file has no Twilio")

            # The alert arrives while the file is still half there.
            [doc] = parse_bytes(SEED.read_bytes(), source_id="news", name="aktobe")
            assert await service.ingest(doc) == 40

            write(file, full)
            assert await service.reload_if_changed() is True
            assert not service.channels[ChannelKind.TWILIO_SMS].dry_run
            await service.outbox.drain(10)
        assert sorted(m["to"] for m in twilio.messages) == phones


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_sighup_reloads_at_once_and_a_refusal_shows_in_readyz(tmp_path: Path) -> None:
    file = tmp_path / "notifier.yaml"
    text = BASE.format(data=tmp_path / "data")
    file.write_text(text)
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "notifier.cli",
        "run",
        "--config",
        str(file),
        "--port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"

    async def get(path: str) -> dict:
        async with aiohttp.ClientSession() as s, s.get(base + path) as r:
            return await r.json()

    async def wait_for(check, timeout_s: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                result = await check()
                if result:
                    return result
            except aiohttp.ClientError:
                pass
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.1)

    async def areas() -> list[list[str]]:
        return [s["areas"] for s in (await get("/api/subscribers"))["subscribers"]]

    try:

        async def ready() -> bool:
            return bool((await get("/readyz"))["ready"])

        await wait_for(ready)
        assert await areas() == [["KZ"]]
        # Same size, old mtime: the periodic check cannot see this change; only SIGHUP can.
        st = file.stat()
        file.write_text(text.replace("areas: [KZ]", "areas: [RU]"))
        os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns))
        await asyncio.sleep(3)  # longer than the periodic check's 2 s
        assert await areas() == [["KZ"]]
        proc.send_signal(signal.SIGHUP)

        async def reloaded() -> bool:
            return await areas() == [["RU"]]

        await wait_for(reloaded, 5)

        st = file.stat()
        file.write_text(" " * (len(text) - 1) + "\n")  # empty, same size: only SIGHUP sees it
        os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns))
        proc.send_signal(signal.SIGHUP)

        async def degraded() -> dict:
            body = await get("/readyz")
            return body if body["degraded"] else {}

        body = await wait_for(degraded, 5)
        assert body["ready"] is True
        [line] = body["degraded"]
        assert "(SIGHUP); the previous configuration runs: the file is empty" in line
        assert await areas() == [["RU"]]
        async with aiohttp.ClientSession() as s, s.get(base + "/metrics") as r:
            exposition = await r.text()
        assert 'notifier_config_reload_total{outcome="ok"} 1.0' in exposition
        assert 'notifier_config_reload_total{outcome="refused"} 1.0' in exposition
        assert "notifier_config_last_reload_ok 0.0" in exposition
        async with aiohttp.ClientSession() as s, s.get(base + "/") as r:
            page = await r.text()
        assert "was refused; the previous configuration runs." in page
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output = (await asyncio.wait_for(proc.communicate(), 15))[0].decode()
        except TimeoutError:
            proc.kill()
            output = (await proc.communicate())[0].decode()
    assert proc.returncode == 0, output
    assert "configuration reloaded (SIGHUP)" in output


async def test_a_file_ending_mid_line_is_read_once_it_is_old_enough(
    service: Service, config_file: Path, tmp_path: Path
) -> None:
    service.reloader.unterminated_s = 0.5
    text = (
        BASE.format(data=tmp_path / "data") + '  - {id: second, phone: "+77012345678", areas: [KZ]}'
    )
    write(config_file, text, now=True)  # no final newline, as some editors save
    assert await service.reload_if_changed() is False
    assert service.last_reload is None
    await asyncio.sleep(0.5)
    assert await service.reload_if_changed() is True
    assert [s.id for s in service.config.subscribers] == ["first", "second"]


async def test_a_large_reload_does_not_stall_the_event_loop(
    service: Service, config_file: Path, tmp_path: Path
) -> None:
    many = "".join(
        f'  - {{id: m{i}, phone: "+7701{i:07d}", areas: [KZ]}}\n' for i in range(1, 3001)
    )
    write(config_file, BASE.format(data=tmp_path / "data") + many)
    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beating = asyncio.create_task(heartbeat())
    started = time.perf_counter()
    try:
        assert await service.reload_if_changed() is True
    finally:
        beating.cancel()
    took = time.perf_counter() - started
    assert len(service.config.subscribers) == 3001
    # Parsing and validating 3001 followers takes seconds; on the loop, one gap would be about
    # that long. In a thread the loop keeps turning (GIL hand-overs and GC cost a little).
    assert took > 0.5
    assert max(gaps) < min(1.0, took / 3), (took, max(gaps))


async def test_a_deleted_file_is_reported_once_and_its_return_reloads(
    service: Service, config_file: Path, tmp_path: Path
) -> None:
    refused_before = reload_metric("refused")
    os.unlink(config_file)
    assert await service.reload_if_changed() is False
    assert service.last_reload is not None
    assert service.last_reload.errors == (f"config file not found: {config_file}",)
    assert await service.reload_if_changed() is False  # nothing new to say
    assert reload_metric("refused") == refused_before + 1
    assert [s.id for s in service.config.subscribers] == ["first"]
    write(config_file, BASE.format(data=tmp_path / "data"))
    assert await service.reload_if_changed() is True
    assert service.reloader.degradations() == []
