"""A running service fed hostile documents keeps answering and keeps applying the others.

`notifier run` (a real process) watches a folder holding the 202-byte prolog bomb of issue 10,
a 1 MB text, a 5 MiB text crafted for the extractor's worst case and one ordinary document
that sorts last. While it reads them, /healthz is asked every 50 ms and must answer within
100 ms each time; the ordinary document's level must be applied, and the documents over the
extraction budget must show as the source's failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.test_cli import free_port

ROOT = Path(__file__).resolve().parents[1]
PAVLODAR = "В Павлодарской области введен желтый уровень террористической опасности.\n"
HEALTH_LIMIT_S = 0.1
pytestmark = pytest.mark.timeout(300)


async def test_healthz_stays_fast_while_hostile_documents_are_read(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a-bomb.xml").write_bytes(b"<?a?>" * 40 + b"<1")
    (inbox / "b-1mb.txt").write_text(("Level 4 of 5 terror alert in Aktobe. " * 28_000)[:1_000_000])
    crafted = "level 4 of 5 terrorist threat level 4 of 5 " * 125_000
    (inbox / "c-crafted.txt").write_text(crafted[: 5 * 1024 * 1024 - 1])
    (inbox / "z-normal.txt").write_text(PAVLODAR)
    assert (inbox / "a-bomb.xml").stat().st_size == 202
    port = free_port()
    config = tmp_path / "notifier.yaml"
    config.write_text(
        f"""
data_dir: {tmp_path / "data"}
server: {{port: {port}}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
sources:
  - {{id: inbox, type: dir, path: {inbox}, interval_s: 1, jitter_s: 0, baseline: false, trust: official}}
extraction: {{budget_s: 0.5}}
"""
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "NOTIFIER_CONFIG"):
        env.pop(name, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "notifier.cli",
        "run",
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    levels: list[dict[str, object]] = []
    report: dict[str, object] = {}
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # until it listens
                try:
                    async with session.get(base + "/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                started = time.monotonic()
                async with session.get(base + "/healthz") as r:
                    assert r.status == 200
                    await r.read()
                latencies.append(time.monotonic() - started)
                if len(latencies) % 10 == 0:
                    async with session.get(base + "/api/levels") as r:
                        levels = (await r.json())["levels"]
                    async with session.get(base + "/api/sources") as r:
                        [report] = (await r.json())["sources"]
                    if levels and report.get("status") == "failing":
                        break
                await asyncio.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        out = (await asyncio.wait_for(proc.communicate(), 30))[0].decode()
    assert proc.returncode == 0, out
    assert [(lv["area"], lv["level"]) for lv in levels] == [  # type: ignore[index]
        ({"id": "KZ-PAV", "name": "Pavlodar Region"}, "yellow")
    ], out
    # Each large text takes about 2 s here, four times the budget, so both overrun it however
    # idle the machine (a 2 s budget let a retry on an idle machine succeed); the error names
    # each that did, and never the normal document.
    over = r"document (b-1mb|c-crafted)\.txt: extraction took longer than 0\.5 s; stopped"
    assert re.fullmatch(f"{over}(; {over})?", str(report["last_error"])), json.dumps(report)
    assert len(latencies) > 40
    slowest = max(latencies)
    print(f"healthz: {len(latencies)} answers, slowest {slowest * 1000:.0f} ms")
    assert slowest < HEALTH_LIMIT_S, f"/healthz took {slowest:.3f} s; {sorted(latencies)[-5:]}"
