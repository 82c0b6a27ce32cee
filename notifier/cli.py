"""The `notifier` command: run | check-config | config-schema | extract | ..."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from notifier.config import Config, config_json_schema, default_config_path, load_config
from notifier.errors import ConfigError, NotifierError


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep --config / --data-dir in ctx.meta, which the group and its subcommands share: an
    option given after a subcommand overrides the one given before it."""
    if value is not None:
        ctx.meta[f"notifier.{param.name}"] = value
    return value


def CONFIG_OPTION(func: Callable[..., Any]) -> Callable[..., Any]:  # the name predates it
    """`--config FILE` and `--data-dir DIR`, accepted by the group and by every command."""
    func = click.option(
        "--data-dir",
        "data_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        expose_value=False,
        callback=_remember,
        help="Where the embedded SQLite file and other state live (overrides data_dir).",
    )(func)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        callback=_remember,
        help="Config file (default: $NOTIFIER_CONFIG or config/notifier.yaml).",
    )(func)


def _config_file(config_path: Path | None = None) -> Path:
    """The --config given to this command, else to the group, else the default."""
    if config_path is not None:
        return config_path
    ctx = click.get_current_context(silent=True)
    given = ctx.meta.get("notifier.config_path") if ctx is not None else None
    return given or default_config_path()


def _overrides(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings the command line overrides; --data-dir is resolved as `run` resolves it."""
    out: dict[str, Any] = {}
    ctx = click.get_current_context(silent=True)
    data_dir = ctx.meta.get("notifier.data_dir") if ctx is not None else None
    if data_dir is not None:
        out["data_dir"] = str(Path(data_dir).resolve())
    out.update(extra or {})
    return out


def _load(config_path: Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """The configuration with the command line's overrides; exit 2 when it is invalid."""
    try:
        return load_config(_config_file(config_path), overrides=_overrides(overrides))
    except ConfigError as exc:
        _print_config_error(exc)
        sys.exit(2)


def _setup_logging(level: str, fmt: str = "console") -> None:
    from notifier import logging as logs

    logs.configure(level, fmt)


async def _database_exists(url: str) -> bool:
    """Whether `url` holds a notifier database (one `notifier run` has created and migrated)."""
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        return database == ":memory:" or await asyncio.to_thread(Path(database).is_file)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return bool(
                await conn.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))
            )
    finally:
        await engine.dispose()


def _print_config_error(exc: ConfigError) -> None:
    click.echo(f"error: invalid configuration {exc.file}".rstrip(), err=True)
    for line in exc.errors:
        click.echo(f"  {line}", err=True)


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


JSON_OPTION = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (the shape of the matching /api route)."
)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit codes: 0 ok, 1 not found or failed, 2 usage or configuration error.",
)
@click.version_option(package_name="notifier")
@CONFIG_OPTION
def main(config_path: Path | None) -> None:
    """Watch feeds for threat-level announcements and notify subscribers by SMS and webhook."""


@main.command("check-config")
@CONFIG_OPTION
def check_config(config_path: Path | None) -> None:
    """Validate the configuration exactly as start-up does (schema, catalog, area ids,
    templates, the API token policy); exit 0 when valid, 2 with one line per error otherwise."""
    from notifier.preflight import prepare
    from notifier.web.auth import check_exposure

    path = _config_file(config_path)
    config = _load(path)
    try:
        prepare(config)  # the same checks start-up and every reload make
        check_exposure(config, os.environ)
    except ConfigError as exc:
        if not exc.file:
            exc.file = str(path)
        _print_config_error(exc)
        sys.exit(2)
    click.echo(
        f"{path}: ok ({len(config.sources)} sources, {len(config.subscribers)} SMS subscribers, "
        f"{len(config.webhooks)} webhooks)"
    )


@main.command("areas")
@CONFIG_OPTION
@click.argument("query", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
def areas_command(config_path: Path | None, query: str | None, as_json: bool) -> None:
    """List area ids and their names in every language, or those matching QUERY (a part of an
    id, code, name or alias in any language); exit 1 when none matches."""
    from notifier.app.areas import area_json
    from notifier.app.errors import NotFound
    from notifier.service import Service

    config = _load(config_path)
    try:
        # The catalog needs no database: a service that is not started answers.
        services = Service(config, echo=lambda _: None, client=True).services
    except ConfigError as exc:
        _print_config_error(exc)
        sys.exit(2)
    try:
        found = services.areas.search(query)
    except NotFound as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps([area_json(a) for a in found], ensure_ascii=False, indent=2))
        return
    width = max(len(a.id) for a in found)
    for a in found:
        names = " · ".join(dict.fromkeys(a.names.values()))
        inside = f"  (in {a.parent})" if a.parent else ""
        click.echo(f"{a.id:<{width}}  {a.kind:<8}  {names}{inside}")


@main.command("config-schema")
@CONFIG_OPTION
def config_schema(config_path: Path | None) -> None:
    """Print the JSON Schema of the configuration (for editor completion)."""
    click.echo(json.dumps(config_json_schema(), indent=2, ensure_ascii=False))


