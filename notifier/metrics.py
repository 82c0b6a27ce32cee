"""Prometheus metrics of the pipeline, served at GET /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DOCUMENTS = Counter(
    "notifier_documents_total", "Documents read, by source and outcome", ["source", "outcome"]
)
POLLS = Counter("notifier_polls_total", "Source polls, by source and result", ["source", "result"])
ANNOUNCEMENTS = Counter(
    "notifier_announcements_total",
    "Announcements extracted, by scheme and action",
    ["scheme", "action"],
)
TRUST = Counter(
    "notifier_trust_verdicts_total",
    "Announcements weighed by the trust stage, by outcome (act, hold, repeat)",
    ["outcome"],
)
TRANSITIONS = Counter("notifier_transitions_total", "Level transitions, by kind", ["kind"])
DELIVERIES = Counter(
    "notifier_delivery_attempts_total",
    "Delivery attempts, by channel and result",
    ["channel", "result"],
)
DELIVERY_SECONDS = Histogram(
    "notifier_delivery_seconds", "Time of one delivery attempt", ["channel"]
)
OUTBOX = Gauge("notifier_outbox_rows", "Outbox rows by status", ["status"])
CONFIG_RELOADS = Counter(
    "notifier_config_reload_total", "Configuration reloads, by outcome (ok, refused)", ["outcome"]
)
CONFIG_LAST_RELOAD_OK = Gauge(
    "notifier_config_last_reload_ok", "1 when the last configuration reload (or start) succeeded"
)
SOURCE_FAILING = Gauge(
    "notifier_source_failing",
    "1 while a source's last poll failed or a document of it failed in the pipeline",
    ["source"],
)
CIRCUIT_OPEN = Gauge(
    "notifier_circuit_open",
    "1 while an endpoint's circuit breaker is open (its rows wait), else 0",
    ["endpoint"],
)
