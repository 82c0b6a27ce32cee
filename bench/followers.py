"""100,000 followers through the real `notifier run`: config validation, start-up, peak memory.

Generates a config with N followers (half webhook endpoints at the local sink of bench/e2e.py,
half SMS subscribers at its fake Twilio API, all following Kazakhstan), then measures:

- check_config_s: `notifier check-config` on that file (a subprocess), and its peak RSS;
- startup_s: `notifier run` from spawn until `/readyz` answers 200;
- peak_rss_mb: the high-water mark of the `notifier run` process's resident memory (VmHWM in
  /proc/<pid>/status) from start-up until one announcement (dropped into its `dir` source) has
  fanned out to every follower: all N outbox rows written (counted in its SQLite database), then
  `--deliver-s` (30 s) of deliveries, or until every webhook arrived. SMS go out at
  `twilio.max_per_s` (100/s), so most of them are still queued when the bench stops: what is
  measured is the fan-out (routing, rendering, writing N rows) and the pipeline running at full
  width, not the last SMS; the SMS figures are their steady rate meanwhile (after the first
  second's burst) and the 429s of the fake Twilio, which refuses anything beyond the limit.

Prints a table, then one JSON object as the last line (`peak_rss_ratio` = peak / 300 MB target).

    .venv/bin/python bench/followers.py [--followers N] [--timeout-s S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
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
from e2e import Service, config_text, free_port, reset, sink_process, sink_stats

TARGET_RSS_MB = 300.0


def proc_status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (the peak) of a live process, in MB."""
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    return out


def check_config(config_file: Path) -> dict[str, Any]:
    """`notifier check-config` as a user runs it: wall time, exit code and peak RSS."""
    exe = Path(sys.executable).with_name("notifier")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe), "check-config", "--config", str(config_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "check_config_s": round(time.perf_counter() - t0, 2),
        "check_config_exit": proc.returncode,
        "check_config_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "check_config_output": output.strip()[-500:],
    }


def outbox_rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM deliveries").fetchone()[0])
    except sqlite3.Error:
        return 0  # the service is migrating or holds the write lock: look again later


async def fan_out(args: argparse.Namespace, tmp: Path, ends: dict[str, str]) -> dict[str, Any]:
    n = args.followers
    webhooks = n // 2
    config = config_text(
        tmp,
        sink=ends["sink"],
        twilio=ends["twilio"],
        webhooks=webhooks,
        sms=n - webhooks,
        database_url=None,
        concurrency=args.concurrency,
        max_per_s=100,
        poll_s=0.5,
    )
    figures: dict[str, Any] = {
        "followers": n,
        "webhooks": webhooks,
        "sms": n - webhooks,
        "config_mb": round(len(config.encode()) / 2**20, 2),
    }
    (tmp / "notifier.yaml").write_text(config)
    figures.update(check_config(tmp / "notifier.yaml"))
    if figures["check_config_exit"] != 0:
        return figures  # the service would refuse the same file
    service = Service(tmp, config, free_port())
    async with service, aiohttp.ClientSession() as session:
        assert service.proc is not None
        pid = service.proc.pid
        figures["startup_s"] = round(service.startup_s, 2)
        figures["rss_after_startup_mb"] = round(proc_status(pid)["VmRSS"], 1)
        figures["peak_rss_startup_mb"] = round(proc_status(pid)["VmHWM"], 1)
        await reset(session, ends["sink"])
        dropped = service.drop("red")
        db = tmp / "data" / "notifier.db"
        deadline = time.monotonic() + args.timeout_s
        rows = 0
        stats = await sink_stats(session, ends["sink"])
        rss_max = 0.0
        while time.monotonic() < deadline:
            rss_max = max(rss_max, proc_status(pid)["VmRSS"])
            if rows < n:
                rows = outbox_rows(db)
                if rows >= n:
                    figures["rows_written_s"] = round(time.time() - dropped, 2)
                    # every row is written: now the pipeline delivers for --deliver-s
                    deadline = min(deadline, time.monotonic() + args.deliver_s)
            stats = await sink_stats(session, ends["sink"])
            if rows >= n and stats["unique"] >= webhooks:
                break
            await asyncio.sleep(0.2)
        async with session.get(f"{ends['sink']}/sms") as r:
            sms = await r.json()
        sms_times = sorted(sms["accepted"])
        # Sent while the webhooks went out: after the first second (the bucket's saved-up burst).
        steady = [t for t in sms_times if t >= sms_times[0] + 1.0] if sms_times else []
        sms_rate = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else 0.0
        status = proc_status(pid)
        figures.update(
            outbox_rows=rows,
            sms_sent=len(sms_times),
            sms_rate_per_s=round(sms_rate, 1),
            sms_429s=sms["rejected"],
            webhooks_arrived=stats["unique"],
            first_webhook_s=round(stats["first"] - dropped, 2) if stats["first"] else None,
            webhooks_done_s=round(stats["last"] - dropped, 2) if stats["last"] else None,
            rss_at_end_mb=round(status["VmRSS"], 1),
            peak_rss_mb=round(max(status["VmHWM"], rss_max), 1),
            stopped_s=round(time.time() - dropped, 2),
        )
    figures["peak_rss_ratio"] = round(figures["peak_rss_mb"] / TARGET_RSS_MB, 3)
    return figures


def print_table(f: dict[str, Any]) -> None:
    print(
        f"\n{f['followers']:,} followers ({f['webhooks']:,} webhook endpoints,"
        f" {f['sms']:,} SMS subscribers), config {f['config_mb']} MB, SQLite"
    )
    rows = [
        (
            "notifier check-config",
            f"{f['check_config_s']} s, peak RSS {f['check_config_rss_mb']} MB,"
            f" exit {f['check_config_exit']}",
        ),
    ]
    if f["check_config_exit"] != 0:
        rows.append(("refused", f["check_config_output"]))
    else:
        rows += [
            ("start-up until /readyz", f"{f['startup_s']} s"),
            (
                "RSS after start-up",
                f"{f['rss_after_startup_mb']} MB (peak so far {f['peak_rss_startup_mb']} MB)",
            ),
            ("outbox rows written", f"{f['outbox_rows']:,} after {f.get('rows_written_s', '-')} s"),
            (
                "webhooks arrived",
                f"{f['webhooks_arrived']:,} (first after {f['first_webhook_s']} s,"
                f" last after {f['webhooks_done_s']} s)",
            ),
            (
                "SMS accepted by the fake Twilio",
                f"{f['sms_sent']:,} (steady {f['sms_rate_per_s']}/s, limit 100/s;"
                f" {f['sms_429s']} refused with 429)",
            ),
            ("bench stopped after", f"{f['stopped_s']} s"),
            ("peak RSS of notifier run (VmHWM)", f"{f['peak_rss_mb']} MB (target < 300 MB)"),
            ("RSS when the bench stopped", f"{f['rss_at_end_mb']} MB"),
        ]
    for name, value in rows:
        print(f"  {name:34} {value}")


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    with (
        sink_process(0.0, 0.0) as ends,
        tempfile.TemporaryDirectory(prefix="notifier-followers-") as tmp,
    ):
        return await fan_out(args, Path(tmp), ends)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--deliver-s",
        type=float,
        default=30.0,
        help="once every row is written, deliver for this long (or until every webhook is in)",
    )
    parser.add_argument("--timeout-s", type=float, default=600.0, help="for the whole fan-out")
    args = parser.parse_args()
    figures = asyncio.run(main_async(args))
    print_table(figures)
    figures.pop("check_config_output", None)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
