"""CLI commands of the operator's control plane: `announce`, `silence add|list|expire`,
`explain`; `register` also adds the listings of `notifier.cli_listings`.

They are clients of the same application services the HTTP API calls, run in-process on a
Service that opens the configured database but starts no scheduler and no outbox: what they
write (levels, events, outbox rows, silences) is in the shared database, where the running
service's outbox picks the rows up (LISTEN/NOTIFY on PostgreSQL, its sweep on SQLite) and its
fan-out reads the silences. No running service is needed to announce; the notices wait in the
outbox until one runs.
"""

from __future__ import annotations

import asyncio
import getpass
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from notifier.app import AppServices
from notifier.app.errors import Conflict, Invalid, NotFound
from notifier.config import Config
from notifier.errors import ConfigError, NotifierError

T = TypeVar("T")
DURATION = re.compile(r"(\d{1,4})([smhd])")
UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """`90m`, `2h`, `7d` (at most four digits; the silence's own bound applies after)."""
    match = DURATION.fullmatch(text.strip())
    if match is None:
        raise Invalid("--for", f"not a duration like 90m, 2h or 7d: {text[:40]!r}")
    return timedelta(seconds=int(match[1]) * UNIT_S[match[2]])


def run_services(config: Config, work: Callable[[AppServices], Awaitable[T]]) -> T:
    """Run `work` on the application services over the configured database.

    A database that does not exist yet is not created (that would hide a wrong --data-dir
    behind an empty answer): exit 2 saying where it looked. Invalid input is exit 2 naming
    the field (a conflict, such as editing a subscriber the YAML owns, too), something named that does not exist exit 1, and so is a database that fails.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from notifier.cli import _database_exists
    from notifier.service import Service

    async def go() -> T:
        parsed = make_url(config.database_url)
        try:
            exists = await _database_exists(config.database_url)
        except (SQLAlchemyError, OSError) as exc:
            raise NotifierError(f"cannot open database {parsed.render_as_string()}: {exc}") from exc
        if not exists:
            sqlite = parsed.get_backend_name() == "sqlite"
            where = (parsed.database or "") if sqlite else parsed.render_as_string()
            click.echo(
                f"error: no notifier database at {where}; `notifier run` creates it "
                "(check --data-dir / data_dir / storage.url: they must be the ones the service "
                "uses)",
                err=True,
            )
            sys.exit(2)
        # A client's start opens the database and the routing only (`Service(client=True)`).
        async with Service(config, echo=lambda _: None, client=True) as service:
            return await work(service.services)

    try:
        return asyncio.run(go())
    except Invalid as exc:
        click.echo(f"error: {exc.field}: {exc.message}", err=True)
        sys.exit(2)
    except NotFound as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except Conflict as exc:  # e.g. a subscriber the YAML owns: a usage error
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except ConfigError as exc:  # the YAML names an id the API gave out
        from notifier.cli import _print_config_error

        _print_config_error(exc)
        sys.exit(2)
    except NotifierError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def register(main: click.Group) -> None:
    from notifier.app.announcements import AnnouncementOutcome, AnnouncementRequest
    from notifier.cli import CONFIG_OPTION, JSON_OPTION, _load, _print_json
    from notifier.model import Action

    @main.command()
    @CONFIG_OPTION
    @click.argument("scheme")
    @click.argument("area")
    @click.argument("level")
    @click.option(
        "--action",
        type=click.Choice([a.value for a in Action]),
        default="set",
        show_default=True,
    )
    @click.option("--expires", default=None, help="ISO 8601 with offset, within a year.")
    @click.option("--note", default="", help="Shown as the evidence: who said so, where.")
    @click.option("--dry-run", is_flag=True, help="Change nothing; show who would be told what.")
    @JSON_OPTION
    def announce(
        config_path: Path | None,
        scheme: str,
        area: str,
        level: str,
        action: str,
        expires: str | None,
        note: str,
        dry_run: bool,
        as_json: bool,
    ) -> None:
        """Set, extend or lift LEVEL of SCHEME for AREA as the operator's own announcement.

        It goes through the pipeline like a source's (levels, events, outbox, silences); the
        running service delivers the notices. Exit 2 names the field that is wrong."""
        config = _load(config_path)
        request = AnnouncementRequest(
            scheme=scheme,
            area=area,
            level=level,
            action=Action(action),
            expires=expires,
            note=note,
            dry_run=dry_run,
            by=f"cli:{_user()}",
        )

        async def work(services: AppServices) -> AnnouncementOutcome:
            return await services.announcements.announce(request)

        outcome = run_services(config, work)
        if as_json:
            _print_json(outcome.to_json())
            return
        a = outcome.announcement
        for t in outcome.transitions:
            click.echo(f"{t.kind.value}: {t.area.name} {t.level or ''} ({t.scheme})")
        if not outcome.transitions:
            click.echo(f"{a.area.name}: nothing changes")
        verb = "would notify" if outcome.dry_run else "notified"
        click.echo(f"{verb}: {', '.join(outcome.notified) or 'nobody'}")
        if outcome.muted:
            click.echo("muted: " + ", ".join(f"{m['subscriber']}" for m in outcome.muted))
        if outcome.dry_run:
            for n in outcome.notices:
                click.echo(f"--- {n['subscriber']} ({n['channel']}, {n['language']})\n{n['text']}")
        else:
            click.echo(f"queued {outcome.queued} notice(s); the running service delivers them")

    @main.group()
    @CONFIG_OPTION
    def silence(config_path: Path | None) -> None:
        """Mute an area (and the areas inside it) or a subscriber until a time."""

    @silence.command("add")
    @CONFIG_OPTION
    @click.option("--area", default=None, help="Area id or name.")
    @click.option("--subscriber", default=None, help="Subscriber id.")
    @click.option("--until", "until", default=None, help="End, ISO 8601 with offset.")
    @click.option("--for", "for_", default=None, help="Or a duration: 90m, 2h, 7d.")
    @click.option("--comment", default="", help="Why (required).")
    @click.option("--by", "by", default=None, help="Who (default: your login name).")
    @click.option("--include-extreme", is_flag=True, help="Also mute extreme events.")
    @JSON_OPTION
    def silence_add(
        config_path: Path | None,
        area: str | None,
        subscriber: str | None,
        until: str | None,
        for_: str | None,
        comment: str,
        by: str | None,
        include_extreme: bool,
        as_json: bool,
    ) -> None:
        """Add a silence; give --area or --subscriber, and --until or --for."""
        config = _load(config_path)
        if (until is None) == (for_ is None):
            click.echo("error: give exactly one of --until and --for", err=True)
            sys.exit(2)
        try:
            ends: str | datetime = until or datetime.now(UTC) + parse_duration(for_ or "")
        except Invalid as exc:
            click.echo(f"error: {exc.field}: {exc.message}", err=True)
            sys.exit(2)

        async def work(services: AppServices) -> dict[str, Any]:
            s = await services.silences.add(
                area=area,
                subscriber=subscriber,
                ends=ends,
                created_by=by or f"cli:{_user()}",
                comment=comment,
                include_extreme=include_extreme,
            )
            return s.to_json(services.silences.now())

        made = run_services(config, work)
        if as_json:
            _print_json(made)
        else:
            click.echo(_line(made))

    @silence.command("list")
    @CONFIG_OPTION
    @click.option("--expired", is_flag=True, help="Also those that have ended.")
    @JSON_OPTION
    def silence_list(config_path: Path | None, expired: bool, as_json: bool) -> None:
        """Silences, newest first."""
        config = _load(config_path)

        async def work(services: AppServices) -> list[dict[str, Any]]:
            now = services.silences.now()
            found = await services.silences.listing(include_expired=expired, limit=1000)
            return [s.to_json(now) for s in found]

        found = run_services(config, work)
        if as_json:
            _print_json({"silences": found})
            return
        if not found:
            click.echo("no silences")
        for s in found:
            click.echo(_line(s))

    @silence.command("expire")
    @CONFIG_OPTION
    @click.argument("silence_id", type=int)
    def silence_expire(config_path: Path | None, silence_id: int) -> None:
        """End silence SILENCE_ID now (exit 1 when it does not exist or has ended)."""
        config = _load(config_path)

        async def work(services: AppServices) -> dict[str, Any]:
            ended = await services.silences.expire(silence_id)
            return ended.to_json(services.silences.now())

        click.echo(_line(run_services(config, work)))

    @main.command()
    @CONFIG_OPTION
    @click.argument("event_id")
    @click.argument("subscriber_id")
    @JSON_OPTION
    def explain(config_path: Path | None, event_id: str, subscriber_id: str, as_json: bool) -> None:
        """Why SUBSCRIBER_ID was or was not notified of EVENT_ID (exit 1: no such one)."""
        config = _load(config_path)

        async def work(services: AppServices) -> dict[str, Any]:
            return await services.explain.explain(event_id, subscriber_id)

        answer = run_services(config, work)
        if as_json:
            _print_json(answer)
            return
        ev, sub = answer["event"], answer["subscriber"]
        click.echo(
            f"{ev['id']}: {ev['kind']} {ev['area']['name']} {ev['level'] or ''} ({ev['scheme']})"
        )
        click.echo(
            f"{sub['id']} ({sub['channel']} {sub['address']}): "
            f"{answer['verdict'].replace('_', ' ')}"
        )
        for c in answer["checks"]:
            click.echo(f"  {'✓' if c['passed'] else '✗'} {c['check']}: {c['detail']}")
        for d in answer["deliveries"]:
            error = f", {d['last_error']}" if d["last_error"] else ""
            click.echo(
                f"  delivery {d['id']} {d['channel']}: {d['status']}, "
                f"{d['attempts']} attempt(s){error}"
            )

    from notifier.cli_listings import register as register_listings

    register_listings(main)


def _line(s: dict[str, Any]) -> str:
    extreme = ", extreme too" if s["include_extreme"] else ""
    return (
        f"silence #{s['id']} [{s['state']}] {s['target']} {s['value']} "
        f"until {s['ends']}{extreme} — {s['created_by']}: {s['comment']}"
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"
