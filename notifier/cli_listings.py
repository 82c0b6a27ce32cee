"""CLI listings and the decisions taken on them: `levels`, `events`, `deliveries`, `sources`,
`review`, `reports`, `replay`.

Each command is a client of the application service the matching /api route calls (through
`cli_control.run_services`), so the CLI and the API answer alike: `--json` prints the API's
shape, a table otherwise. Exit codes: 0 ok, 1 not found, 2 usage or configuration error.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from notifier.app import AppServices
from notifier.app.deliveries import CHANNELS, STATUSES
from notifier.app.levels import AreaLevels, level_json
from notifier.app.reports import REPORT_STATUSES, report_json
from notifier.app.review import review_json
from notifier.cli_control import run_services
from notifier.model import TransitionKind
from notifier.trust import StoredReport

MAX_CELL = 60


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as an aligned text table under upper-case headers; long cells are cut."""

    def cell(value: Any) -> str:
        text = "-" if value is None or value == "" else str(value).replace("\n", " ")
        return text if len(text) <= MAX_CELL else text[: MAX_CELL - 3] + "..."

    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def _level_row(level: Mapping[str, Any]) -> dict[str, Any]:
    return {**level, "area": f"{level['area']['id']} ({level['area']['name']})"}


def echo_report(report: StoredReport) -> None:
    a = report.announcement
    source = report.source
    state = report.status.value + (
        f", needs {report.needs}" if report.status == "unconfirmed" else ""
    )
    if report.decided_by and report.status != "unconfirmed":
        state += f" by {report.decided_by}"
    click.echo(
        f"#{report.id} [{state}] {a.scheme} {a.area.name}: {a.action.value} {a.level or ''} "
        f"(source {source.source_id}, {source.trust.value}, site {source.site or 'unknown'}, "
        f"reported {report.reported_at.isoformat(timespec='minutes')})"
    )
    click.echo(f"    {a.evidence[:200]}")


