"""Three `notifier run` replicas on one PostgreSQL: one fan-out, one replica SIGKILLed mid-way,
PostgreSQL restarted once; did every notice arrive, and how many twice?

The sink process and the config come from bench/e2e.py (imported, not copied): N webhook
endpoints at one local sink that counts arrivals per `webhook-id`. The three replicas share one
generated config (one `dir` source, which only the replica holding its lease polls). One
announcement is dropped into the shared folder; once ~30 % of the webhooks have arrived one
replica gets SIGKILL; once ~50 % have, PostgreSQL is restarted (`--restart-postgres`, the
default when run as root: `pg_ctlcluster --skip-systemctl-redirect <version> main restart`).
Then the bench waits until every endpoint has its webhook (or `--timeout-s` passes).

- lost: endpoints that never received their webhook (must be 0);
- duplicates: webhook-ids received more than once (at least once delivery);
- in_flight_at_kill: the rows the killed replica held claimed, read from the database at the
  kill (its attempts in flight, its results not yet committed, rows claimed ahead): no other
  row can arrive twice, so `duplicates_within_bound` says duplicates <= in_flight_at_kill and
  every repeated webhook-id is one of them (`duplicates_outside_kill` counts the others);
- time_s: drop -> last first-time arrival (the dead replica's claimed rows wait for their lease,
  `outbox.lease_s`, 15 s).

Prints a table, then one JSON object as the last line.

    .venv/bin/python bench/replicas.py [--webhooks N] [--postgres URL] [--no-restart-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# bench/e2e.py, found through the path set above (this runs as a script)
from e2e import (
    Service,
    config_text,
    free_port,
    reset,
    reset_postgres,
    sink_process,
    sink_stats,
)

REPLICAS = 3


def restart_postgres() -> float:
    """Restart the local cluster; returns how long it took."""
    versions = sorted(os.listdir("/etc/postgresql"))
    if not versions:
        raise RuntimeError("no cluster under /etc/postgresql to restart")
    t0 = time.perf_counter()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return time.perf_counter() - t0


async def delivery_statuses(url: str) -> dict[str, int]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(text("SELECT status, count(*) FROM deliveries GROUP BY status"))
            ).all()
    finally:
        await engine.dispose()
    return {str(status): int(n) for status, n in rows}


async def claimed_by_pid(url: str, pid: int) -> list[str]:
    """The rows a replica (by its process id, part of its worker name) holds claimed: read at
    its kill, they are its attempts in flight plus its results not yet committed (and rows it
    had claimed ahead but not started); no other row of it can be sent twice."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT id FROM deliveries WHERE status = 'claimed'"
                        " AND claimed_by LIKE :pattern"
                    ),
                    {"pattern": f"%:{pid}:%"},
                )
            ).all()
    finally:
        await engine.dispose()
    return [str(r.id) for r in rows]


async def repeated_ids(session: aiohttp.ClientSession, sink: str) -> list[str]:
    async with session.get(f"{sink}/repeated") as r:
        return [str(i) for i in await r.json()]


