"""Prometheus metrics of the stream processors."""

from prometheus_client import Counter

EVENTS_IN = Counter("iprx_worker_events_total", "Events consumed", ["family"])
SIGNALS_OUT = Counter("iprx_worker_signals_total", "Signals raised", ["rule", "severity"])
DEAD_LETTERS = Counter("iprx_worker_dead_letters_total", "Records sent to the dead-letter topic", ["reason"])
