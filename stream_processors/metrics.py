"""Prometheus metrics of the stream processors."""

from prometheus_client import Counter, Gauge

EVENTS_IN = Counter("iprx_worker_events_total", "Events consumed", ["family"])
SIGNALS_OUT = Counter("iprx_worker_signals_total", "Signals raised", ["rule", "severity"])
DEAD_LETTERS = Counter("iprx_worker_dead_letters_total", "Records sent to the dead-letter topic", ["reason"])
# Sends that failed (a dead letter that could not be sent, or a delivery that failed), by reason code.
SEND_FAILURES = Counter("iprx_worker_send_failures_total", "Records the worker could not send", ["reason"])
EVENT_TIME_LAG = Gauge(
    "iprx_worker_event_time_lag_seconds", "Wall clock minus occurred_at of the latest event consumed", ["family"]
)
# Events a rule cannot use, by reason (e.g. a procurement release whose buyer is unresolved).
RULE_SKIPS = Counter("iprx_worker_rule_skips_total", "Events a rule skipped, by reason", ["rule", "reason"])
