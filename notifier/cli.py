"""The `notifier` command: run | check-config | config-schema | extract | ..."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from notifier.config import Config, config_json_schema, default_config_path, load_config
from notifier.errors import ConfigError, NotifierError

T = TypeVar("T")

CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Config file (default: $NOTIFIER_CONFIG or config/notifier.yaml).",
)


def _load(config_path: Path | None, overrides: dict[str, Any] | None = None) -> Config:
    try:
        return load_config(config_path, overrides=overrides)
    except ConfigError as exc:
        _print_config_error(exc)
        sys.exit(2)


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("apscheduler", "aiohttp.access", "twilio.http_client", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _with_store(config: Config, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(store)` against the configured database, closing it afterwards."""
    from notifier.store import Store

    async def go() -> T:
        store = await Store.open(config.database_url)
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(go())
    except NotifierError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def _print_config_error(exc: ConfigError) -> None:
    click.echo(f"error: invalid configuration {exc.file}".rstrip(), err=True)
    for line in exc.errors:
        click.echo(f"  {line}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="notifier")
def main() -> None:
    """Watch feeds for threat-level announcements and notify subscribers by SMS and webhook."""


@main.command("check-config")
@CONFIG_OPTION
def check_config(config_path: Path | None) -> None:
    """Validate the configuration; exit 0 when valid, 2 with one line per error otherwise."""
    path = config_path or default_config_path()
    config = _load(path)
    click.echo(
        f"{path}: ok ({len(config.sources)} sources, {len(config.subscribers)} SMS subscribers, "
        f"{len(config.webhooks)} webhooks)"
    )


@main.command("config-schema")
def config_schema() -> None:
    """Print the JSON Schema of the configuration (for editor completion)."""
    click.echo(json.dumps(config_json_schema(), indent=2, ensure_ascii=False))


@main.command()
@CONFIG_OPTION
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="HTTP port (overrides server.port)."
)
@click.option("--host", default=None, help="Address to listen on (overrides server.host).")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where the embedded SQLite file and other state live (overrides data_dir).",
)
def run(
    config_path: Path | None, port: int | None, host: str | None, data_dir: Path | None
) -> None:
    """Run the service: poll sources, keep levels, deliver notices, serve HTTP."""
    overrides: dict[str, Any] = {}
    if port is not None:
        overrides["server.port"] = port
    if host is not None:
        overrides["server.host"] = host
    if data_dir is not None:
        overrides["data_dir"] = str(data_dir.resolve())
    config = _load(config_path, overrides)
    _setup_logging(config.log_level)
    try:
        asyncio.run(_serve(config, config_path or default_config_path(), overrides))
    except ConfigError as exc:
        _print_config_error(exc)
        sys.exit(2)
    except NotifierError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(
            f"error: cannot listen on {config.server.host}:{config.server.port}: {exc.strerror or exc}",
            err=True,
        )
        sys.exit(1)


