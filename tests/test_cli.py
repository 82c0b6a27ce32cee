"""The command line: `run` as a newcomer sees it, `extract`, `sources`, `review`, `replay`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from notifier.cli import main
from notifier.config import load_config
from notifier.service import Service

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_2b99838c51a8518c.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_command(port: int, data_dir: Path) -> list[str]:
    cli = [sys.executable, "-m", "notifier.cli"]
    return [*cli, "run", "--port", str(port), "--data-dir", str(data_dir)]


def test_run_on_the_default_config_shows_the_seed_becoming_a_level(tmp_path: Path) -> None:
    """What `make run` does on a fresh clone: level, dry-run SMS, verified demo webhook."""
    port = free_port()
    env = {
        **os.environ,
        "NOTIFIER_DEMO_WEBHOOK_URL": f"http://127.0.0.1:{port}/demo/webhook",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "NOTIFIER_CONFIG"):
        env.pop(name, None)
    proc = subprocess.Popen(
        run_command(port, tmp_path),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    levels: dict[str, object] = {}
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/levels", timeout=2) as r:
                    levels = json.load(r)
                if levels.get("levels"):
                    break
            except OSError:
                pass
            time.sleep(0.2)
        time.sleep(1.5)  # let the notices go out
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert levels["levels"] == [
        {
            "scheme": "kz",
            "area": {"id": "KZ-AKT-AKTOBE", "name": "Aktobe"},
            "level": "red",
            "severity": "extreme",
            "since": levels["levels"][0]["since"],  # type: ignore[index]
            "expires": None,
            "updated": levels["levels"][0]["updated"],  # type: ignore[index]
            "evidence": levels["levels"][0]["evidence"],  # type: ignore[index]
        }
    ]
    assert f"listening on http://127.0.0.1:{port}" in out
    assert "SMS DRY-RUN" in out
    assert "Aktobe: red (extreme) — issued" in out
    assert out.count("[dry-run SMS → ") == 3
    assert "[demo consumer] verified webhook msg_" in out
    assert "level.issued Aktobe red (extreme)" in out
    assert out.rstrip().endswith("stopped")
    assert (tmp_path / "notifier.db").exists()


def test_run_reports_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            run_command(port, tmp_path),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr


def test_extract_prints_one_json_line_per_document() -> None:
    result = CliRunner().invoke(main, ["extract", str(SEED)])
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    record = json.loads(line)
    assert record["document"] == str(SEED)
    [a] = record["announcements"]
    assert {k: a[k] for k in ("scheme", "area", "level", "severity", "action")} == {
        "scheme": "kz",
        "area": {"id": "KZ-AKT-AKTOBE", "name": "Aktobe"},
        "level": "red",
        "severity": "extreme",
        "action": "set",
    }
    assert set(a) == {
        "scheme",
        "area",
        "level",
        "severity",
        "action",
        "previous_level",
        "effective",
        "expires",
        "confidence",
        "evidence",
    }


def test_extract_reports_unreadable_input_and_exits_non_zero(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;">]><rss><channel><title>&lol2;</title></channel></rss>'
    )
    result = CliRunner().invoke(main, ["extract", str(bomb), str(SEED)])
    assert result.exit_code == 1
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["document"] for x in lines] == [str(bomb), str(SEED)]
    assert lines[0]["announcements"] == [] and "error" in lines[0]
    assert len(lines[1]["announcements"]) == 1


@pytest.fixture
def inbox_config(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "aktobe.txt").write_bytes(SEED.read_bytes())
    file = tmp_path / "notifier.yaml"
    file.write_text(
        f"""
data_dir: {tmp_path / "data"}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
sources:
  - {{id: inbox, type: dir, path: {inbox}, baseline: false, min_confidence: 0.999,
      trust: official}}
subscribers:
  - {{id: desk, phone: "+77771234567", areas: [KZ]}}