@main.command()
@CONFIG_OPTION
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="HTTP port (overrides server.port)."
)
@click.option("--host", default=None, help="Address to listen on (overrides server.host).")
@click.option(
    "--log-format",
    type=click.Choice(["console", "json"]),
    default=None,
    help="console (default) or json: one object per line with source, document, event, delivery.",
)
def run(
    config_path: Path | None, port: int | None, host: str | None, log_format: str | None
) -> None:
    """Run the service: poll sources, keep levels, deliver notices, serve HTTP."""
    from notifier.web.auth import check_exposure

    extra: dict[str, Any] = {}
    if port is not None:
        extra["server.port"] = port
    if host is not None:
        extra["server.host"] = host
    if log_format is not None:
        extra["log_format"] = log_format
    overrides = _overrides(extra)
    config = _load(config_path, extra)
    try:
        check_exposure(config, os.environ)
    except ConfigError as exc:
        exc.file = str(_config_file(config_path))
        _print_config_error(exc)
        sys.exit(2)
    _setup_logging(config.log_level, config.log_format.value)
    try:
        asyncio.run(_serve(config, _config_file(config_path), overrides))
    except ConfigError as exc:
        _print_config_error(exc)
        sys.exit(2)
    except NotifierError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        # Not the listening socket (that is reported by _serve): a data dir, a file, a folder.
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"error: cannot start: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)


async def _serve(config: Config, config_file: Path, overrides: dict[str, Any]) -> None:
    from aiohttp import web

    from notifier.service import Service
    from notifier.web.app import create_app

    echo = None
    if config.log_format.value == "json":
        # Transitions and dry-run SMS become records too: every line on stderr is JSON.
        echo = logging.getLogger("notifier.events").info
    service = Service(config, config_file=config_file, config_overrides=overrides, echo=echo)
    host, port = config.server.host, config.server.port
    # Bind first, so a taken port fails before a slow start-up; listen only once the service
    # has started (the runner's set-up runs the app's cleanup_ctx), so nothing is served from a
    # half-started service.
    try:
        sock = _bound_socket(host, port)
    except OSError as exc:
        raise NotifierError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    runner = web.AppRunner(create_app(service, owns_service=True), access_log=None)
    try:
        await runner.setup()
        await web.SockSite(runner, sock).start()
        _settle_gc()
        click.echo(
            f"notifier {__import__('notifier').__version__} listening on http://{host}:{port} "
            f"— current levels at http://{host}:{port}/api/levels; Ctrl-C stops"
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        # `kill -HUP <pid>` reloads the configuration now instead of at the next look.
        loop.add_signal_handler(signal.SIGHUP, service.request_reload)
        await stop.wait()
        click.echo("stopping: finishing deliveries in flight …")
    finally:
        # Stops accepting, then the app's clean-up stops the service.
        await runner.cleanup()
        sock.close()
    click.echo("stopped")


def _settle_gc() -> None:
    """What start-up built (catalog, gazetteer, the configuration's followers, routing tables:
    some 270,000 objects with 10,000 webhook endpoints) lives as long as the process. Frozen,
    the collector's full passes no longer walk it: each walk took 115-140 ms of the one thread
    that sends, five times during a fan-out to 10,000 webhooks (13 % of it)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _bound_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (IPv4 or IPv6, the first address that binds), not yet
    listening: aiohttp's SockSite listens on it when the site starts."""
    last: OSError | None = None
    for family, kind, proto, _, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    ):
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    raise last or OSError(f"no address to bind for {host}")


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


@main.command()
@CONFIG_OPTION
@click.option(
    "--trust",
    type=click.Choice(["official", "media", "unverified"]),
    default="media",
    show_default=True,
    help="Trust of the source the documents are taken to come from.",
)
@click.option(
    "--from-store",
    is_flag=True,
    help="Start from the levels and recent reports in the configured database (only read).",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def simulate(
    config_path: Path | None, trust: str, from_store: bool, paths: tuple[Path, ...]
) -> None:
    """Show what documents would send, changing nothing: one JSON line per notice, then a
    summary line. Each file is its own source; documents run in the order given."""
    from notifier.model import Trust
    from notifier.simulate import simulate as run_simulation

    config = _load(config_path)
    # The scratch service runs in SMS dry-run on purpose; its warning would only confuse here.
    logging.getLogger("notifier.channels.twilio_sms").setLevel(logging.ERROR)
    files = [
        f
        for p in paths
        for f in (sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p])
    ]

    def show(notice: dict[str, Any]) -> None:
        click.echo(json.dumps(notice, ensure_ascii=False))

    try:
        result = asyncio.run(
            run_simulation(config, files, trust=Trust(trust), from_store=from_store, on_notice=show)
        )
    except ConfigError as exc:
        _print_config_error(exc)
        sys.exit(2)
    except NotifierError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for file, error in result.unreadable:
        click.echo(f"error: {file}: {error}", err=True)
    click.echo(json.dumps(result.summary(Trust(trust)), ensure_ascii=False))
    sys.exit(1 if result.unreadable else 0)


