"""SourceState: JSON round trip, backoff, staleness, the report and table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from notifier.sources import (
    FileMark,
    SourceState,
    backoff_delay_s,
    format_sources_table,
    source_report,
)

T0 = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)


def no_jitter() -> float:
    return 0.5


def test_json_round_trip_through_text() -> None:
    state = SourceState(etag='"abc"', last_modified="Tue, 05 Mar 2024 02:52:25 GMT")
    state.record_failure(
        T0, "HTTP 500 Internal Server Error", interval_s=60, backoff_max_s=600, rng=no_jitter
    )
    state.record_new(3, T0)
    state.files["a.xml"] = FileMark(123, 45, "f" * 64)
    state.links["http://x/1.xml"] = "1|"
    state.set_warnings(["w1"])
    back = SourceState.from_json(json.loads(json.dumps(state.to_json())))
    assert back == state
    assert SourceState.from_json(json.dumps(state.to_json())) == state


def test_from_json_tolerates_garbage() -> None:
    assert SourceState.from_json({}) == SourceState()
    assert SourceState.from_json("not json") == SourceState()
    odd = SourceState.from_json(
        {"consecutive_failures": "many", "next_poll": "soon", "files": {"a": {"size": 1}}, "x": 1}
    )
    assert (odd.consecutive_failures, odd.next_poll, odd.files) == (0, None, {})


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    assert [backoff_delay_s(n, 60, 600, no_jitter) for n in range(1, 7)] == [
        60,
        120,
        240,
        480,
        600,
        600,
    ]
    assert backoff_delay_s(1, 60, 600, lambda: 0.0) == 48.0  # -20 %
    assert backoff_delay_s(4, 60, 600, lambda: 0.999999) < 480 * 1.2
    assert backoff_delay_s(50, 60, 600, no_jitter) == 600
    assert backoff_delay_s(3, 900, 600, no_jitter) == 900  # never below the interval


def test_failures_schedule_next_poll_and_success_resets() -> None:
    state = SourceState()
    for _ in range(3):
        state.record_failure(T0, "boom", interval_s=10, backoff_max_s=3600, rng=no_jitter)
    assert state.consecutive_failures == 3
    assert state.next_poll == T0 + timedelta(seconds=40)
    assert state.in_backoff(T0 + timedelta(seconds=39))
    assert not state.in_backoff(T0 + timedelta(seconds=40))
    state.record_success(T0 + timedelta(seconds=41), 10, documents=2)
    assert (state.consecutive_failures, state.last_error) == (0, "boom")
    assert not state.in_backoff(T0 + timedelta(seconds=41))


def test_stale_after_nothing_new() -> None:
    state = SourceState()
    assert not state.is_stale(T0, 60)  # never polled
    state.record_success(T0, 10, 0)
    assert not state.is_stale(T0 + timedelta(seconds=60), 60)
    assert state.is_stale(T0 + timedelta(seconds=61), 60)
    state.record_new(1, T0 + timedelta(seconds=61))
    assert not state.is_stale(T0 + timedelta(seconds=100), 60)
    assert not state.is_stale(T0 + timedelta(days=9), None)


def test_report_and_table() -> None:
    source = SimpleNamespace(id="mi5", type="rss", enabled=True, stale_after_s=3600)
    state = SourceState()
    state.record_success(T0, 300, 1)
    state.record_failure(
        T0, "timed out after 20 s", interval_s=300, backoff_max_s=3600, rng=no_jitter
    )
    report = source_report(source, SimpleNamespace(state=state.to_json()), T0)
    assert report["status"] == "failing"
    assert report["failures"] == 1
    assert report["next_poll"] == "2024-03-05T12:05:00+00:00"
    never = source_report(SimpleNamespace(id="new", type="cap", enabled=True), None, T0)
    assert (never["status"], never["seen"], never["last_success"]) == ("new", 0, None)
    table = format_sources_table([report, never]).splitlines()
    assert table[0].split() == [
        "ID",
        "TYPE",
        "STATUS",
        "LAST_SUCCESS",
        "LAST_ERROR",
        "FAILURES",
        "NEXT_POLL",
        "SEEN",
    ]
    assert table[1].startswith(
        "mi5  rss   failing  2024-03-05T12:00:00+00:00  timed out after 20 s"
    )
    assert table[2].split() == ["new", "cap", "new", "-", "-", "0", "-", "0"]
