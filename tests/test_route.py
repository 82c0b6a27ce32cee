"""Routing: area hierarchy both ways, minimum severity, kinds, blocked followers."""

from __future__ import annotations

from datetime import UTC, datetime

from notifier.config import SmsSubscriber, WebhookEndpoint
from notifier.dispatch.route import Router
from notifier.model import AreaRef, ChannelKind, Event, Severity, Transition, TransitionKind

PARENT = {"KZ-AKT": "KZ", "KZ-AKT-AKTOBE": "KZ-AKT", "KZ-ALA": "KZ", "KZ": None}
NOW = datetime(2022, 1, 5, tzinfo=UTC)


def contains(ancestor: str, area: str) -> bool:
    node: str | None = area
    while node is not None:
        if node == ancestor:
            return True
        node = PARENT.get(node)
    return False


def event(
    area: str,
    kind: TransitionKind = TransitionKind.ISSUED,
    severity: Severity | None = Severity.EXTREME,
    previous: Severity | None = None,
) -> Event:
    t = Transition(
        kind=kind,
        scheme="kz",
        area=AreaRef(area, area),
        at=NOW,
        level="red" if severity else None,
        severity=severity,
        previous_level="orange" if previous else None,
        previous_severity=previous,
    )
    return Event.from_transition(t, NOW)


def sms(id: str, areas: list[str], **kw: object) -> SmsSubscriber:
    return SmsSubscriber.model_validate({"id": id, "phone": "+77012345678", "areas": areas, **kw})


HOOK = WebhookEndpoint.model_validate(
    {
        "id": "hook",
        "url": "https://consumer.example/h",
        "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "areas": ["KZ-ALA"],
    }
)


def routed(router: Router, ev: Event) -> list[tuple[str, ChannelKind]]:
    return [(f.id, ch) for f, ch in router.route(ev)]


def test_area_matches_through_the_hierarchy_both_ways() -> None:
    router = Router(
        [sms("country", ["KZ"]), sms("region", ["KZ-AKT"]), sms("city", ["KZ-AKT-AKTOBE"]), HOOK],
        contains,
    )
    # The city's level reaches the region's and the country's followers, not Almaty's.
    assert routed(router, event("KZ-AKT-AKTOBE")) == [
        ("country", ChannelKind.TWILIO_SMS),
        ("region", ChannelKind.TWILIO_SMS),
        ("city", ChannelKind.TWILIO_SMS),
    ]
    # A nationwide level reaches everyone inside the country.
    assert [i for i, _ in routed(router, event("KZ"))] == ["country", "region", "city", "hook"]
    assert routed(router, event("KZ-ALA")) == [
        ("country", ChannelKind.TWILIO_SMS),
        ("hook", ChannelKind.WEBHOOK),
    ]


def test_minimum_severity_uses_the_previous_severity_for_a_lift() -> None:
    router = Router([sms("calm", ["KZ"], min_severity="severe")], contains)
    assert routed(router, event("KZ", severity=Severity.MODERATE)) == []
    assert [i for i, _ in routed(router, event("KZ", severity=Severity.SEVERE))] == ["calm"]
    lift = event("KZ", TransitionKind.LIFTED, severity=None, previous=Severity.EXTREME)
    assert [i for i, _ in routed(router, lift)] == ["calm"]


def test_kinds_filter_and_unchanged_never_routes() -> None:
    router = Router([sms("raises-only", ["KZ"], transitions=["issued", "raised"])], contains)
    assert routed(router, event("KZ", TransitionKind.LIFTED, None, Severity.EXTREME)) == []
    assert [i for i, _ in routed(router, event("KZ", TransitionKind.RAISED))] == ["raises-only"]
    everyone = Router([sms("all", ["KZ"])], contains)
    assert routed(everyone, event("KZ", TransitionKind.UNCHANGED)) == []


def test_blocked_and_disabled_followers_hear_nothing() -> None:
    router = Router(
        [sms("opted-out", ["KZ"]), sms("off", ["KZ"], enabled=False), sms("ok", ["KZ"])],
        contains,
        blocked={"opted-out": "Twilio 21610"},
    )
    assert [i for i, _ in routed(router, event("KZ"))] == ["ok"]
    router.unblock("opted-out")
    assert [i for i, _ in routed(router, event("KZ"))] == ["opted-out", "ok"]