async def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    n = args.webhooks
    await reset_postgres(url)
    with (
        sink_process(args.sink_delay_ms, 0.0) as ends,
        tempfile.TemporaryDirectory(prefix="notifier-replicas-") as tmp_name,
    ):
        tmp = Path(tmp_name)
        config = config_text(
            tmp,
            sink=ends["sink"],
            twilio=ends["twilio"],
            webhooks=n,
            sms=0,
            database_url=url,
            concurrency=args.concurrency,
            max_per_s=100,
            poll_s=0.5,
        )
        # Replica 0 lives in `tmp` (the shared inbox is tmp/inbox); the others in subfolders.
        homes = [tmp, *(tmp / f"replica{i}" for i in range(1, REPLICAS))]
        services = [Service(home, config, free_port()) for home in homes]
        figures: dict[str, Any] = {"webhooks": n, "replicas": REPLICAS}
        try:
            for service in services:
                await service.__aenter__()
            figures["startup_s"] = round(max(s.startup_s for s in services), 2)
            async with aiohttp.ClientSession() as session:
                await reset(session, ends["sink"])
                dropped = services[0].drop("red")
                killed_at = restarted_at = None
                held: set[str] = set()
                deadline = time.monotonic() + args.timeout_s
                stats = await sink_stats(session, ends["sink"])
                while stats["unique"] < n and time.monotonic() < deadline:
                    if killed_at is None and stats["unique"] >= 0.3 * n:
                        victim = services[1].proc
                        assert victim is not None
                        victim.send_signal(signal.SIGKILL)
                        victim.wait()
                        killed_at = stats["unique"]
                        figures["killed_at"] = killed_at
                        held = set(await claimed_by_pid(url, victim.pid))
                    elif (
                        args.restart_postgres
                        and killed_at is not None
                        and restarted_at is None
                        and stats["unique"] >= 0.5 * n
                    ):
                        restarted_at = stats["unique"]
                        figures["pg_restart_s"] = round(
                            await asyncio.to_thread(restart_postgres), 2
                        )
                        figures["pg_restarted_at"] = restarted_at
                    await asyncio.sleep(0.02)
                    stats = await sink_stats(session, ends["sink"])
                # Every endpoint has its webhook; wait until the database agrees (rows whose
                # result was not recorded are sent again: late copies count as duplicates).
                settle = time.monotonic() + args.settle_s
                statuses = await delivery_statuses(url)
                while time.monotonic() < settle and set(statuses) - {"sent"}:
                    await asyncio.sleep(0.5)
                    statuses = await delivery_statuses(url)
                figures["settled_s"] = round(time.time() - dropped, 2)
                await asyncio.sleep(2.0)  # late copies would be duplicates
                stats = await sink_stats(session, ends["sink"])
                repeated = await repeated_ids(session, ends["sink"])
            figures["alive"] = sum(1 for s in services if s.proc and s.proc.poll() is None)
            figures["statuses"] = await delivery_statuses(url)
        finally:
            for service in services:
                await service.__aexit__(None, None, None)
    figures.update(
        time_s=round(stats["last"] - dropped, 2) if stats["last"] else None,
        arrived=stats["count"],
        lost=n - stats["unique"],
        duplicates=stats["repeated_ids"],
        signatures_bad=stats["bad"],
    )
    if killed_at is not None:
        # The bound: a copy can only come from a row the dead replica held claimed at its kill.
        figures["in_flight_at_kill"] = len(held)
        figures["duplicates_outside_kill"] = len(set(repeated) - held)
        figures["duplicates_within_bound"] = (
            stats["repeated_ids"] <= len(held) and not set(repeated) - held
        )
    figures["delivered_ratio"] = round(stats["unique"] / n, 4)
    figures["duplicates_ratio"] = round(stats["repeated_ids"] / n, 4)
    return figures


def print_table(f: dict[str, Any]) -> None:
    print(f"\n{f['replicas']} replicas on one PostgreSQL, {f['webhooks']:,} webhook endpoints")
    rows = [
        ("start-up (slowest replica)", f"{f['startup_s']} s"),
        ("replica SIGKILLed after", f"{f.get('killed_at', '-')} delivered"),
        (
            "PostgreSQL restarted after",
            f"{f['pg_restarted_at']} delivered ({f['pg_restart_s']} s)"
            if "pg_restarted_at" in f
            else "not restarted",
        ),
        ("drop -> last webhook", f"{f['time_s']} s"),
        ("arrived (with copies)", f"{f['arrived']:,}"),
        ("lost", f"{f['lost']}"),
        (
            "duplicates (webhook-ids twice)",
            f"{f['duplicates']} (bound: {f.get('in_flight_at_kill', '-')} rows held by the"
            f" killed replica; {f.get('duplicates_outside_kill', '-')} outside them)",
        ),
        ("duplicates within bound", f"{f.get('duplicates_within_bound', '-')}"),
        ("replicas alive at the end", f"{f['alive']} of {f['replicas']} (1 killed)"),
        ("database settled (all sent) after", f"{f['settled_s']} s"),
        ("deliveries by status", json.dumps(f["statuses"])),
    ]
    for name, value in rows:
        print(f"  {name:34} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--webhooks", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=32, help="per replica")
    parser.add_argument("--sink-delay-ms", type=float, default=20.0)
    parser.add_argument("--timeout-s", type=float, default=300.0)
    parser.add_argument(
        "--settle-s", type=float, default=60.0, help="then how long to wait for all rows sent"
    )
    parser.add_argument("--postgres", default=None, help="SQLAlchemy URL of a database to use")
    parser.add_argument(
        "--restart-postgres",
        action=argparse.BooleanOptionalAction,
        default=os.geteuid() == 0,
        help="restart the local PostgreSQL cluster once mid-way (default: on when root)",
    )
    args = parser.parse_args()
    url = args.postgres or os.environ.get("NOTIFIER_TEST_POSTGRES_URL")
    if not url:
        sys.exit("set NOTIFIER_TEST_POSTGRES_URL or pass --postgres: replicas share PostgreSQL")
    figures = asyncio.run(run(args, url))
    print_table(figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
