"""GET / — a page for people: current levels, recent changes, sources, the outbox."""

from __future__ import annotations

from html import escape
from typing import Any

from aiohttp import web

from notifier.web.app import SERVICE

_STYLE = (
    "body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em}"
    "table{border-collapse:collapse;width:100%;margin-bottom:2em}"
    "td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}"
    ".extreme{background:#c62828;color:#fff}.severe{background:#ef6c00;color:#fff}"
    ".moderate{background:#f9a825}.minor{background:#90caf9}"
)


def _table(headers: list[str], rows: list[list[Any]], empty: str) -> str:
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


async def status_page(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    from notifier.sources import source_report

    levels = await service.store.level_states()
    events = await service.store.recent_events(20)
    rows = {r.source_id: r for r in await service.store.source_rows()}
    now = service.clock()
    sources = [source_report(s, rows.get(s.id), now) for s in service.config.sources]
    counts = await service.store.delivery_counts()
    held = await service.store.reports("unconfirmed", limit=50)
    level_rows = [
        [
            _e(s.area.name),
            _e(s.scheme),
            f'<span class="{_e(s.severity.value)}">&nbsp;{_e(s.level)}&nbsp;</span>',
            _e(s.severity.value),
            _e(s.since.isoformat(timespec="minutes")),
            _e(s.expires.isoformat(timespec="minutes") if s.expires else "no term"),
            _e(s.evidence[:200]),
        ]
        for s in levels
    ]
    event_rows = [
        [_e(e["created"][:16]), _e(e["area_name"]), _e(e["kind"]), _e(e["level"]), _e(e["scheme"])]
        for e in events
    ]
    report_rows = [
        [
            _e(f"#{r.id}"),
            _e(r.announcement.area.name),
            _e(f"{r.announcement.action.value} {r.announcement.level or ''}"),
            _e(r.announcement.scheme),
            _e(f"{r.source.source_id} ({r.source.trust.value}, {r.source.site or 'site unknown'})"),
            _e(r.needs),
            _e(r.reported_at.isoformat(timespec="minutes")),
            _e(r.announcement.evidence[:200]),
        ]
        for r in held
    ]
    source_rows = [
        [_e(r["id"]), _e(r["type"]), _e(r["status"]), _e(r["last_success"]), _e(r["last_error"])]
        for r in sources
    ]
    outbox = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "empty"
    last = service.last_reload
    if last is None:
        reload_html = "<p>Running the configuration it started with; not reloaded since.</p>"
    elif last.ok:
        reload_html = (
            f"<p>Last reload {_e(last.at.isoformat(timespec='seconds'))} ({_e(last.trigger)}): "
            f"ok — {_e(last.summary)}.</p>"
        )
    else:
        reload_html = (
            f"<p class='severe'>Last reload {_e(last.at.isoformat(timespec='seconds'))} "
            f"({_e(last.trigger)}) was refused; the previous configuration runs.</p><ul>"
            + "".join(f"<li>{_e(error)}</li>" for error in last.errors)
            + "</ul>"
        )
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><title>notifier</title>"
        f"<meta http-equiv='refresh' content='30'><style>{_STYLE}</style></head><body>"
        "<h1>notifier</h1><h2>Current levels</h2>"
        + _table(
            ["Area", "Scheme", "Level", "Severity", "Since", "Until", "Evidence"],
            level_rows,
            "No active level anywhere.",
        )
        + "<h2>Unconfirmed reports</h2>"
        + "<p>Reported by a source that is not official; no level changed and no SMS went out. "
        + "Confirm or dismiss with <code>notifier reports confirm|dismiss ID</code>.</p>"
        + _table(
            ["Id", "Area", "Reported", "Scheme", "Source", "Needs", "When (UTC)", "Evidence"],
            report_rows,
            "None.",
        )
        + "<h2>Recent changes</h2>"
        + _table(["When (UTC)", "Area", "Change", "Level", "Scheme"], event_rows, "None yet.")
        + "<h2>Sources</h2>"
        + _table(["Id", "Type", "Status", "Last success", "Last error"], source_rows, "None.")
        + f"<h2>Outbox</h2><p>{_e(outbox)}</p>"
        + f"<h2>Configuration</h2>{reload_html}"
        + "<p><a href='/api/levels'>/api/levels</a> · <a href='/api/reports'>/api/reports</a> · "
        "<a href='/metrics'>/metrics</a></p>" + "</body></html>"
    )
    return web.Response(text=html, content_type="text/html")
