"""CLI `notifier subscribers list|show|add|edit|remove|pause|resume|enable|unblock`.

A client of `SubscriberService`, like the HTTP API, run in-process over the configured
database (`cli_control.run_services`): what it writes bumps the stored subscribers version,
so a running service (every replica) routes with it at its next event. Exit codes: 0 done,
1 not found, 2 invalid input, a read-only (YAML) subscriber or no database.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from notifier.app import AppServices
from notifier.app.subscribers import (
    ContactIn,
    SmsContactIn,
    SubscriberIn,
    SubscriberPatch,
    WebhookContactIn,
    subscriber_json,
)
from notifier.config import QuietHours
from notifier.model import Severity, TransitionKind
from notifier.store.subscribers import SubscriberRow

SEVERITIES = [s.value for s in Severity]
KINDS = [k.value for k in TransitionKind]


def _secret(value: str) -> str:
    """`env:NAME` reads the secret from the environment (kept out of shell history)."""
    if value.startswith("env:"):
        name = value.removeprefix("env:")
        found = os.environ.get(name)
        if not found:
            click.echo(f"error: --secret: environment variable {name} is not set", err=True)
            sys.exit(2)
        return found
    return value


def _quiet(text: str | None, timezone: str) -> QuietHours | None:
    """`22:00-07:00` (local to --timezone) as quiet hours; exit 2 when it is not that."""
    if text is None:
        return None
    start, sep, end = text.partition("-")
    if not sep or len(text) > 20:
        click.echo("error: --quiet: write it as HH:MM-HH:MM, e.g. 22:00-07:00", err=True)
        sys.exit(2)
    return _validated(
        "--quiet", lambda: QuietHours(start=start.strip(), end=end.strip(), timezone=timezone)
    )


def _validated(option: str, build: Any) -> Any:
    from pydantic import ValidationError

    try:
        return build()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        click.echo(f"error: {option}{'.' + where if where else ''}: {message}", err=True)
        sys.exit(2)


def _contact_json(text: str) -> ContactIn:
    """`--contact '{"kind": …, …}'`: a contact of any registered kind, as the API takes it."""
    from pydantic import TypeAdapter

    try:
        data = json.loads(text)
    except ValueError:
        click.echo('error: --contact: not JSON, e.g. \'{"kind": "sms", …}\'', err=True)
        sys.exit(2)
    return _validated("--contact", lambda: TypeAdapter(ContactIn).validate_python(data))


def _contacts(
    sms: tuple[str, ...],
    webhooks: tuple[str, ...],
    secrets: tuple[str, ...],
    include_unconfirmed: bool,
    others: tuple[str, ...] = (),
) -> list[ContactIn]:
    if len(webhooks) != len(secrets):
        click.echo("error: give one --secret for each --webhook, in the same order", err=True)
        sys.exit(2)
    out: list[ContactIn] = [
        _validated("--sms", lambda p=phone: SmsContactIn(kind="sms", phone=p)) for phone in sms
    ]
    for url, secret in zip(webhooks, secrets, strict=True):
        key = _secret(secret)
        out.append(
            _validated(
                "--webhook",
                lambda u=url, s=key: WebhookContactIn(
                    kind="webhook", url=u, secret=s, include_unconfirmed=include_unconfirmed
                ),
            )
        )
    out.extend(_contact_json(text) for text in others)
    return out


def _line(row: SubscriberRow, blocked: dict[str, str]) -> str:
    data = subscriber_json(row, blocked)
    state = "paused" if row.paused else ("disabled" if not row.enabled else "active")
    contacts = ", ".join(
        f"#{c['id']} {c['kind']} {c['address']}"
        + (f" [blocked: {c['blocked']}]" if c["blocked"] else "")
        for c in data["contacts"]
    )
    return (
        f"{row.id} ({row.origin}, {state}) {','.join(row.areas)} "
        f"≥{row.min_severity} {row.language}: {contacts or 'no contact'}"
    )


def register(main: click.Group) -> None:
    from notifier.cli import CONFIG_OPTION, JSON_OPTION, _load, _print_json
    from notifier.cli_control import run_services

    def run(config_path: Path | None, act: Any) -> tuple[Any, dict[str, str]]:
        config = _load(config_path)

        async def work(services: AppServices) -> tuple[Any, dict[str, str]]:
            result = await act(services)
            return result, await services.subscribers.blocked()

        result: tuple[Any, dict[str, str]] = run_services(config, work)
        return result

    def done(verb: str, row: SubscriberRow, blocked: dict[str, str]) -> None:
        click.echo(f"{verb}: {_line(row, blocked)}")

    @main.group()
    @CONFIG_OPTION
    def subscribers(config_path: Path | None) -> None:
        """Subscribers and their contacts (SMS numbers, webhooks), kept in the database.

        Those from the configuration file are read-only here, except pause, resume, enable
        and unblock; edit the YAML for the rest."""

    @subscribers.command("list")
    @CONFIG_OPTION
    @JSON_OPTION
    def list_(config_path: Path | None, as_json: bool) -> None:
        """Every subscriber, one line each (phone numbers masked)."""
        rows, blocked = run(config_path, lambda s: s.subscribers.listing())
        if as_json:
            _print_json({"subscribers": [subscriber_json(r, blocked) for r in rows]})
            return
        for row in rows:
            click.echo(_line(row, blocked))
        if not rows:
            click.echo("no subscribers")

    @subscribers.command()
    @CONFIG_OPTION
    @click.argument("subscriber_id")
    @JSON_OPTION
    def show(config_path: Path | None, subscriber_id: str, as_json: bool) -> None:
        """One subscriber with its settings and contacts."""
        row, blocked = run(config_path, lambda s: s.subscribers.get(subscriber_id))
        data = subscriber_json(row, blocked)
        if as_json:
            _print_json(data)
            return
        for key in (
            "id",
            "name",
            "origin",
            "areas",
            "min_severity",
            "transitions",
            "language",
            "quiet_hours",
            "enabled",
            "paused",
        ):
            click.echo(f"{key}: {data[key]}")
        for c in data["contacts"]:
            extra = f" [blocked: {c['blocked']}]" if c["blocked"] else ""
            click.echo(f"contact #{c['id']} ({c['key']}): {c['kind']} {c['address']}{extra}")

    @subscribers.command()
    @CONFIG_OPTION
    @click.argument("subscriber_id")
    @click.option("--area", "areas", multiple=True, required=True, help="Area id or name; repeat.")
    @click.option("--sms", multiple=True, help="Phone number (E.164); repeat for more.")
    @click.option("--webhook", multiple=True, help="Webhook URL; repeat for more.")
    @click.option("--secret", multiple=True, help="whsec_… per --webhook, or env:NAME.")
    @click.option("--include-unconfirmed", is_flag=True, help="Webhooks: level.reported too.")
    @click.option(
        "--contact", "others", multiple=True, help="A contact of any kind as JSON; repeat."
    )
    @click.option("--min-severity", type=click.Choice(SEVERITIES), default="minor")
    @click.option("--transition", "transitions", multiple=True, type=click.Choice(KINDS))
    @click.option("--language", default="en", show_default=True)
    @click.option("--quiet", default=None, help="Quiet hours for SMS, e.g. 22:00-07:00.")
    @click.option("--timezone", default="UTC", show_default=True, help="Of --quiet.")
    @click.option("--name", default="", help="A label for people.")
    @click.option("--paused", is_flag=True, help="Create it paused.")
    def add(
        config_path: Path | None,
        subscriber_id: str,
        areas: tuple[str, ...],
        sms: tuple[str, ...],
        webhook: tuple[str, ...],
        secret: tuple[str, ...],
        include_unconfirmed: bool,
        others: tuple[str, ...],
        min_severity: str,
        transitions: tuple[str, ...],
        language: str,
        quiet: str | None,
        timezone: str,
        name: str,
        paused: bool,
    ) -> None:
        """Create SUBSCRIBER_ID with one or more contacts (--sms, --webhook with --secret,
        --contact JSON for any registered kind).

        If its areas have a level in force, it is told that level at once."""
        contacts = _contacts(sms, webhook, secret, include_unconfirmed, others)
        if not contacts:
            click.echo("error: give at least one --sms, --webhook or --contact", err=True)
            sys.exit(2)
        body = _validated(
            "subscriber",
            lambda: SubscriberIn(
                id=subscriber_id,
                name=name,
                areas=list(areas),
                min_severity=Severity(min_severity),
                transitions=[TransitionKind(k) for k in transitions] or None,
                language=language,
                quiet_hours=_quiet(quiet, timezone),
                paused=paused,
                contacts=contacts,
            ),
        )
        row, blocked = run(config_path, lambda s: s.subscribers.create(body))
        done("created", row, blocked)

    @subscribers.command()
    @CONFIG_OPTION
    @click.argument("subscriber_id")
    @click.option("--area", "areas", multiple=True, help="Replace the areas; repeat.")
    @click.option("--min-severity", type=click.Choice(SEVERITIES), default=None)
    @click.option("--transition", "transitions", multiple=True, type=click.Choice(KINDS))
    @click.option("--all-transitions", is_flag=True, help="Back to the default kinds.")
    @click.option("--language", default=None)
    @click.option("--quiet", default=None, help="Quiet hours, e.g. 22:00-07:00.")
    @click.option("--timezone", default="UTC", show_default=True, help="Of --quiet.")
    @click.option("--no-quiet", is_flag=True, help="Remove the quiet hours.")
    @click.option("--name", default=None)
    def edit(
        config_path: Path | None,
        subscriber_id: str,
        areas: tuple[str, ...],
        min_severity: str | None,
        transitions: tuple[str, ...],
        all_transitions: bool,
        language: str | None,
        quiet: str | None,
        timezone: str,
        no_quiet: bool,
        name: str | None,
    ) -> None:
        """Change settings of an api or sms subscriber; options left out stay."""
        fields: dict[str, Any] = {}
        if areas:
            fields["areas"] = list(areas)
        if min_severity is not None:
            fields["min_severity"] = min_severity
        if transitions:
            fields["transitions"] = list(transitions)
        elif all_transitions:
            fields["transitions"] = None
        if language is not None:
            fields["language"] = language
        if quiet is not None:
            fields["quiet_hours"] = _quiet(quiet, timezone)
        elif no_quiet:
            fields["quiet_hours"] = None
        if name is not None:
            fields["name"] = name
        if not fields:
            click.echo("error: nothing to change; see --help", err=True)
            sys.exit(2)
        patch = _validated("subscriber", lambda: SubscriberPatch(**fields))
        row, blocked = run(config_path, lambda s: s.subscribers.update(subscriber_id, patch))
        done("updated", row, blocked)

    @subscribers.command()
    @CONFIG_OPTION
    @click.argument("subscriber_id")
    def remove(config_path: Path | None, subscriber_id: str) -> None:
        """Delete an api or sms subscriber and its contacts."""
        row, blocked = run(config_path, lambda s: s.subscribers.delete(subscriber_id))
        done("removed", row, blocked)

    @subscribers.command()
    @CONFIG_OPTION
    @click.argument("subscriber_id")
    def pause(config_path: Path | None, subscriber_id: str) -> None:
        """Pause a subscriber (any origin): it gets nothing until resumed."""
        row, blocked = run(config_path, lambda s: s.subscribers.pause(subscriber_id, True))
        done("paused", row, blocked)

    @subscribers.command()
    @CONFIG_OPTION
    @click.argument("subscriber_id")
    def resume(config_path: Path | None, subscriber_id: str) -> None:
        """Resume a paused subscriber."""
        row, blocked = run(config_path, lambda s: s.subscribers.pause(subscriber_id, False))
        done("resumed", row, blocked)

    @subscribers.command()
    @CONFIG_OPTION
    @click.argument("subscriber_id")
    @click.argument("contact_id", type=int)
    def enable(config_path: Path | None, subscriber_id: str, contact_id: int) -> None:
        """Re-enable webhook contact CONTACT_ID, disabled after it answered 410 Gone."""
        row, blocked = run(config_path, lambda s: s.subscribers.enable(subscriber_id, contact_id))
        done("re-enabled", row, blocked)

    @subscribers.command()
    @CONFIG_OPTION
    @click.argument("subscriber_id")
    @click.argument("contact_id", type=int)
    def unblock(config_path: Path | None, subscriber_id: str, contact_id: int) -> None:
        """Lift the opt-out (STOP, Twilio 21610) of sms contact CONTACT_ID.

        Only when the person asked to receive alerts again."""
        row, blocked = run(config_path, lambda s: s.subscribers.unblock(subscriber_id, contact_id))
        done("unblocked", row, blocked)
