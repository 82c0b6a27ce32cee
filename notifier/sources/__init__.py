"""The source stage: fetch bytes (HTTP or local files) and parse them into `Document`s.

Parsing (`notifier.sources.parse`):
    parse_bytes(data, *, source_id, name="", content_type=None, hint=None, options=None)
        -> list[Document]      format detected from content; only ParseError escapes
    parse(...) -> ParseResult  the same with `.format` and `.warnings`

Polling (`notifier.sources.poll`):
    SourcePoller(session, *, clock, rng, concurrency=8)
    await poller.poll(source_config, state, base_dir=...) -> PollResult
        PollResult(source_id, documents, state, error, warnings, skipped, not_modified)

State (`notifier.sources.state`): `SourceState` (etag, last_modified, first/last poll, last
success, last error, consecutive failures, next poll, items seen, files, links) with
`to_json()`/`from_json()`, `record_new(count, now)`, `is_stale(now, stale_after_s)`;
`backoff_delay_s`, `source_report(source, row, now)` and `format_sources_table(rows)`.
"""

from notifier.sources.fetch import USER_AGENT, FetchResult, fetch_http
from notifier.sources.parse import ParseOptions, ParseResult, detect_format, parse, parse_bytes
from notifier.sources.poll import PollResult, SourcePoller, options_for
from notifier.sources.state import (
    FileMark,
    SourceState,
    backoff_delay_s,
    format_sources_table,
    source_report,
)

__all__ = [
    "USER_AGENT",
    "FetchResult",
    "FileMark",
    "ParseOptions",
    "ParseResult",
    "PollResult",
    "SourcePoller",
    "SourceState",
    "backoff_delay_s",
    "detect_format",
    "fetch_http",
    "format_sources_table",
    "options_for",
    "parse",
    "parse_bytes",
    "source_report",
]
