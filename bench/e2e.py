"""End-to-end delivery benchmark through the real service (`notifier run`, a subprocess).

A sink (a separate process: an aiohttp server answering 200 after an optional delay, counting
arrivals, verifying the signature of every 50th request) plays N webhook endpoints, and the
fake Twilio API (tests/fakes/twilio_api.py, in the sink process) plays Twilio. Measured in one
run, per database (SQLite; PostgreSQL with --postgres or NOTIFIER_TEST_POSTGRES_URL):

- webhook fan-out: one announcement dropped into the service's `dir` source, time from the drop
  to the last of N webhooks arriving; in the same run a bare aiohttp client posts N signed
  bodies at the same concurrency to the same sink. `webhook_fanout_ratio` = service throughput
  / bare throughput (target >= 0.5).
- latency: document -> first webhook, p50/p99 over 30 level changes (10 endpoints; the poll
  interval of the dir source is part of it and printed).
- SMS (SQLite): M subscribers through the real twilio client to the fake API with
  `max_per_s` (a Messaging Service); the fake answers 429 beyond the limit.
  `sms_rate_ratio` = steady sent rate / limit (target within 5 %), and the 429s (target 0).

Prints a table, then one JSON object as the last line.

    .venv/bin/python bench/e2e.py [--quick] [--webhooks N] [--sms M] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TWILIO_SID = "AC" + "b2" * 16
TWILIO_TOKEN = "bench-token-not-a-secret"
LEVELS = ("yellow", "orange", "red")


def announcement(level: str, n: int = 0) -> str:
    return (
        f"Kazakhstan: a {level} level of terrorist threat has been announced in Aktobe, "
        f"the Anti-Terrorism Center said (bulletin {n}).\n"
    )


# --- the sink (its own process) ------------------------------------------------------------------


async def serve_sink(delay_ms: float, rate_limit: float) -> None:
    from aiohttp import web
    from standardwebhooks import Webhook

    from tests.fakes import FakeTwilioApi

    webhook = Webhook(SECRET)
    stats: dict[str, Any] = {"count": 0, "first": None, "last": None, "verified": 0, "bad": 0}
    body_sample: dict[str, str] = {}
    arrivals: dict[str, int] = {}  # webhook-id -> how often it arrived (bench/replicas.py)

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        now = time.time()
        msg_id = request.headers.get("webhook-id", "")
        arrivals[msg_id] = arrivals.get(msg_id, 0) + 1
        stats["count"] += 1
        stats["first"] = stats["first"] or now
        stats["last"] = now
        if stats["count"] % 50 == 1:
            try:
                webhook.verify(body, dict(request.headers))
                stats["verified"] += 1
                body_sample["body"] = body.decode()
            except Exception:
                stats["bad"] += 1
        return web.Response(status=200)

    async def get_stats(request: web.Request) -> web.Response:
        repeated = sum(1 for n in arrivals.values() if n > 1)
        return web.json_response(
            {
                **stats,
                "unique": len(arrivals),
                "repeated_ids": repeated,
                "body": body_sample.get("body", ""),
            }
        )

    async def repeated(request: web.Request) -> web.Response:
        """The webhook-ids that arrived more than once (bench/replicas.py checks each)."""
        return web.json_response(sorted(i for i, n in arrivals.items() if n > 1))

    async def reset(request: web.Request) -> web.Response:
        stats.update(count=0, first=None, last=None, verified=0, bad=0)
        arrivals.clear()
        twilio.accepted.clear()
        twilio.rejected = 0
        return web.json_response({})

    class RateLimitedTwilio(FakeTwilioApi):
        """Twilio that answers 429 beyond `rate_limit` messages per second and notes when each
        message was accepted."""

        accepted: list[float]
        rejected: int

        def _answer(self, request: web.Request, form: dict[str, str]) -> web.Response:
            now = time.monotonic()
            if rate_limit:
                # A bucket a little deeper than the sender's, so only a real excess is refused.
                self._tokens = min(
                    rate_limit * 1.05, self._tokens + (now - self._stamp) * rate_limit
                )
                self._stamp = now
                if self._tokens < 1:
                    self.rejected += 1
                    return self._error(20429)
                self._tokens -= 1
            response = super()._answer(request, form)
            if response.status < 300:
                self.accepted.append(time.time())
            self.messages.clear()  # memory: only the times matter here
            return response

    twilio = RateLimitedTwilio(TWILIO_SID, TWILIO_TOKEN)
    twilio.accepted, twilio.rejected = [], 0
    twilio._tokens, twilio._stamp = rate_limit * 1.05, time.monotonic()  # type: ignore[attr-defined]

    async def sms_stats(request: web.Request) -> web.Response:
        return web.json_response({"accepted": twilio.accepted, "rejected": twilio.rejected})

    app = web.Application()
    app.router.add_post("/hook/{n}", hook)
    app.router.add_get("/stats", get_stats)
    app.router.add_get("/sms", sms_stats)
    app.router.add_get("/repeated", repeated)
    app.router.add_post("/reset", reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, backlog=4096).start()
    await twilio.start()
    port = runner.addresses[0][1]
    print(json.dumps({"sink": f"http://127.0.0.1:{port}", "twilio": twilio.base_url}), flush=True)
    # Runs until the parent closes our stdin (or dies): nothing outlives the benchmark.
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await twilio.close()
    await runner.cleanup()


@contextmanager
def sink_process(delay_ms: float, rate_limit: float) -> Iterator[dict[str, str]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve-sink",
            f"--delay-ms={delay_ms}",
            f"--rate={rate_limit}",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield json.loads(proc.stdout.readline())
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- the service (its own process) ---------------------------------------------------------------


def config_text(
    tmp: Path,
    *,
    sink: str,
    twilio: str,
    webhooks: int,
    sms: int,
    database_url: str | None,
    concurrency: int,
    max_per_s: float,
    poll_s: float,
) -> str:
    lines = [
        f"data_dir: {tmp / 'data'}",
        "log_level: WARNING",
        f"catalog: {{schemes: {ROOT / 'config' / 'schemes'}, areas: {ROOT / 'config' / 'areas'}}}",
        "levels: {flap_window_s: 0}",
        # Latency and throughput are measured per document, not per grouping window: no wait.
        "dispatch: {group_wait_s: 0}",
        "server: {host: 127.0.0.1, port: 0}",
        "network: {allow: ['127.0.0.0/8']}",  # the sink and the fake Twilio API are local
        "sources:",
        f"  - {{id: inbox, type: dir, path: {tmp / 'inbox'}, interval_s: {poll_s}, jitter_s: 0,"
        " baseline: false, min_confidence: 0.3, trust: official}",  # acts at once (README Trust)
        f"outbox: {{concurrency: {concurrency}, per_endpoint: 4, retry_schedule_s: [5]}}",
        "twilio:",
        f"  account_sid: {TWILIO_SID}",
        f"  auth_token: {TWILIO_TOKEN}",
        "  messaging_service_sid: MG" + "c3" * 16,
        f"  base_url: {twilio}",
        f"  max_per_s: {max_per_s}",
    ]
    if database_url:
        lines.append(f"storage: {{url: '{database_url}'}}")
    if webhooks:
        lines.append("webhooks:")
        lines.extend(
            f"  - {{id: hook{i}, url: '{sink}/hook/{i}', secret: '{SECRET}', areas: [KZ]}}"
            for i in range(webhooks)
        )
    if sms:
        lines.append("subscribers:")
        lines.extend(f"  - {{id: s{i}, phone: '+7701{i:07d}', areas: [KZ]}}" for i in range(sms))
    return "\n".join(lines) + "\n"


class Service:
    """`notifier run` on a generated config; start-up time is until /readyz answers 200."""

    def __init__(self, tmp: Path, config: str, port: int) -> None:
        self.tmp = tmp
        (tmp / "inbox").mkdir(parents=True, exist_ok=True)
        self.config_file = tmp / "notifier.yaml"
        self.config_file.write_text(config)
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0
        self.drops = 0

    def _spawn(self) -> subprocess.Popen[bytes]:
        exe = Path(sys.executable).with_name("notifier")
        with (self.tmp / "service.log").open("wb") as log:
            return subprocess.Popen(
                [str(exe), "run", "--config", str(self.config_file), "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def __aenter__(self) -> Service:
        t0 = time.perf_counter()
        self.proc = self._spawn()
        async with aiohttp.ClientSession() as session:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"notifier run exited: {(self.tmp / 'service.log').read_text()[-2000:]}"
                    )
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/readyz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        self.startup_s = time.perf_counter() - t0
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def drop(self, level: str) -> float:
        """Write one announcement into the watched folder; returns the wall-clock time."""
        self.drops += 1
        path = self.tmp / "inbox" / f"{self.drops:04d}-{level}.txt"
        tmp = path.with_suffix(".part")
        tmp.write_text(announcement(level, self.drops))
        at = time.time()
        tmp.rename(path)  # appears whole: the poller never reads half a file
        return at


async def sink_stats(session: aiohttp.ClientSession, sink: str) -> dict[str, Any]:
    async with session.get(f"{sink}/stats") as r:
        return dict(await r.json())


async def reset(session: aiohttp.ClientSession, sink: str) -> None:
    async with session.post(f"{sink}/reset") as r:
        await r.read()


async def wait_count(
    session: aiohttp.ClientSession, sink: str, n: int, timeout_s: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        stats = await sink_stats(session, sink)
        if stats["count"] >= n:
            return stats
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {stats['count']} of {n} webhooks arrived in {timeout_s} s")
        await asyncio.sleep(0.05)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def reset_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


# --- the measurements ----------------------------------------------------------------------------


async def bare_client(sink: str, n: int, concurrency: int, body: str) -> float:
    """N signed POSTs at `concurrency`, one session: the floor any sender pays."""
    from standardwebhooks import Webhook

    signer = Webhook(SECRET)
    semaphore = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as session:
        await reset(session, sink)

        async def post(i: int) -> None:
            async with semaphore:
                msg_id = f"msg_bare{i}"
                headers = {
                    "content-type": "application/json",
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(int(time.time())),
                    "webhook-signature": signer.sign(msg_id, datetime.now(UTC), body),
                }
                async with session.post(
                    f"{sink}/hook/{i}",
                    data=body.encode(),
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as r:
                    await r.read()
                    if r.status != 200:
                        raise RuntimeError(f"sink answered {r.status}")

        t0 = time.time()
        await asyncio.gather(*(post(i) for i in range(n)))
        stats = await sink_stats(session, sink)
    return float(stats["last"] - t0)


async def webhook_fanout(
    tmp: Path, ends: dict[str, str], n: int, concurrency: int, database_url: str | None
) -> dict[str, Any]:
    config = config_text(
        tmp,
        sink=ends["sink"],
        twilio=ends["twilio"],
        webhooks=n,
        sms=0,
        database_url=database_url,
        concurrency=concurrency,
        max_per_s=100,
        poll_s=0.5,
    )
    async with Service(tmp, config, free_port()) as service, aiohttp.ClientSession() as session:
        await reset(session, ends["sink"])
        dropped = service.drop("red")
        stats = await wait_count(session, ends["sink"], n, timeout_s=max(120.0, n / 20))
        await asyncio.sleep(0.5)  # anything beyond N would be a duplicate
        stats = await sink_stats(session, ends["sink"])
        startup_s = service.startup_s
    service_s = stats["last"] - dropped
    first_s = stats["first"] - dropped
    bare_s = await bare_client(ends["sink"], n, concurrency, stats["body"] or "{}")
    return {
        "webhooks": n,
        "startup_s": round(startup_s, 2),
        "service_s": round(service_s, 3),
        "first_webhook_s": round(first_s, 3),
        "service_per_s": round(n / service_s),
        "bare_s": round(bare_s, 3),
        "bare_per_s": round(n / bare_s),
        "webhook_fanout_ratio": round(bare_s / service_s, 3),
        "arrived": stats["count"],
        "duplicates": stats["count"] - n,
        "signatures_verified": stats["verified"],
        "signatures_bad": stats["bad"],
    }


async def latency(tmp: Path, ends: dict[str, str], changes: int, poll_s: float) -> dict[str, Any]:
    config = config_text(
        tmp,
        sink=ends["sink"],
        twilio=ends["twilio"],
        webhooks=10,
        sms=0,
        database_url=None,
        concurrency=64,
        max_per_s=100,
        poll_s=poll_s,
    )
    samples = []
    async with Service(tmp, config, free_port()) as service, aiohttp.ClientSession() as session:
        for i in range(changes + 1):
            await reset(session, ends["sink"])
            dropped = service.drop(LEVELS[i % len(LEVELS)])
            stats = await wait_count(session, ends["sink"], 10, timeout_s=30)
            if i:  # the first change also warms the service up
                samples.append(stats["first"] - dropped)
            await asyncio.sleep(0.2)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return {
        "changes": len(samples),
        "poll_interval_s": poll_s,
        "doc_to_first_webhook_p50_s": round(statistics.median(samples), 3),
        "doc_to_first_webhook_p99_s": round(p99, 3),
    }


async def sms_rate(tmp: Path, ends: dict[str, str], n: int, max_per_s: float) -> dict[str, Any]:
    config = config_text(
        tmp,
        sink=ends["sink"],
        twilio=ends["twilio"],
        webhooks=0,
        sms=n,
        database_url=None,
        concurrency=64,
        max_per_s=max_per_s,
        poll_s=0.5,
    )
    async with Service(tmp, config, free_port()) as service, aiohttp.ClientSession() as session:
        await reset(session, ends["sink"])
        service.drop("red")
        deadline = time.monotonic() + n / max_per_s * 2 + 60
        while True:
            async with session.get(f"{ends['sink']}/sms") as r:
                sms = await r.json()
            if len(sms["accepted"]) >= n or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    times = sorted(sms["accepted"])
    # The first second is the burst both buckets allow; the steady rate is what follows.
    steady = [t for t in times if t >= times[0] + 1.0]
    rate = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else 0.0
    return {
        "sms": n,
        "sms_sent": len(times),
        "sms_max_per_s": max_per_s,
        "sms_rate_per_s": round(rate, 1),
        "sms_rate_ratio": round(rate / max_per_s, 3),
        "sms_429s": sms["rejected"],
        "sms_total_s": round(times[-1] - times[0], 1) if times else None,
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    backends: list[tuple[str, str | None]] = [("sqlite", None)]
    postgres = args.postgres or os.environ.get("NOTIFIER_TEST_POSTGRES_URL")
    if postgres:
        backends.append(("postgresql", postgres))
    with sink_process(args.sink_delay_ms, args.sms_max_per_s) as ends:
        for name, url in backends:
            if url:
                await reset_postgres(url)
            with tempfile.TemporaryDirectory(prefix="notifier-e2e-") as tmp:
                result = await webhook_fanout(Path(tmp), ends, args.webhooks, args.concurrency, url)
            figures[name] = result
            print_fanout(name, result)
        if args.latency_changes:
            with tempfile.TemporaryDirectory(prefix="notifier-e2e-") as tmp:
                figures["latency"] = await latency(Path(tmp), ends, args.latency_changes, 0.5)
            print_rows("document -> first webhook (sqlite)", figures["latency"])
        if args.sms:
            with tempfile.TemporaryDirectory(prefix="notifier-e2e-") as tmp:
                figures["sms"] = await sms_rate(Path(tmp), ends, args.sms, args.sms_max_per_s)
            print_rows("SMS at the sender's rate limit (sqlite)", figures["sms"])
    out: dict[str, Any] = {"concurrency": args.concurrency, "sink_delay_ms": args.sink_delay_ms}
    for name in ("sqlite", "postgresql"):
        if name in figures:
            r = figures[name]
            prefix = "" if name == "sqlite" else "pg_"
            out[f"{prefix}webhooks"] = r["webhooks"]
            out[f"{prefix}webhook_service_per_s"] = r["service_per_s"]
            out[f"{prefix}webhook_bare_per_s"] = r["bare_per_s"]
            out[f"{prefix}webhook_duplicates"] = r["duplicates"]
            out[f"{prefix}startup_s"] = r["startup_s"]
            key = "webhook_fanout_ratio" if name == "sqlite" else "pg_webhook_fanout_ratio"
            out[key] = r["webhook_fanout_ratio"]
    if "latency" in figures:
        out.update({k: v for k, v in figures["latency"].items() if k.startswith("doc_")})
    if "sms" in figures:
        s = figures["sms"]
        out.update(sms_rate_per_s=s["sms_rate_per_s"], sms_rate_ratio=s["sms_rate_ratio"])
        out["sms_429s"] = s["sms_429s"]
    return out


def print_fanout(name: str, r: dict[str, Any]) -> None:
    print(f"\nwebhook fan-out through `notifier run` ({name}), {r['webhooks']:,} endpoints")
    print(f"  {'':34} {'seconds':>10} {'per second':>12}")
    print(
        f"  {'service: drop -> last webhook':34} {r['service_s']:>10.3f} {r['service_per_s']:>12,}"
    )
    print(f"  {'bare aiohttp client, same sink':34} {r['bare_s']:>10.3f} {r['bare_per_s']:>12,}")
    print(
        f"  ratio {r['webhook_fanout_ratio']:.3f}; first webhook after {r['first_webhook_s']:.3f} s;"
        f" start-up {r['startup_s']:.2f} s; duplicates {r['duplicates']};"
        f" signatures checked {r['signatures_verified']} (bad {r['signatures_bad']})"
    )


def print_rows(title: str, rows: dict[str, Any]) -> None:
    print(f"\n{title}")
    for key, value in rows.items():
        print(f"  {key:34} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--webhooks", type=int, default=10_000)
    parser.add_argument("--sms", type=int, default=10_000)
    parser.add_argument("--sms-max-per-s", type=float, default=100.0)
    parser.add_argument("--latency-changes", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--sink-delay-ms", type=float, default=0.0)
    parser.add_argument("--postgres", default=None, help="SQLAlchemy URL of a database to use")
    parser.add_argument("--quick", action="store_true", help="1,000 webhooks and SMS")
    parser.add_argument("--serve-sink", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--delay-ms", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sink:
        asyncio.run(serve_sink(args.delay_ms, args.rate))
        return
    if args.quick:
        args.webhooks = min(args.webhooks, 1_000)
        args.sms = min(args.sms, 1_000)
        args.latency_changes = min(args.latency_changes, 10)
    if shutil.which("notifier", path=str(Path(sys.executable).parent)) is None:
        sys.exit("run from the project's virtualenv (make install): notifier is not installed")
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
