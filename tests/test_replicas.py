"""Replicas sharing one database: singleton jobs, retention, the shared Twilio rate limit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from notifier.config import parse_config
from notifier.service import Service
from tests.test_service import Clock, config_for


async def test_a_singleton_job_runs_on_one_replica_and_another_takes_over(
    tmp_path: Path, database_url: str
) -> None:
    config = parse_config(config_for(tmp_path, database_url), environ={})
    clock = Clock()
    quiet = {"echo": lambda _: None, "start_scheduler": False, "clock": clock}
    one = Service(config, **quiet)  # type: ignore[arg-type]
    two = Service(config, **quiet)  # type: ignore[arg-type]
    await one.start()
    await two.start()
    try:
        for job in ("expiry", "review"):
            assert await one.run_singleton(job) == 0  # ran: nothing to expire or apply
            assert await two.run_singleton(job) is None  # held by `one`
            assert await one.run_singleton(job) == 0  # the holder renews
        # A holder that dies (no release) is replaced once its lease runs out: expiry_check_s
        # is 15 s by default, so the lease lasts max(3 x 15 s, 30 s) = 45 s.
        clock.now += timedelta(seconds=44)
        assert await two.run_singleton("expiry") is None
        clock.now += timedelta(seconds=2)
        assert await two.run_singleton("expiry") == 0
        assert await one.run_singleton("expiry") is None
        # A holder that stops releases its leases at once.
        assert await one.run_singleton("review") == 0  # its own lease, renewed
        assert await two.run_singleton("review") is None
        await one.stop()
        assert await two.run_singleton("review") == 0
    finally:
        await one.stop()
        await two.stop()