# sources, review, reports and replay: notifier/cli_listings.py (registered by cli_control).


@main.command("send-test")
@CONFIG_OPTION
@click.argument("follower_id")
def send_test(config_path: Path | None, follower_id: str) -> None:
    """Send one test notice to FOLLOWER_ID right now: a subscriber or webhook of the YAML, or
    one in the database (every contact of a subscriber, or one contact's key such as ops@7).

    It goes straight through the channel, not the outbox, and reports what the other side
    answered: the way to check credentials, numbers, URLs and secrets before an alert needs them.
    """
    from notifier.config import iter_followers

    config = _load(config_path)
    followers = {f.id: f for f in iter_followers(config)}
    found = [followers[follower_id]] if follower_id in followers else []
    if not found and asyncio.run(_database_exists(config.database_url)):
        # Subscribers the API, the CLI or a JOIN created live in the database only.
        from notifier.app import AppServices
        from notifier.cli_control import run_services

        async def stored(services: AppServices) -> list[Any]:
            return await services.subscribers.recipients(follower_id)

        found = run_services(config, stored)
    if not found:
        known = ", ".join(followers) or "none"
        click.echo(f"error: no subscriber or webhook {follower_id!r} (known: {known})", err=True)
        sys.exit(1)
    verdict = {"ok": "delivered", "retryable": "failed (retryable)", "permanent": "failed"}
    delivered = True
    for follower in found:
        result = asyncio.run(_send_test(config, follower))
        detail = result.reason or result.provider_id
        click.echo(
            f"{follower.id}: {verdict[result.status.value]}{': ' + detail if detail else ''}"
        )
        delivered = delivered and result.status.value == "ok"
    sys.exit(0 if delivered else 1)


async def _send_test(config: Config, follower: Any) -> Any:
    import uuid

    import aiohttp

    from notifier.channels import REGISTRY, ChannelContext
    from notifier.model import Notice
    from notifier.netguard import NetworkGuard

    spec = REGISTRY.of(follower)  # the follower's channel kind says what a test message is
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    notice = Notice(
        "test",
        follower.id,
        spec.kind,
        spec.address(follower),
        spec.test_body(follower, now),
        delivery_id=f"msg_test_{uuid.uuid4().hex[:24]}",
    )

    async def nobody(key: str) -> Any:
        return None

    guard = NetworkGuard(config.network.allow)  # the same SSRF guard as the service
    async with aiohttp.ClientSession(connector=guard.connector()) as session:
        context = ChannelContext(
            config=config,
            session=session,
            clock=lambda: datetime.now(UTC),
            echo=lambda line: print(line, flush=True),
            followers={follower.id: follower},
            resolve=nobody,
        )
        channel = spec.build(context)
        try:
            start = getattr(channel, "start", None)
            if start is not None:
                await start()
            return await channel.send(notice)
        finally:
            await channel.aclose()


@main.group()
@CONFIG_OPTION
def token(config_path: Path | None) -> None:
    """Make API tokens: the token goes to its holder, only its hash into the configuration."""


@token.command("new")
@CONFIG_OPTION
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    type=click.Choice(["read", "admin"]),
    multiple=True,
    default=("read",),
    show_default=True,
    help="What the token may do (repeat for several).",
)
def token_new(config_path: Path | None, name: str, scopes: tuple[str, ...]) -> None:
    """Print a new random token for NAME and the api.tokens entry that admits it."""
    import re

    from notifier.web.auth import new_token, token_hash

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]*", name):
        click.echo(
            f"error: token name {name!r}: use letters, digits and _ . : - (start with a letter or digit)",
            err=True,
        )
        sys.exit(2)
    secret = new_token()
    listed = ", ".join(dict.fromkeys(scopes))
    click.echo(f"token: {secret}")
    click.echo("give the token to its holder; it is not stored anywhere. Add to api.tokens:")
    click.echo(f"  - {{name: {name}, sha256: {token_hash(secret)}, scopes: [{listed}]}}")


@token.command("hash")
@CONFIG_OPTION
@click.argument("value", required=False)
def token_hash_command(config_path: Path | None, value: str | None) -> None:
    """Print the sha256 for api.tokens of a token (VALUE, or one line on standard input)."""
    from notifier.web.auth import token_hash

    secret = (value if value is not None else sys.stdin.readline()).strip()
    if not secret:
        click.echo("error: no token given (pass it as an argument or on standard input)", err=True)
        sys.exit(2)
    click.echo(token_hash(secret))


# The control plane's commands (announce, silence, explain) live in their own module.
from notifier.cli_control import register as _register_control  # noqa: E402

_register_control(main)

from notifier.cli_subscribers import register as _register_subscribers  # noqa: E402

_register_subscribers(main)

if __name__ == "__main__":  # pragma: no cover
    main()
