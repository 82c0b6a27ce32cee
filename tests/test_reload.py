"""Reloading the configuration of a running service: valid files swap in, invalid ones don't."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from notifier.config import load_config
from notifier.model import AreaRef, Event, Severity, Transition, TransitionKind
from notifier.service import Service
from tests.test_store import T0

ROOT = Path(__file__).resolve().parents[1]

BASE = f"""
data_dir: {{data}}
server: {{{{port: 8081}}}}
catalog: {{{{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}}}
subscribers:
  - {{{{id: first, phone: "+77771234567", areas: [KZ]}}}}
"""


def write(file: Path, text: str) -> None:
    file.write_text(text)
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
    running = Service(config, echo=lambda _: None, start_scheduler=False, config_file=config_file)
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
    assert [f.id for f, _ in service.router.route(nationwide())] == ["first", "second"]

    caplog.set_level(logging.ERROR, logger="notifier")
    write(config_file, BASE.format(data=tmp_path / "data") + "  - {id: third}\n")
    assert await service.reload_if_changed() is False
    assert (
        "configuration reload refused, the running one stays: "
        "subscribers[1].areas: Field required; subscribers[1].phone: Field required"
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
    async with Service(config, echo=lambda _: None, start_scheduler=False, config_file=file) as svc:
        seed = (ROOT / "seeds" / "000_2b99838c51a8518c.txt").read_bytes()
        [doc] = parse_bytes(seed, source_id="s", name="seed")
        await svc.ingest(doc)
        (catalog / "schemes" / "kz.yaml").unlink()
        caplog.set_level(logging.ERROR, logger="notifier")
        assert await svc.reload_if_changed() is False
        assert "scheme 'kz' is gone but KZ-AKT-AKTOBE is at its level" in caplog.text
        assert "kz" in svc.catalog.schemes
