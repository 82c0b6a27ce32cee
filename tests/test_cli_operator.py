"""The command line as an operator uses it: --config/--data-dir everywhere, --json, exit codes,
tokens, the refusal to serve /api beyond loopback without a token, JSON logs."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from notifier import logging as logs
from notifier.cli import main
from notifier.config import load_config, parse_config
from notifier.service import Service
from notifier.web.api_models import ReviewResponse, SourcesResponse
from notifier.web.auth import TokenBook
from tests.test_cli import SEED, free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A config whose own data_dir is never used: every test names --data-dir."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "aktobe.txt").write_bytes(SEED.read_bytes())
    file = tmp_path / "notifier.yaml"
    file.write_text(
        f"""
data_dir: {tmp_path / "configured"}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
sources:
  - {{id: inbox, type: dir, path: {inbox}, baseline: false, min_confidence: 0.999}}
"""
    )
    return file


async def poll_into(config_file: Path, data_dir: Path) -> None:
    config = load_config(config_file, environ={}, overrides={"data_dir": str(data_dir)})
    async with Service(config, echo=lambda _: None, start_scheduler=False) as service:
        await service.poll_source(config.sources[0])  # min_confidence 0.999: held for review


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_data_dir_on_the_group_and_on_every_subcommand(config_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "elsewhere"
    asyncio.run(poll_into(config_file, data))
    c = str(config_file)
    for args in (
        ("--config", c, "--data-dir", str(data), "review"),
        ("review", "--config", c, "--data-dir", str(data)),
        ("--data-dir", str(tmp_path / "empty"), "--config", c, "review", "--data-dir", str(data)),
    ):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
        assert result.output.startswith("#1 [pending] kz Aktobe: set red"), args
    # Without --data-dir the config's own folder is used; there is no database there.
    result = invoke("review", "--config", c)
    assert result.exit_code == 2
    assert f"no notifier database at {tmp_path / 'configured' / 'notifier.db'}" in result.output
    assert not (tmp_path / "configured").exists()
    # Subcommands of subcommands take them too.
    for args in (
        ("review", "approve", "1", "--config", c, "--data-dir", str(data)),
        ("--config", c, "sources", "--data-dir", str(data), "reset", "inbox"),
        ("sources", "reset", "inbox", "--config", c, "--data-dir", str(data)),
        ("replay", "--config", c, "--data-dir", str(data)),
        ("--data-dir", str(data), "levels", "--config", c),
        ("events", "--json", "--config", c, "--data-dir", str(data)),
        ("--config", c, "deliveries", "--data-dir", str(data)),
        ("reports", "--data-dir", str(data), "--config", c, "--status", "all"),
    ):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
    assert (
        "forgot 0 documents"
        in invoke("sources", "reset", "inbox", "--config", c, "--data-dir", str(data)).output
    )  # the first reset above already forgot the one document


def test_json_listings_have_the_api_shapes(config_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    asyncio.run(poll_into(config_file, data))
    common = ("--config", str(config_file), "--data-dir", str(data))
    sources = invoke("sources", "--json", *common)
    assert sources.exit_code == 0, sources.output
    parsed = SourcesResponse.model_validate_json(sources.output)
    assert [(s.id, s.status, s.seen) for s in parsed.sources] == [("inbox", "ok", 1)]
    review = invoke("review", "--json", "--all", *common)
    items = ReviewResponse.model_validate_json(review.output).review
    assert [(i.id, i.status, i.announcement["level"]) for i in items] == [(1, "pending", "red")]


def test_exit_codes(config_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    asyncio.run(poll_into(config_file, data))
    common = ("--config", str(config_file), "--data-dir", str(data))
    assert invoke("review", *common).exit_code == 0
    assert invoke("review", "reject", "99", *common).exit_code == 1  # not found
    assert invoke("sources", "reset", "nope", *common).exit_code == 1  # not found
    assert invoke("review", "approve", "one", *common).exit_code == 2  # usage
    assert invoke("no-such-command").exit_code == 2  # usage
    assert invoke("review", "--config", str(tmp_path / "missing.yaml")).exit_code == 2  # config
    assert invoke("review", "--config", str(config_file)).exit_code == 2  # no database there
    assert "Exit codes: 0 ok, 1 not found or failed, 2 usage" in invoke("--help").output


def test_token_new_prints_a_token_its_config_entry_admits() -> None:
    result = invoke("token", "new", "grafana", "--scope", "read")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    token = lines[0].removeprefix("token: ")
    assert token.startswith("ntf_") and len(token) == 47
    entry = lines[2].strip().removeprefix("- ")
    assert entry.startswith("{name: grafana, sha256: ")
    config = parse_config(f"api:\n  tokens:\n    - {entry}\n", environ={})
    caller = TokenBook(config.api.tokens).find(token)
    assert caller is not None and caller.name == "grafana" and caller.scopes == {"read"}
    two = invoke("token", "new", "ops", "--scope", "read", "--scope", "admin")
    assert two.output.splitlines()[2].endswith("scopes: [read, admin]}")
    assert invoke("token", "new", "ops").output.splitlines()[2].endswith("scopes: [read]}")
    assert invoke("token", "new", "bad name").exit_code == 2
    assert invoke("token", "new", "ops", "--scope", "write").exit_code == 2
    assert invoke("token", "new", "x").output != invoke("token", "new", "x").output


def test_token_hash_from_an_argument_or_standard_input() -> None:
    expected = hashlib.sha256(b"ntf_some-token").hexdigest() + "\n"
    assert invoke("token", "hash", "ntf_some-token").output == expected
    piped = CliRunner().invoke(main, ["token", "hash"], input="ntf_some-token\n")
    assert piped.output == expected
    empty = CliRunner().invoke(main, ["token", "hash"], input="\n")
    assert empty.exit_code == 2


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFIER_", "TWILIO_"))}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def test_run_refuses_to_serve_beyond_loopback_without_a_token(
    config_file: Path, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "notifier.cli", "run", "--config", str(config_file)]
    command += ["--host", "0.0.0.0", "--port", str(free_port()), "--data-dir", str(tmp_path / "d")]
    result = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert (
        "server.host: 0.0.0.0 is reachable beyond this machine and no API token is configured: "
        "set NOTIFIER_ADMIN_TOKEN" in result.stderr
    )
    assert not (tmp_path / "d").exists()  # refused before anything was opened
    check = subprocess.run(
        [*command[:3], "check-config", "--config", str(config_file)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0  # the file itself binds to loopback


def test_run_with_the_admin_token_from_the_environment_and_json_logs(
    config_file: Path, tmp_path: Path
) -> None:
    port = free_port()
    admin = "ntf_an-admin-token-for-this-test-000000"
    # A second source that trusts the same text: its transition is echoed, as a JSON record.
    sure = tmp_path / "sure"
    sure.mkdir()
    (sure / "aktobe.txt").write_bytes(SEED.read_bytes())
    config_file.write_text(
        config_file.read_text()
        + f"  - {{id: sure, type: dir, path: {sure}, baseline: false, min_confidence: 0.3, "
        "trust: official}\n"
    )
    command = [sys.executable, "-m", "notifier.cli", "run", "--config", str(config_file)]
    command += ["--host", "0.0.0.0", "--port", str(port), "--data-dir", str(tmp_path / "d")]
    command += ["--log-format", "json"]
    proc = subprocess.Popen(
        command,
        env=_env(NOTIFIER_ADMIN_TOKEN=admin),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/api/levels", timeout=5)
        assert refused.value.code == 401
        request = urllib.request.Request(
            base + "/api/review", headers={"Authorization": f"Bearer {admin}"}
        )
        held: list[Any] = []
        levels: list[Any] = []
        levels_request = urllib.request.Request(
            base + "/api/levels", headers={"Authorization": f"Bearer {admin}"}
        )
        while not (held and levels) and time.monotonic() < deadline:  # polls run after start
            with urllib.request.urlopen(request, timeout=5) as r:
                held = json.load(r)["review"]
            with urllib.request.urlopen(levels_request, timeout=5) as r:
                levels = json.load(r)["levels"]
            time.sleep(0.25)  # two requests a round stay under the API's 10/s
        assert [x["level"] for x in levels] == ["red"]
        assert [i["announcement"]["level"] for i in held] == ["red"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    records = [json.loads(line) for line in err.splitlines() if line.strip()]  # every line
    assert records, err
    assert all({"time", "level", "logger", "message", "replica"} <= r.keys() for r in records)
    [issued] = [r for r in records if r["logger"] == "notifier.events"]
    assert issued["message"] == "[sure] Aktobe: red (extreme) — issued  (kz)"
    [dry_run] = [r for r in records if "SMS DRY-RUN" in r["message"]]
    assert (dry_run["logger"], dry_run["level"]) == ("notifier.channels.twilio_sms", "WARNING")
    [held_log] = [r for r in records if "held for review" in r["message"]]
    assert held_log["source"] == "inbox"
    assert held_log["document"].endswith("aktobe.txt")
    assert held_log["level"] == "WARNING"
    assert admin not in out + err


def test_bound_context_in_json_and_console_records() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    for fmt in ("json", "console"):
        stream = io.StringIO()
        logs.configure("INFO", fmt, stream)
        try:
            log = logging.getLogger("notifier.test")
            with logs.bind(source="kz-atc"), logs.bind(document="doc-1"):
                log.info("inside")
            log.info("outside")
        finally:
            for handler in list(root.handlers):
                root.removeHandler(handler)
            for handler in handlers:
                root.addHandler(handler)
            root.setLevel(level)
        inside, outside = stream.getvalue().splitlines()
        if fmt == "json":
            first, second = json.loads(inside), json.loads(outside)
            assert (first["message"], first["source"], first["document"]) == (
                "inside",
                "kz-atc",
                "doc-1",
            )
            assert "source" not in second and "context" not in second
        else:
            assert inside.endswith("notifier.test: inside [source=kz-atc document=doc-1]")
            assert outside.endswith("notifier.test: outside")


async def test_each_task_keeps_its_own_context() -> None:
    seen: dict[str, Any] = {}

    @logs.bound(lambda name: {"source": name})
    async def poll(name: str) -> None:
        await asyncio.sleep(0.01)
        seen[name] = logs.current().get("source")

    await asyncio.gather(poll("a"), poll("b"))
    assert seen == {"a": "a", "b": "b"}
    assert "source" not in logs.current()


async def test_no_database_on_either_engine_is_exit_2_not_an_empty_one(
    database_url: str, tmp_path: Path
) -> None:
    from notifier.store import Store

    file = tmp_path / "notifier.yaml"
    file.write_text(
        f"storage: {{url: '{database_url}'}}\n"
        f"catalog: {{schemes: {ROOT / 'config' / 'schemes'}, areas: {ROOT / 'config' / 'areas'}}}\n"
    )

    def review() -> Any:  # the CLI runs its own event loop: give it a thread
        return CliRunner().invoke(main, ["review", "--json", "--config", str(file)])

    missing = await asyncio.to_thread(review)
    assert missing.exit_code == 2, missing.output
    assert "error: no notifier database at " in missing.output
    store = await Store.open(database_url)  # what `notifier run` does first
    await store.close()
    present = await asyncio.to_thread(review)
    assert present.exit_code == 0, present.output
    assert json.loads(present.output) == {"review": []}
