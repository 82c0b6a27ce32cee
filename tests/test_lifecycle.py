"""`notifier run` serves nothing before the service has started (aiohttp cleanup_ctx)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from notifier.cli import _bound_socket
from notifier.config import parse_config
from notifier.service import Service
from notifier.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]


def _service(tmp_path: Path) -> Service:
    config = parse_config(
        f"""
data_dir: {tmp_path / "data"}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
""",
        environ={},
    )
    return Service(config, echo=lambda _: None, start_scheduler=False)


async def test_requests_wait_for_start_up_and_stop_follows_the_sites(tmp_path: Path) -> None:
    service = _service(tmp_path)
    events: list[str] = []
    release = asyncio.Event()
    real_start, real_stop = service.start, service.stop

    async def slow_start() -> None:
        await release.wait()
        await real_start()
        events.append("started")

    async def stop() -> None:
        events.append("stopping")
        await real_stop()

    service.start = slow_start  # type: ignore[method-assign]
    service.stop = stop  # type: ignore[method-assign]
    sock = _bound_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    runner = web.AppRunner(create_app(service, owns_service=True), access_log=None)
    setup = asyncio.create_task(runner.setup())
    async with aiohttp.ClientSession() as http:
        await asyncio.sleep(0.1)
        # Bound but not listening while the service starts: the connection is refused.
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"http://127.0.0.1:{port}/healthz")
        assert not setup.done()
        release.set()
        await setup
        await web.SockSite(runner, sock).start()
        async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
            assert response.status == 200
        assert events == ["started"]
    await runner.cleanup()
    assert events == ["started", "stopping"]


def test_a_taken_port_fails_at_bind_before_any_start_up() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        with pytest.raises(OSError):
            _bound_socket("127.0.0.1", taken.getsockname()[1]).close()
    finally:
        taken.close()


async def test_a_command_line_client_starts_the_database_and_routing_only(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Service(client=True)` is what every CLI command runs on: the same container and
    lifecycle, but no outbox, channels, scheduler or extraction worker, and on SQLite it
    leaves the running service's claimed rows alone."""
    import notifier.service

    released: list[object] = []

    async def release(*args: object) -> None:
        released.append(args)

    monkeypatch.setattr(notifier.service, "release_leftovers", release)
    config = parse_config(
        f"""
storage: {{url: '{database_url}'}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
subscribers:
  - {{id: desk, phone: "+77012345678", areas: [KZ]}}
""",
        environ={},
    )
    client = Service(config, echo=lambda _: None, client=True)
    assert not client.start_scheduler
    async with client:
        assert client.started and released == []
        for part in ("outbox", "session", "jobs", "source_runner"):
            assert part not in client.__dict__, part
        # The YAML's subscribers are synced and routed, as at a service's start.
        assert [row.id for row in await client.services.subscribers.listing()] == ["desk"]
        router = await client.followers.current()
        assert [f.id for f in router.followers] == ["desk"]
        client.kick_outbox()  # nothing to wake: the running service's outbox sends
        assert (await client.services.health.readiness()).ready
    assert not client.started
