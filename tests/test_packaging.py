"""The production packaging, checked without Docker: compose.yaml, the Dockerfile's layers and
config/production.yaml (no demo parts; a token is required because it listens beyond loopback)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from notifier.config import load_config

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ROOT / "config" / "production.yaml"
ADMIN = "ntf_production-admin-token-000000000000"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFIER_", "TWILIO_"))}
    return {**env, **extra}


def test_compose_runs_two_replicas_on_one_postgres() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services: dict[str, Any] = compose["services"]
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    replicas = {name: s for name, s in services.items() if name.startswith("notifier")}
    assert len(replicas) == 2
    published = set()
    for name, replica in replicas.items():
        assert replica["build"] == ".", name
        assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        env = replica["environment"]
        assert re.fullmatch(
            r"postgresql\+asyncpg://notifier:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432/notifier",
            env["NOTIFIER_DATABASE_URL"],
        )
        assert env["NOTIFIER_ADMIN_TOKEN"].startswith("${NOTIFIER_ADMIN_TOKEN:?")  # required
        for twilio in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"):
            assert env[twilio] == f"${{{twilio}:-}}"  # optional: dry-run without
        check = " ".join(replica["healthcheck"]["test"])
        assert "http://127.0.0.1:8080/readyz" in check
        published.update(replica["ports"])
    assert published == {"127.0.0.1:8081:8080", "127.0.0.1:8082:8080"}
    assert postgres["environment"]["POSTGRES_DB"] == "notifier"


def test_dockerfile_installs_dependencies_before_the_code(tmp_path: Path) -> None:
    lines = [
        line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines() if line.strip()
    ]
    text = "\n".join(lines)

    def at(fragment: str) -> int:
        return next(i for i, line in enumerate(lines) if fragment in line)

    assert at("pip install -r requirements.txt") < at("COPY notifier ./notifier")
    assert at("COPY notifier ./notifier") < at("pip install --no-deps .")
    assert "NOTIFIER_CONFIG=/app/config/production.yaml" in text
    assert "seeds" not in text  # the demo documents stay out of the image
    assert lines[-1] == 'CMD ["notifier", "run"]'
    # The one-liner that lists the dependencies works on the real pyproject.toml.
    script = re.search(r'RUN python -c "(.+?)" > requirements\.txt', text)
    assert script is not None
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    listed = subprocess.run(
        [sys.executable, "-c", script.group(1)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "aiohttp>=3.14,<4" in listed and "python-json-logger>=3.1" in listed
    assert not any(name.startswith(("pytest", "ruff", "mypy")) for name in listed)


def test_production_config_has_no_demo_parts_and_takes_storage_from_the_env() -> None:
    config = load_config(
        PRODUCTION,
        environ={"NOTIFIER_DATABASE_URL": "postgresql+asyncpg://notifier:pw@postgres/notifier"},
    )
    assert (config.sources, config.subscribers, config.webhooks) == ([], [], [])
    assert config.server.demo_consumer is False
    assert config.server.host == "0.0.0.0"
    assert config.log_format == "json"
    assert config.database_url == "postgresql+asyncpg://notifier:pw@postgres/notifier"
    assert (
        load_config(PRODUCTION, environ={}).database_url == "sqlite+aiosqlite:////data/notifier.db"
    )
    assert config.twilio.dry_run


def test_check_config_on_production_needs_the_admin_token() -> None:
    command = [sys.executable, "-m", "notifier.cli", "check-config", "--config", str(PRODUCTION)]
    without = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=60)
    assert without.returncode == 2
    assert "server.host: 0.0.0.0 is reachable beyond this machine" in without.stderr
    with_token = subprocess.run(
        command, env=_env(NOTIFIER_ADMIN_TOKEN=ADMIN), capture_output=True, text=True, timeout=60
    )
    assert with_token.returncode == 0, with_token.stderr
    assert with_token.stdout.strip().endswith("ok (0 sources, 0 SMS subscribers, 0 webhooks)")
