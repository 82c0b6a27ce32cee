"""Shared fixtures: databases (SQLite always, PostgreSQL when NOTIFIER_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from notifier.extract import Catalog, Extractor
from notifier.store import Store

ROOT = Path(__file__).resolve().parents[1]
PG_ENV = "NOTIFIER_TEST_POSTGRES_URL"
PG_SKIP = (
    f"{PG_ENV} is not set: PostgreSQL tests skipped (make test sets it when the server answers)"
)

_pg_skipped: list[str] = []


async def _reset_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'notifier.db'}"
        return
    url = os.environ.get(PG_ENV)
    if not url:
        _pg_skipped.append(request.node.nodeid)
        pytest.skip(PG_SKIP)
    await _reset_postgres(url)
    yield url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    s = await Store.open(database_url)
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture(autouse=True)
def _no_twilio_routing_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The twilio client rewrites hosts from these; tests must never depend on the caller's env.
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _pg_skipped:
        terminalreporter.write_line(
            f"NOTE: {len(_pg_skipped)} PostgreSQL tests were skipped: {PG_SKIP}", yellow=True
        )
    elif os.environ.get(PG_ENV):
        terminalreporter.write_line(f"PostgreSQL tests ran against {PG_ENV}.", green=True)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The shipped schemes and gazetteer, loaded once for the whole run."""
    return Catalog.load(ROOT / "config" / "schemes", ROOT / "config" / "areas")


@pytest.fixture(scope="session")
def extractor(catalog: Catalog) -> Extractor:
    return Extractor(catalog)
