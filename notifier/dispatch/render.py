"""Rendering: one `Notice` per (event, follower) — SMS text from jinja2 templates per language,
or a JSON webhook body with a versioned schema.

Templates are `sms.<language>.j2`: the defaults live next to this module, and a file of the
same name in `templates.dir` replaces one (or adds a language). They are compiled and
test-rendered for every kind of transition when the Renderer is built, so a broken template
is a `ConfigError` at startup, not a failed delivery later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2

from notifier.channels import REGISTRY, ChannelSpec
from notifier.config import SmsSubscriber, TemplatesConfig, WebhookEndpoint
from notifier.dispatch.segments import fit_segments, fits
from notifier.errors import ConfigError
from notifier.model import (
    Action,
    AreaRef,
    ChannelKind,
    Event,
    Notice,
    Reported,
    Severity,
    Transition,
    TransitionKind,
)

__all__ = ["DEFAULT_LANGUAGE", "DEFAULT_TEMPLATES", "SCHEMA_VERSION", "Renderer"]

DEFAULT_TEMPLATES = Path(__file__).with_name("templates")
DEFAULT_LANGUAGE = "en"
SCHEMA_VERSION = 1
_SMS_NAME = re.compile(r"^sms\.([a-z]{2})\.j2$")
_GROUP_NAME = re.compile(r"^group\.([a-z]{2})\.j2$")
# A grouped SMS lists at most this many areas per kind of change before "and N more"; fewer
# when the text would not fit `sms_max_segments`.
GROUP_AREAS_LISTED = 12

SEVERITY_WORDS: dict[str, dict[Severity, str]] = {
    "en": {s: s.value for s in Severity},
    "ru": {
        Severity.MINOR: "низкий",
        Severity.MODERATE: "умеренный",
        Severity.SEVERE: "высокий",
        Severity.EXTREME: "критический",
    },
    "kk": {
        Severity.MINOR: "төмен",
        Severity.MODERATE: "орташа",
        Severity.SEVERE: "жоғары",
        Severity.EXTREME: "өте жоғары",
    },
}

# Put before the text of a report that changed no level yet (webhook `level.reported`).
UNCONFIRMED_WORDS: dict[str, str] = {
    "en": "Unconfirmed report",
    "ru": "Неподтверждённое сообщение",
    "kk": "Расталмаған хабар",
}

# The change an unconfirmed report would make, for its text.
_REPORTED_KIND = {
    Action.SET: TransitionKind.ISSUED,
    Action.EXTEND: TransitionKind.EXTENDED,
    Action.LIFT: TransitionKind.LIFTED,
}

# Colour levels are the common case; other level ids are shown as they are, upper-cased.
LEVEL_WORDS: dict[str, dict[str, str]] = {
    "ru": {
        "white": "белый",
        "blue": "синий",
        "green": "зелёный",
        "yellow": "жёлтый",
        "orange": "оранжевый",
        "red": "красный",
        "black": "чёрный",
    },
    "kk": {
        "white": "ақ",
        "blue": "көк",
        "green": "жасыл",
        "yellow": "сары",
        "orange": "қызғылт сары",
        "red": "қызыл",
        "black": "қара",
    },
}

_MONTHS_EN = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

AreaName = Callable[[str, str], str]  # (area id, language) -> display name
LevelName = Callable[[str, str, str], str | None]  # (scheme, level id, language) -> word
SeverityName = Callable[[Severity, str], str | None]  # (severity, language) -> word
TransitionName = Callable[[str, str], str | None]  # (transition kind, language) -> word


class Renderer:
    """Builds notices from events. `area_name`, `level_name`, `severity_name` and
    `transition_name` localise the words of a notice (the catalog and its language packs know
    them: `Renderer.for_catalog`); without them the area's own name and built-in colour and
    severity words are used."""

    def __init__(
        self,
        templates: TemplatesConfig,
        *,
        base_dir: Path,
        area_name: AreaName | None = None,
        level_name: LevelName | None = None,
        severity_name: SeverityName | None = None,
        transition_name: TransitionName | None = None,
    ) -> None:
        self.max_segments = templates.sms_max_segments
        self._area_name = area_name
        self._level_name = level_name
        self._severity_name = severity_name
        self._transition_name = transition_name
        search = [DEFAULT_TEMPLATES]
        if templates.dir is not None:
            operator_dir = (
                templates.dir if templates.dir.is_absolute() else base_dir / templates.dir
            )
            if not operator_dir.is_dir():
                raise ConfigError([f"templates.dir: folder not found: {operator_dir}"])
            search.insert(0, operator_dir)
        self.search_path = tuple(search)
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in search]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text; the JSON body is built in code, not templated
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._sms: dict[str, jinja2.Template] = {}
        self._group: dict[str, jinja2.Template] = {}
        self._group_memo: dict[tuple[tuple[str, ...], str, str], str] = {}
        self._memo_event = ""
        self._memo: dict[tuple[str, str], str] = {}
        self._load()

    @classmethod
    def for_catalog(cls, templates: TemplatesConfig, *, base_dir: Path, catalog: Any) -> Renderer:
        """A renderer whose area, level, severity and transition words come from the catalog
        (areas, schemes) and its language packs' `display` section."""
        return cls(
            templates,
            base_dir=base_dir,
            area_name=catalog.area_name,
            level_name=catalog.level_name,
            severity_name=catalog.severity_word,
            transition_name=catalog.transition_word,
        )

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._sms))

    # --- loading ------------------------------------------------------------------------------

    def _load(self) -> None:
        found = {
            m.group(1): m.group(0)
            for d in self.search_path
            for m in map(_SMS_NAME.match, (p.name for p in d.glob("sms.*.j2")))
            if m
        }
        errors: list[str] = []
        for language, name in sorted(found.items()):
            try:
                self._sms[language] = self._env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                errors.append(
                    f"templates: {exc.filename or name}, line {exc.lineno}: {exc.message}"
                )
        groups = {
            m.group(1): m.group(0)
            for d in self.search_path
            for m in map(_GROUP_NAME.match, (p.name for p in d.glob("group.*.j2")))
            if m
        }
        for language, name in sorted(groups.items()):
            try:
                self._group[language] = self._env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                errors.append(
                    f"templates: {exc.filename or name}, line {exc.lineno}: {exc.message}"
                )
        if not errors:
            errors = [e for language in self._sms for e in self._check(language)]
            errors += [e for language in self._group for e in self._check_group(language)]
        if not errors and DEFAULT_LANGUAGE not in self._sms:
            errors.append(f"templates: sms.{DEFAULT_LANGUAGE}.j2 is missing")
        if errors:
            raise ConfigError(errors)

    def _check(self, language: str) -> list[str]:
        """Render every kind of transition once so undefined names surface now."""
        template = self._sms[language]
        for transition in _samples():
            try:
                text = self._text(template, transition, language)
            except Exception as exc:  # any template fault is the operator's to fix
                return [
                    f"templates: {template.filename}: {type(exc).__name__}: {exc} "
                    f"(rendering a '{transition.kind.value}' transition)"
                ]
            if not text:
                return [
                    f"templates: {template.filename}: renders nothing for a "
                    f"'{transition.kind.value}' transition"
                ]
        return []

    def _check_group(self, language: str) -> list[str]:
        """Render a group of every kind of change once so undefined names surface now."""
        template = self._group[language]
        samples = _samples()
        try:
            text = self._group_text(template, samples, language, GROUP_AREAS_LISTED)
        except Exception as exc:  # any template fault is the operator's to fix
            return [f"templates: {template.filename}: {type(exc).__name__}: {exc}"]
        if not text:
            return [f"templates: {template.filename}: renders nothing for a group"]
        return []

    # --- rendering ----------------------------------------------------------------------------

    def render(
        self,
        event: Event,
        follower: SmsSubscriber | WebhookEndpoint,
        *,
        delivery_id: str = "",
    ) -> Notice:
        """The notice for one follower: SMS text within `sms_max_segments`, or a JSON body.

        The text depends only on the event, the language and the channel, so a fan-out to
        thousands of followers renders it once per language.
        """
        language = follower.language if follower.language in self._sms else DEFAULT_LANGUAGE
        spec = REGISTRY.of(follower)
        return Notice(
            event_id=event.id,
            subscriber_id=follower.id,
            channel=spec.kind,
            to=spec.address(follower),
            body=self._body(event, language, spec),
            language=language,
            delivery_id=delivery_id,
        )

    def render_group(
        self,
        events: Sequence[Event],
        follower: SmsSubscriber | WebhookEndpoint,
        *,
        delivery_id: str = "",
    ) -> Notice:
        """One notice listing several changes (a document that changed many areas): one SMS
        in the grouped form, one webhook call whose `changes` lists them all. The lead change,
        whose fields the payload's top level carries, is the most severe one (the first on a
        tie). A single event renders exactly as `render` does."""
        if len(events) == 1:
            return replace(
                self.render(events[0], follower, delivery_id=delivery_id),
                event_ids=(events[0].id,),
            )
        language = follower.language if follower.language in self._sms else DEFAULT_LANGUAGE
        spec = REGISTRY.of(follower)
        ordered = lead_first(events)
        key = (tuple(ev.id for ev in ordered), language, spec.kind)
        body = self._group_memo.get(key)
        if body is None:
            if len(self._group_memo) > 256:
                self._group_memo.clear()
            body = spec.group_body(self, ordered, language)
            self._group_memo[key] = body
        return Notice(
            event_id=ordered[0].id,
            subscriber_id=follower.id,
            channel=spec.kind,
            to=spec.address(follower),
            body=body,
            language=language,
            delivery_id=delivery_id,
            event_ids=tuple(ev.id for ev in ordered),
        )

    def group_sms_text(self, transitions: Sequence[Transition], language: str) -> str:
        """The grouped SMS, within `sms_max_segments`: changes of one kind and level share one
        sentence listing their areas; beyond what fits, "and N more" (the template's words)."""
        if language not in self._sms:
            language = DEFAULT_LANGUAGE
        template = self._group.get(language)
        if template is None:
            # A language with a single-change template only: its texts, one after another.
            text = " ".join(self.sms_text(t, language) for t in transitions)
            return fit_segments(text, self.max_segments)
        listed = GROUP_AREAS_LISTED
        while True:
            text = self._group_text(template, transitions, language, listed)
            if listed <= 1 or fits(text, self.max_segments):
                return fit_segments(text, self.max_segments)
            listed -= 1

    def group_payload(self, events: Sequence[Event], language: str) -> dict[str, Any]:
        """Schema version 1 for several changes: the top level is the lead change's (so a
        consumer that reads one change keeps working), `data.text` the grouped text, and
        `changes` every change in the single-change shape."""
        ordered = lead_first(events)
        payload = self.webhook_payload(ordered[0], language)
        payload["data"]["text"] = self.group_sms_text([ev.transition for ev in ordered], language)
        payload["changes"] = [self._change(ev, language) for ev in ordered]
        return payload

    def _group_text(
        self,
        template: jinja2.Template,
        transitions: Sequence[Transition],
        language: str,
        listed: int,
    ) -> str:
        clusters: dict[tuple[str, str | None, str | None, Severity | None], list[str]] = {}
        for t in transitions:
            key = (t.kind.value, t.level, t.previous_level, t.severity)
            clusters.setdefault(key, []).append(self._area(t.area, language))
        groups = []
        for (kind, level, previous, severity), areas in clusters.items():
            scheme = next(t.scheme for t in transitions if t.kind.value == kind)
            groups.append(
                {
                    "kind": kind,
                    "transition": self._transition(kind, language),
                    "level": self._level(scheme, level, language),
                    "previous_level": self._level(scheme, previous, language),
                    "severity": self._severity(severity, language),
                    "areas": areas[:listed],
                    "more": max(0, len(areas) - listed),
                }
            )
        context = {"groups": groups, "total": len(transitions), "language": language}
        return " ".join(template.render(context).split())

    def _body(self, event: Event, language: str, spec: ChannelSpec) -> str:
        if self._memo_event != event.id:
            self._memo_event, self._memo = event.id, {}
        key = (language, spec.kind)
        if key not in self._memo:
            self._memo[key] = spec.body(self, event, language)
        return self._memo[key]

    def sms_text(self, transition: Transition, language: str) -> str:
        """The full message text in `language` (or English), before fitting to segments."""
        if language not in self._sms:
            language = DEFAULT_LANGUAGE
        return self._text(self._sms[language], transition, language)

    def webhook_payload(self, event: Event, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """The webhook body, schema version 1 (README: 'Delivery: SMS and webhooks'); its
        `changes` lists the one change (a grouped notice lists several: `group_payload`)."""
        payload = self._change(event, language)
        return {**payload, "changes": [self._change(event, language)]}

    def _change(self, event: Event, language: str) -> dict[str, Any]:
        t = event.transition
        return {
            "type": f"level.{t.kind.value}",
            "schema_version": SCHEMA_VERSION,
            "event_id": event.id,
            "occurred_at": _rfc3339(t.at),
            "data": {
                "scheme": t.scheme,
                "area": {"id": t.area.id, "name": self._area(t.area, language)},
                "level": t.level,
                "severity": t.severity.value if t.severity else None,
                "previous_level": t.previous_level,
                "previous_severity": t.previous_severity.value if t.previous_severity else None,
                "expires": _rfc3339(t.expires),
                "evidence": t.evidence,
                "source_id": t.source_id,
                "document_id": t.document_id,
                "confirmed": True,
                "sources": [source.to_json() for source in t.sources],
                "language": language,
                "text": self.sms_text(t, language),
            },
        }

    def render_report(
        self, reported: Reported, follower: WebhookEndpoint, *, delivery_id: str = ""
    ) -> Notice:
        """The `level.reported` notice of an unconfirmed report for an opted-in endpoint."""
        language = follower.language if follower.language in self._sms else DEFAULT_LANGUAGE
        payload = self.report_payload(reported, language)
        return Notice(
            event_id=reported.id,
            subscriber_id=follower.id,
            channel=ChannelKind.WEBHOOK,
            to=follower.url,
            body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            language=language,
            delivery_id=delivery_id,
        )

    def report_payload(
        self, reported: Reported, language: str = DEFAULT_LANGUAGE
    ) -> dict[str, Any]:
        """The webhook body of an unconfirmed report: `level.reported`, `confirmed` false."""
        a = reported.announcement
        would_be = Transition(
            kind=_REPORTED_KIND[a.action],
            scheme=a.scheme,
            area=a.area,
            at=a.effective or a.published or reported.created,
            level=a.level if a.action is not Action.LIFT else None,
            severity=a.severity if a.action is not Action.LIFT else None,
            previous_level=a.previous_level if a.action is not Action.LIFT else a.level,
            expires=a.expires,
            evidence=a.evidence,
        )
        label = UNCONFIRMED_WORDS.get(language, UNCONFIRMED_WORDS[DEFAULT_LANGUAGE])
        return {
            "type": "level.reported",
            "schema_version": SCHEMA_VERSION,
            "event_id": reported.id,
            "occurred_at": _rfc3339(would_be.at),
            "data": {
                "confirmed": False,
                "needs": reported.needs,
                "report_id": reported.report_id,
                "scheme": a.scheme,
                "area": {"id": a.area.id, "name": self._area(a.area, language)},
                "level": a.level,
                "severity": a.severity.value if a.severity else None,
                "action": a.action.value,
                "previous_level": a.previous_level,
                "expires": _rfc3339(a.expires),
                "evidence": a.evidence,
                "source_id": reported.source.source_id,
                "document_id": reported.source.document_id,
                "sources": [reported.source.to_json()],
                "language": language,
                "text": f"{label}: {self.sms_text(would_be, language)}",
            },
        }

    def _text(self, template: jinja2.Template, t: Transition, language: str) -> str:
        context = {
            "kind": t.kind.value,
            "transition": self._transition(t.kind.value, language),
            "scheme": t.scheme,
            "area": self._area(t.area, language),
            "level": self._level(t.scheme, t.level, language),
            "previous_level": self._level(t.scheme, t.previous_level, language),
            "severity": self._severity(t.severity, language),
            "previous_severity": self._severity(t.previous_severity, language),
            "expires": format_when(t.expires, language) if t.expires else None,
            "evidence": t.evidence,
            "language": language,
        }
        return " ".join(template.render(context).split())

    def _severity(self, severity: Severity | None, language: str) -> str | None:
        if severity is None:
            return None
        word = self._severity_name(severity, language) if self._severity_name else None
        words = SEVERITY_WORDS.get(language, SEVERITY_WORDS[DEFAULT_LANGUAGE])
        return word or words[severity]

    def _transition(self, kind: str, language: str) -> str:
        word = self._transition_name(kind, language) if self._transition_name else None
        return word or kind

    def _area(self, area: AreaRef, language: str) -> str:
        if self._area_name is not None:
            name = self._area_name(area.id, language)
            if name:
                return name
        return area.name

    def _level(self, scheme: str, level: str | None, language: str) -> str | None:
        if level is None:
            return None
        word = self._level_name(scheme, level, language) if self._level_name else None
        if not word:
            key = re.split(r"[.:/]", level)[-1].lower()
            word = LEVEL_WORDS.get(language, {}).get(key) or key.replace("_", " ")
        return word.upper()


def lead_first(events: Sequence[Event]) -> list[Event]:
    """The most severe change first (the first of them on a tie), the others in order."""
    rank = [ev.severity.rank if ev.severity else -1 for ev in events]
    lead = max(range(len(events)), key=lambda i: (rank[i], -i))
    return [events[lead], *(ev for i, ev in enumerate(events) if i != lead)]


def format_when(when: datetime, language: str) -> str:
    """A moment as people read it, in the offset it was announced in (UTC when naive)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    zone = _offset_label(when.utcoffset() or timedelta(0))
    if language == "en":
        return f"{when.day} {_MONTHS_EN[when.month - 1]} {when.year} {when:%H:%M} {zone}"
    return f"{when:%d.%m.%Y %H:%M} ({zone})"


def _offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _rfc3339(when: datetime | None) -> str | None:
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _samples() -> list[Transition]:
    """One transition of each kind, with and without the optional parts."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    area = AreaRef("sample", "Sample")
    out = []
    for kind in TransitionKind:
        for full in (True, False):
            now_set = kind not in (TransitionKind.LIFTED, TransitionKind.EXPIRED)
            out.append(
                Transition(
                    kind=kind,
                    scheme="sample",
                    area=area,
                    at=at,
                    level="red" if now_set else None,
                    severity=Severity.EXTREME if now_set else None,
                    previous_level="yellow" if full else None,
                    previous_severity=Severity.MODERATE if full else None,
                    expires=at + timedelta(days=1) if full else None,
                    evidence="sample",
                )
            )
    return out