def register(main: click.Group) -> None:
    from notifier.cli import CONFIG_OPTION, JSON_OPTION, _load, _print_json

    LIMIT = click.option(
        "--limit",
        type=click.IntRange(1, 1000),
        default=100,
        show_default=True,
        help="At most this many, newest first.",
    )

    @main.command()
    @CONFIG_OPTION
    @click.argument("area", required=False)
    @click.option("--scheme", default=None, help="Only this scheme's levels (e.g. kz).")
    @click.option(
        "--history",
        type=click.IntRange(0, 1000),
        default=20,
        show_default=True,
        help="With AREA: how many past events of the area and around it.",
    )
    @JSON_OPTION
    def levels(
        config_path: Path | None,
        area: str | None,
        scheme: str | None,
        history: int,
        as_json: bool,
    ) -> None:
        """Stored levels (one per scheme and area); with AREA (id or name), the level in force
        there under each scheme, its own levels and its history. Exit 1: unknown AREA."""
        config = _load(config_path)
        if area is None:

            async def listing(services: AppServices) -> list[dict[str, Any]]:
                return [level_json(s) for s in await services.levels.listing(scheme=scheme)]

            found = run_services(config, listing)
            if as_json:
                _print_json({"levels": found})
            elif found:
                columns = ("scheme", "area", "level", "severity", "since", "expires")
                click.echo(table([_level_row(x) for x in found], columns))
            else:
                click.echo("no levels stored")
            return

        async def of_area(services: AppServices) -> AreaLevels:
            return await services.levels.of_area(area, history=history)

        answer = run_services(config, of_area).to_json()
        if scheme:
            answer["levels"] = [x for x in answer["levels"] if x["scheme"] == scheme]
        if as_json:
            _print_json(answer)
            return
        click.echo(f"{answer['area']['id']} ({answer['area']['name']})")
        if not answer["levels"]:
            click.echo("no level in force")
        for x in answer["levels"]:
            decided = x["decided_for"]
            inherited = f" (set for {decided})" if decided != answer["area"]["id"] else ""
            click.echo(
                f"  {x['scheme']}: {x['level']} ({x['severity']}) since {x['since']}"
                f"{', until ' + x['expires'] if x['expires'] else ''}{inherited}"
            )
        if answer["history"]:
            click.echo("history:")
            click.echo(table(answer["history"], ("created", "kind", "scheme", "area_id", "level")))

    @main.command()
    @CONFIG_OPTION
    @click.option("--area", default=None, help="Only events of this area and the areas inside.")
    @click.option("--scheme", default=None, help="Only this scheme's events.")
    @click.option("--kind", type=click.Choice([k.value for k in TransitionKind]), default=None)
    @click.option(
        "--since", default=None, help="Only events from this time (ISO 8601 with offset)."
    )
    @LIMIT
    @JSON_OPTION
    def events(
        config_path: Path | None,
        area: str | None,
        scheme: str | None,
        kind: str | None,
        since: str | None,
        limit: int,
        as_json: bool,
    ) -> None:
        """Events, newest first: the level changes the service recorded (as /api/events)."""
        config = _load(config_path)

        async def work(services: AppServices) -> list[dict[str, Any]]:
            return await services.events.listing(
                limit=limit, area=area, scheme=scheme, kind=kind, since=since
            )

        found = run_services(config, work)
        if as_json:
            _print_json({"events": found})
        elif found:
            columns = ("id", "created", "kind", "scheme", "area_id", "level", "previous_level")
            click.echo(table(found, columns))
        else:
            click.echo("no events")

    @main.command()
    @CONFIG_OPTION
    @click.option("--status", type=click.Choice(STATUSES), default=None)
    @click.option("--subscriber", default=None, help="Only this subscriber's deliveries.")
    @click.option("--event", default=None, help="Only this event's deliveries.")
    @click.option("--channel", type=click.Choice(CHANNELS), default=None)
    @click.option("--attempts", is_flag=True, help="Also show every attempt of each delivery.")
    @LIMIT
    @JSON_OPTION
    def deliveries(
        config_path: Path | None,
        status: str | None,
        subscriber: str | None,
        event: str | None,
        channel: str | None,
        attempts: bool,
        limit: int,
        as_json: bool,
    ) -> None:
        """The outbox, newest first, with attempt history (as /api/deliveries)."""
        config = _load(config_path)

        async def work(services: AppServices) -> list[dict[str, Any]]:
            return await services.deliveries.listing(
                limit=limit, status=status, subscriber=subscriber, event=event, channel=channel
            )

        found = run_services(config, work)
        if as_json:
            _print_json({"deliveries": found})
            return
        if not found:
            click.echo("no deliveries")
            return
        columns = ("id", "status", "attempts", "subscriber_id", "channel", "event_id", "last_error")
        if not attempts:
            click.echo(table(found, columns))
            return
        for row in found:
            click.echo(table([row], columns).splitlines()[-1])
            for a in row["history"]:
                reason = f": {a['reason']}" if a["reason"] else ""
                click.echo(f"    attempt {a['attempt']} at {a['at']}: {a['outcome']}{reason}")

    @main.group(invoke_without_command=True)
    @CONFIG_OPTION
    @JSON_OPTION
    @click.pass_context
    def sources(ctx: click.Context, config_path: Path | None, as_json: bool) -> None:
        """Show every source's state (last success, errors, next poll, staleness)."""
        if ctx.invoked_subcommand is not None:
            return
        from notifier.sources import format_sources_table

        config = _load(config_path)

        async def work(services: AppServices) -> list[dict[str, Any]]:
            return await services.sources.listing()

        report = run_services(config, work)
        if as_json:
            _print_json({"sources": report})
            return
        click.echo(format_sources_table(report))
        if not config.sources:
            click.echo("(no sources configured)")

    @sources.command("reset")
    @CONFIG_OPTION
    @click.argument("source_id")
    def sources_reset(config_path: Path | None, source_id: str) -> None:
        """Forget what SOURCE_ID has seen: its next poll reads every document again."""
        config = _load(config_path)

        async def work(services: AppServices) -> int:
            return await services.sources.reset(source_id)

        forgotten = run_services(config, work)
        click.echo(
            f"source {source_id}: forgot {forgotten} documents; the next poll reads all again"
        )

    @main.group(invoke_without_command=True)
    @CONFIG_OPTION
    @click.option("--all", "show_all", is_flag=True, help="Also show decided items.")
    @JSON_OPTION
    @click.pass_context
    def review(ctx: click.Context, config_path: Path | None, show_all: bool, as_json: bool) -> None:
        """List announcements held for review (below their source's confidence threshold),
        then the unconfirmed reports the trust stage holds."""
        if ctx.invoked_subcommand is not None:
            return
        config = _load(config_path)

        async def work(services: AppServices) -> tuple[list[Any], list[StoredReport]]:
            items = await services.review.listing(None if show_all else "pending")
            held = await services.reports.listing("all" if show_all else "unconfirmed")
            return items, held

        items, held = run_services(config, work)
        if as_json:
            _print_json({"review": [review_json(item) for item in items]})
            return
        if not items and not held:
            click.echo("nothing to review")
        for item in items:
            a = item.announcement
            area = a.get("area", {}).get("name")
            click.echo(
                f"#{item.id} [{item.status}] {a.get('scheme')} {area}: {a.get('action')} "
                f"{a.get('level')} (confidence {item.confidence:.2f}, source {item.source_id})"
            )
            click.echo(f"    {a.get('evidence', '')[:200]}")
        if held:
            click.echo(
                f"{len(held)} unconfirmed reports (`notifier reports confirm|dismiss ID`):"
                if not show_all
                else f"{len(held)} reports:"
            )
        for report in held:
            echo_report(report)

    def decide_review(config_path: Path | None, item_id: int, approve: bool) -> None:
        config = _load(config_path)

        async def work(services: AppServices) -> Any:
            return await services.review.decide(item_id, approve=approve)

        item = run_services(config, work)
        suffix = "; the running service applies it within seconds" if approve else ""
        click.echo(f"review item #{item_id} {item.status}{suffix}")

    @review.command("approve")
    @CONFIG_OPTION
    @click.argument("item_id", type=int)
    def review_approve(config_path: Path | None, item_id: int) -> None:
        """Approve item ITEM_ID: it is applied to the levels and may notify subscribers."""
        decide_review(config_path, item_id, approve=True)

    @review.command("reject")
    @CONFIG_OPTION
    @click.argument("item_id", type=int)
    def review_reject(config_path: Path | None, item_id: int) -> None:
        """Reject item ITEM_ID: it never reaches anyone."""
        decide_review(config_path, item_id, approve=False)

    @main.group(invoke_without_command=True)
    @CONFIG_OPTION
    @click.option(
        "--status",
        type=click.Choice(REPORT_STATUSES),
        default="unconfirmed",
        show_default=True,
        help="Which reports to list.",
    )
    @JSON_OPTION
    @click.pass_context
    def reports(ctx: click.Context, config_path: Path | None, status: str, as_json: bool) -> None:
        """List reports the trust stage holds: unconfirmed media reports, unverified sources."""
        if ctx.invoked_subcommand is not None:
            return
        config = _load(config_path)

        async def work(services: AppServices) -> list[StoredReport]:
            return await services.reports.listing(status)

        found = run_services(config, work)
        if as_json:
            _print_json({"reports": [report_json(r) for r in found]})
            return
        if not found:
            click.echo(f"no {'' if status == 'all' else status + ' '}reports")
        for report in found:
            echo_report(report)

    def decide_report(config_path: Path | None, report_id: int, confirm: bool) -> None:
        config = _load(config_path)

        async def work(services: AppServices) -> StoredReport:
            return await services.reports.decide(report_id, confirm=confirm)

        run_services(config, work)
        if confirm:
            click.echo(
                f"report #{report_id} confirmed; the running service applies it within seconds"
            )
        else:
            click.echo(f"report #{report_id} dismissed; it changes nothing and counts for nothing")

    @reports.command("confirm")
    @CONFIG_OPTION
    @click.argument("report_id", type=int)
    def reports_confirm(config_path: Path | None, report_id: int) -> None:
        """Confirm report REPORT_ID: it changes the level and notifies subscribers."""
        decide_report(config_path, report_id, confirm=True)

    @reports.command("dismiss")
    @CONFIG_OPTION
    @click.argument("report_id", type=int)
    def reports_dismiss(config_path: Path | None, report_id: int) -> None:
        """Dismiss report REPORT_ID: it never reaches anyone and corroborates nothing."""
        decide_report(config_path, report_id, confirm=False)

    @main.command()
    @CONFIG_OPTION
    @click.argument("delivery_ids", nargs=-1)
    def replay(config_path: Path | None, delivery_ids: tuple[str, ...]) -> None:
        """Put dead-lettered deliveries back in the outbox (all, or the given ids); exit 1 when
        ids are given and none of them is dead."""
        config = _load(config_path)

        async def work(services: AppServices) -> int:
            return await services.deliveries.replay(delivery_ids)

        t0 = time.perf_counter()
        count = run_services(config, work)
        click.echo(f"{count} dead deliveries queued again ({time.perf_counter() - t0:.2f} s)")
        if delivery_ids and count == 0:
            click.echo("error: none of the given ids is a dead delivery", err=True)
            sys.exit(1)