"""
    )
    return file


async def poll_once(config_file: Path) -> None:
    config = load_config(config_file, environ={})
    async with Service(config, echo=lambda _: None, start_scheduler=False) as service:
        await service.poll_source(config.sources[0])


async def create_database(config_file: Path) -> None:
    """What `notifier run` does first: create and migrate the database."""
    from notifier.store import Store

    store = await Store.open(load_config(config_file, environ={}).database_url)
    await store.close()


def test_sources_table_and_reset(inbox_config: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["sources", "--config", str(inbox_config)])
    assert missing.exit_code == 2
    database = inbox_config.parent / "data" / "notifier.db"
    assert missing.output.startswith(f"error: no notifier database at {database}; ")
    assert not database.exists()  # and it did not make one
    asyncio.run(create_database(inbox_config))
    before = runner.invoke(main, ["sources", "--config", str(inbox_config)])
    assert before.exit_code == 0, before.output
    assert before.output.splitlines()[0].split()[:3] == ["ID", "TYPE", "STATUS"]
    assert before.output.splitlines()[1].split()[:3] == ["inbox", "dir", "new"]
    asyncio.run(poll_once(inbox_config))
    after = runner.invoke(main, ["sources", "--config", str(inbox_config)])
    assert after.output.splitlines()[1].split()[:3] == ["inbox", "dir", "ok"]
    reset = runner.invoke(main, ["sources", "--config", str(inbox_config), "reset", "inbox"])
    assert reset.exit_code == 0
    assert reset.output == "source inbox: forgot 1 documents; the next poll reads all again\n"
    unknown = runner.invoke(main, ["sources", "--config", str(inbox_config), "reset", "nope"])
    assert unknown.exit_code == 1
    assert "no source 'nope' in the configuration (known: inbox)" in unknown.output


def test_review_list_approve_reject(inbox_config: Path) -> None:
    runner = CliRunner()
    asyncio.run(create_database(inbox_config))
    assert (
        runner.invoke(main, ["review", "--config", str(inbox_config)]).output
        == "nothing to review\n"
    )
    asyncio.run(poll_once(inbox_config))  # min_confidence 0.999: the Aktobe announcement is held
    listing = runner.invoke(main, ["review", "--config", str(inbox_config)])
    first = listing.output.splitlines()[0]
    assert first.startswith("#1 [pending] kz Aktobe: set red (confidence ")
    assert first.endswith(", source inbox)")
    approve = runner.invoke(main, ["review", "--config", str(inbox_config), "approve", "1"])
    assert (
        approve.output == "review item #1 approved; the running service applies it within seconds\n"
    )
    again = runner.invoke(main, ["review", "--config", str(inbox_config), "reject", "1"])
    assert again.exit_code == 1
    assert "review item #1 does not exist or is not pending" in again.output


def test_replay_with_nothing_dead(inbox_config: Path) -> None:
    asyncio.run(create_database(inbox_config))
    result = CliRunner().invoke(main, ["replay", "--config", str(inbox_config)])
    assert result.exit_code == 0
    assert result.output.startswith("0 dead deliveries queued again")


async def send_test(config_file: Path, follower_id: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "notifier.cli",
        "send-test",
        "--config",
        str(config_file),
        follower_id,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    return proc.returncode or 0, out.decode()


async def test_send_test_reaches_twilio_and_a_verifying_webhook_consumer(tmp_path: Path) -> None:
    from tests.fakes.twilio_api import FakeTwilioApi
    from tests.fakes.webhook_consumer import WebhookConsumer

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    async with FakeTwilioApi() as twilio, WebhookConsumer(secret, script=[410]) as consumer:
        file = tmp_path / "n.yaml"
        file.write_text(
            f"""
twilio: {{account_sid: {twilio.account_sid}, auth_token: {twilio.auth_token},
          from: "+15005550006", base_url: {twilio.base_url}}}
subscribers:
  - {{id: desk, phone: "+77771234567", areas: [KZ]}}
  - {{id: gone, phone: "+77012345678", areas: [KZ]}}
webhooks:
  - {{id: newsroom, url: "{consumer.url}", secret: "{secret}", areas: [KZ]}}
network: {{allow: ["127.0.0.0/8"]}}
"""
        )
        twilio.fail_always("+77012345678", 21610)
        sms = await send_test(file, "desk")
        stopped = await send_test(file, "gone")
        hook = await send_test(file, "newsroom")
        unknown = await send_test(file, "nobody")
    assert sms[0] == 0, sms[1]
    assert sms[1].strip().endswith(f"desk: delivered: {twilio.messages[0]['sid']}")
    assert twilio.messages[0]["body"].startswith("notifier test message (")
    assert stopped[0] == 1
    assert "gone: failed: " in stopped[1] and "21610" in stopped[1]
    assert hook[0] == 1
    assert "newsroom: failed: " in hook[1] and "410" in hook[1]
    assert consumer.attempts[0]["verified"] is True
    assert unknown[0] == 1  # not found
    assert "no subscriber or webhook 'nobody' (known: desk, gone, newsroom)" in unknown[1]


async def test_send_test_reaches_a_subscriber_that_lives_in_the_database(tmp_path: Path) -> None:
    """A subscriber created through the API or the CLI has no YAML entry: send-test finds it in
    the database (every contact of the subscriber, or one contact by its key)."""
    from notifier.store import Store
    from tests.fakes.twilio_api import FakeTwilioApi
    from tests.fakes.webhook_consumer import WebhookConsumer

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    async with FakeTwilioApi() as twilio, WebhookConsumer(secret) as consumer:
        file = tmp_path / "n.yaml"
        file.write_text(
            f"""
twilio: {{account_sid: {twilio.account_sid}, auth_token: {twilio.auth_token},
          from: "+15005550006", base_url: {twilio.base_url}}}
network: {{allow: ["127.0.0.0/8"]}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
"""
        )
        await (await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'notifier.db'}")).close()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "notifier.cli", "subscribers", "add", "ops",
            "--config", str(file), "--area", "KZ", "--sms", "+77771234567",
            "--webhook", consumer.url, "--secret", secret,
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
        assert proc.returncode == 0, out.decode()
        both = await send_test(file, "ops")
        first_key = next(x for x in both[1].splitlines() if ": delivered" in x).split(":")[0]
        one = await send_test(file, first_key)
        unknown = await send_test(file, "nobody")
    assert both[0] == 0, both[1]
    lines = [line for line in both[1].splitlines() if ": delivered" in line]
    assert len(lines) == 2 and all(line.startswith("ops@") for line in lines), both[1]
    assert twilio.messages[0]["to"] == "+77771234567"
    assert one[0] == 0 and len([x for x in one[1].splitlines() if ": delivered" in x]) == 1
    assert all(a["verified"] for a in consumer.attempts)
    assert len(twilio.messages) + len(consumer.attempts) == 3  # both contacts, then one
    assert unknown[0] == 1 and "no subscriber or webhook 'nobody'" in unknown[1]


def test_run_freezes_what_start_up_built() -> None:
    """`notifier run` moves the objects start-up built out of the collector's full passes
    (they took 13 % of a 10,000-webhook fan-out) and collects the young less often."""
    import gc

    from notifier import cli

    threshold = gc.get_threshold()
    try:
        cli._settle_gc()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