async def _serve(config: Config, config_file: Path, overrides: dict[str, Any]) -> None:
    from aiohttp import web

    from notifier.service import Service
    from notifier.web.app import create_app

    service = Service(config, config_file=config_file, config_overrides=overrides)
    runner = web.AppRunner(create_app(service), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.server.host, config.server.port)
        await site.start()
        await service.start()
        host, port = config.server.host, config.server.port
        click.echo(
            f"notifier {__import__('notifier').__version__} listening on http://{host}:{port} "
            f"— current levels at http://{host}:{port}/api/levels; Ctrl-C stops"
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        click.echo("stopping: finishing deliveries in flight …")
    finally:
        await service.stop()
        await runner.cleanup()
    click.echo("stopped")


@main.command()
@CONFIG_OPTION
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def extract(config_path: Path | None, paths: tuple[Path, ...]) -> None:
    """Print the announcements found in each document, one JSON object per line."""
    from notifier.errors import ParseError
    from notifier.extract import Catalog, Extractor
    from notifier.sources.parse import parse_bytes

    config = _load(config_path)
    try:
        catalog = Catalog.load(
            config.resolve(config.catalog.schemes), config.resolve(config.catalog.areas)
        )
    except ConfigError as exc:
        _print_config_error(exc)
        sys.exit(2)
    extractor = Extractor(catalog)
    failed = 0
    files = [
        f
        for p in paths
        for f in (sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p])
    ]
    started = time.perf_counter()
    found = 0
    for file in files:
        record: dict[str, Any] = {"document": str(file), "announcements": []}
        try:
            docs = parse_bytes(file.read_bytes(), source_id="cli", name=str(file))
        except (ParseError, OSError) as exc:
            failed += 1
            record["error"] = str(exc)
            click.echo(f"error: {file}: {exc}", err=True)
        else:
            record["announcements"] = [a.to_json() for d in docs for a in extractor.extract(d)]
            found += len(record["announcements"])
        click.echo(json.dumps(record, ensure_ascii=False))
    if len(files) > 1:  # a summary on stderr keeps stdout pure JSON lines
        click.echo(
            f"{len(files)} files, {found} announcements, {failed} unreadable "
            f"in {time.perf_counter() - started:.2f} s",
            err=True,
        )
    sys.exit(1 if failed else 0)


@main.group(invoke_without_command=True)
@CONFIG_OPTION
@click.pass_context
def sources(ctx: click.Context, config_path: Path | None) -> None:
    """Show every source's state (last success, errors, next poll, staleness)."""
    config = _load(config_path)
    ctx.obj = config
    if ctx.invoked_subcommand is not None:
        return
    from notifier.sources import format_sources_table, source_report

    async def work(store: Any) -> list[dict[str, Any]]:
        rows = {r.source_id: r for r in await store.source_rows()}
        now = datetime.now(UTC)
        return [source_report(s, rows.get(s.id), now) for s in config.sources]

    click.echo(format_sources_table(_with_store(config, work)))
    if not config.sources:
        click.echo("(no sources configured)")


@sources.command("reset")
@click.argument("source_id")
@click.pass_obj
def sources_reset(config: Config, source_id: str) -> None:
    """Forget what SOURCE_ID has seen: its next poll reads every document again."""
    if source_id not in {s.id for s in config.sources}:
        known = ", ".join(s.id for s in config.sources) or "none"
        click.echo(
            f"error: no source {source_id!r} in the configuration (known: {known})", err=True
        )
        sys.exit(2)

    async def work(store: Any) -> int:
        return int(await store.reset_source(source_id))

    forgotten = _with_store(config, work)
    click.echo(f"source {source_id}: forgot {forgotten} documents; the next poll reads all again")


@main.group(invoke_without_command=True)
@CONFIG_OPTION
@click.option("--all", "show_all", is_flag=True, help="Also show decided items.")
@click.pass_context
def review(ctx: click.Context, config_path: Path | None, show_all: bool) -> None:
    """List announcements held for review (below their source's confidence threshold)."""
    config = _load(config_path)
    ctx.obj = config
    if ctx.invoked_subcommand is not None:
        return

    async def work(store: Any) -> list[Any]:
        return list(await store.review_items(None if show_all else "pending"))

    items = _with_store(config, work)
    if not items:
        click.echo("nothing to review")
    for item in items:
        a = item.announcement
        area = a.get("area", {}).get("name")
        click.echo(
            f"#{item.id} [{item.status}] {a.get('scheme')} {area}: {a.get('action')} "
            f"{a.get('level')} (confidence {item.confidence:.2f}, source {item.source_id})"
        )
        click.echo(f"    {a.get('evidence', '')[:200]}")


