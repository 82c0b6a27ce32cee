"""`notifier simulate`: the real pipeline on a scratch database, as a command and in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from notifier.config import Config, load_config
from notifier.errors import StoreError
from notifier.model import Trust
from notifier.service import Service
from notifier.simulate import simulate
from notifier.sources.parse import parse_bytes

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
AKTOBE = (
    "A red level of terrorist threat has been declared in the city of Aktobe, "
    "the Anti-Terrorism Center of Kazakhstan said."
)


def write_doc(folder: Path, name: str, url: str, text: str = AKTOBE) -> Path:
    path = folder / name
    path.write_text(f"Source: {url}\nDate: 2016-06-06\n\n{text}\n", encoding="utf-8")
    return path


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """A config file (its database under tmp_path/data) and a folder for documents."""
    docs = tmp_path / "docs"
    docs.mkdir()
    file = tmp_path / "notifier.yaml"
    file.write_text(
        f"""
data_dir: {tmp_path / "data"}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
subscribers:
  - {{id: desk, phone: "+77771234567", areas: [KZ]}}
  - {{id: aktobe-ru, phone: "+77012345678", language: ru, areas: [KZ-AKT]}}
webhooks:
  - {{id: wire, url: "https://wire.example/hook", secret: "{SECRET}", areas: [KZ],
      include_unconfirmed: true}}
  - {{id: plain, url: "https://plain.example/hook", secret: "{SECRET}", areas: [KZ]}}
"""
    )
    return file, docs


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notifier.cli", "simulate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_two_media_documents_from_different_sites_as_a_command(setup: tuple[Path, Path]) -> None:
    file, docs = setup
    a = write_doc(docs, "a.txt", "https://tengrinews.kz/news/aktobe")
    b = write_doc(docs, "b.txt", "https://www.themoscowtimes.com/2016/aktobe")
    done = run_cli("--config", str(file), str(a), str(b))
    assert done.returncode == 0, done.stderr
    *lines, last = [json.loads(line) for line in done.stdout.splitlines()]
    assert [
        (n["document"], n["channel"], n["follower"], n["kind"], n["confirmed"]) for n in lines
    ] == [
        (str(a), "webhook", "wire", "level.reported", False),
        (str(b), "sms", "aktobe-ru", "level.issued", True),
        (str(b), "sms", "desk", "level.issued", True),
        (str(b), "webhook", "plain", "level.issued", True),
        (str(b), "webhook", "wire", "level.issued", True),
    ]
    assert {n["event"] for n in lines[1:]} == {lines[1]["event"]}
    assert all(n["area"] == {"id": "KZ-AKT-AKTOBE", "name": "Aktobe"} for n in lines)
    assert all(n["level"] == "red" for n in lines)
    assert lines[0]["text"].startswith("Unconfirmed report: Aktobe: terror threat level RED")
    assert lines[2]["text"].startswith("Aktobe: terror threat level RED (extreme) declared")
    assert lines[1]["text"].startswith("Актобе:")
    assert last == {
        "summary": {
            "trust": "media",
            "documents": 2,
            "unreadable": 0,
            "held_for_review": 0,
            "reports": {"confirmed": 2},
            "level_changes": 1,
            "notices": 5,
            "sms": 2,
            "webhook": 3,
        }
    }
    assert not (file.parent / "data").exists()  # it changed nothing, not even a new database


def test_an_unreadable_file_is_reported_and_the_others_still_run(setup: tuple[Path, Path]) -> None:
    file, docs = setup
    good = write_doc(docs, "a.txt", "https://knb.gov.kz/a")
    bad = docs / "bad.json"
    bad.write_text('{"items": [' * 100_000)  # deep, malformed JSON
    done = run_cli("--config", str(file), "--trust", "official", str(bad), str(good))
    assert done.returncode == 1
    assert f"error: {bad}:" in done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])["summary"]
    assert (summary["documents"], summary["unreadable"], summary["sms"]) == (1, 1, 2)


@pytest.mark.parametrize(
    ("trust", "sms", "reported"),
    [(Trust.OFFICIAL, 2, 0), (Trust.MEDIA, 0, 2), (Trust.UNVERIFIED, 0, 2)],
)
async def test_the_same_site_twice_by_trust(
    setup: tuple[Path, Path], trust: Trust, sms: int, reported: int
) -> None:
    file, docs = setup
    a = write_doc(docs, "a.txt", "https://tengrinews.kz/1")
    b = write_doc(docs, "b.txt", "https://tengrinews.kz/2")  # one site: one publisher
    result = await simulate(load_config(file, environ={}), [a, b], trust=trust)
    channels = [(n["channel"], n["kind"]) for n in result.notices]
    assert channels.count(("sms", "level.issued")) == sms
    assert channels.count(("webhook", "level.reported")) == reported


async def test_from_store_starts_from_the_levels_in_force_and_changes_nothing(
    setup: tuple[Path, Path],
) -> None:
    file, docs = setup
    config = load_config(file, environ={})
    with pytest.raises(StoreError, match=r"no database at .*notifier.db \(has the service run\?\)"):
        await simulate(config, [], from_store=True)
    official = write_doc(docs, "official.txt", "https://knb.gov.kz/a")
    async with Service(config, echo=lambda _: None, start_scheduler=False) as svc:
        [doc] = parse_bytes(official.read_bytes(), source_id="knb", name="official")
        await svc.ingest(doc)
        before = await _snapshot(svc)
    again = write_doc(docs, "again.txt", "https://tengrinews.kz/a")
    fresh = await simulate(config, [again, official], trust=Trust.OFFICIAL)
    stored = await simulate(config, [again, official], trust=Trust.OFFICIAL, from_store=True)
    assert [n["channel"] for n in fresh.notices].count("sms") == 2
    assert stored.notices == []  # red is in force already: a repeat
    async with Service(config, echo=lambda _: None, start_scheduler=False) as svc:
        assert await _snapshot(svc) == before


async def _snapshot(svc: Service) -> Any:
    return (
        await svc.store.level_states(),
        await svc.store.recent_events(),
        await svc.store.deliveries(),
        [r.id for r in await svc.store.reports(None)],
    )


def every_country(config_file: Path, tmp_path: Path) -> Config:
    """The test config with one more subscriber who follows every country in the catalog."""
    from notifier.extract import Catalog

    catalog = Catalog.load(ROOT / "config" / "schemes", ROOT / "config" / "areas")
    countries = sorted(a.id for a in catalog.areas.values() if a.kind == "country")
    text = config_file.read_text().replace(
        "subscribers:\n",
        f'subscribers:\n  - {{id: world, phone: "+15005550009", areas: {json.dumps(countries)}}}\n',
    )
    file = tmp_path / "world.yaml"
    file.write_text(text)
    return load_config(file, environ={})


async def test_no_look_alike_of_any_round_sends_anything_from_media(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    config = every_country(setup[0], tmp_path)
    folders = sorted(ROOT.glob("tests/corpus/**/negatives"))
    files = sorted(f for folder in folders for f in folder.iterdir() if f.suffix == ".txt")
    assert len(folders) >= 7 and len(files) >= 80
    result = await simulate(config, files, trust=Trust.MEDIA)
    assert [n for n in result.notices if n["channel"] == "sms"] == []
    assert result.changes == 0