def _decide(config: Config, item_id: int, status: str) -> None:
    async def work(store: Any) -> Any:
        return await store.decide_review(item_id, status, datetime.now(UTC))

    item = _with_store(config, work)
    if item is None:
        click.echo(f"error: review item #{item_id} does not exist or is not pending", err=True)
        sys.exit(1)
    suffix = "; the running service applies it within seconds" if status == "approved" else ""
    click.echo(f"review item #{item_id} {status}{suffix}")


@review.command("approve")
@click.argument("item_id", type=int)
@click.pass_obj
def review_approve(config: Config, item_id: int) -> None:
    """Approve item ITEM_ID: it is applied to the levels and may notify subscribers."""
    _decide(config, item_id, "approved")


@review.command("reject")
@click.argument("item_id", type=int)
@click.pass_obj
def review_reject(config: Config, item_id: int) -> None:
    """Reject item ITEM_ID: it never reaches anyone."""
    _decide(config, item_id, "rejected")


@main.command()
@CONFIG_OPTION
@click.argument("delivery_ids", nargs=-1)
def replay(config_path: Path | None, delivery_ids: tuple[str, ...]) -> None:
    """Put dead-lettered deliveries back in the outbox (all, or the given ids)."""
    config = _load(config_path)

    async def work(store: Any) -> int:
        return int(await store.replay_dead(datetime.now(UTC), delivery_ids))

    t0 = time.perf_counter()
    count = _with_store(config, work)
    click.echo(f"{count} dead deliveries queued again ({time.perf_counter() - t0:.2f} s)")


@main.command("send-test")
@CONFIG_OPTION
@click.argument("follower_id")
def send_test(config_path: Path | None, follower_id: str) -> None:
    """Send one test notice to FOLLOWER_ID (an SMS subscriber or a webhook) right now.

    It goes straight through the channel, not the outbox, and reports what the other side
    answered: the way to check credentials, numbers, URLs and secrets before an alert needs them.
    """
    from notifier.config import iter_followers

    config = _load(config_path)
    followers = {f.id: f for f in iter_followers(config)}
    follower = followers.get(follower_id)
    if follower is None:
        known = ", ".join(followers) or "none"
        click.echo(f"error: no subscriber or webhook {follower_id!r} (known: {known})", err=True)
        sys.exit(2)
    result = asyncio.run(_send_test(config, follower))
    verdict = {"ok": "delivered", "retryable": "failed (retryable)", "permanent": "failed"}
    detail = result.reason or result.provider_id
    click.echo(f"{follower_id}: {verdict[result.status.value]}{': ' + detail if detail else ''}")
    sys.exit(0 if result.status.value == "ok" else 1)


async def _send_test(config: Config, follower: Any) -> Any:
    import uuid

    import aiohttp

    from notifier.channels.twilio_sms import TwilioSmsChannel
    from notifier.channels.webhook import WebhookChannel
    from notifier.config import SmsSubscriber
    from notifier.model import ChannelKind, Notice

    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    delivery_id = f"msg_test_{uuid.uuid4().hex[:24]}"
    if isinstance(follower, SmsSubscriber):
        body = f"notifier test message ({now}). If you read this, SMS alerts reach you."
        notice = Notice("test", follower.id, ChannelKind.TWILIO_SMS, follower.phone, body)
        async with TwilioSmsChannel(config.twilio) as sms:
            return await sms.send(notice)
    payload = {"type": "test", "schema_version": 1, "event_id": "test", "occurred_at": now}
    notice = Notice(
        "test",
        follower.id,
        ChannelKind.WEBHOOK,
        follower.url,
        json.dumps(payload),
        delivery_id=delivery_id,
    )
    from notifier.netguard import NetworkGuard

    guard = NetworkGuard(config.network.allow)  # the same SSRF guard as the service
    async with aiohttp.ClientSession(
        connector=guard.connector(), trace_configs=[guard.trace()]
    ) as session:
        return await WebhookChannel(session, {follower.id: follower}).send(notice)


if __name__ == "__main__":  # pragma: no cover
    main()
