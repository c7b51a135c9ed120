"""Prometheus metrics of the stream processors."""

import time

from iprx.kernel.members import MemberRegistry
from prometheus_client import Counter, Gauge

EVENTS_IN = Counter("iprx_worker_events_total", "Events consumed", ["family"])
SIGNALS_OUT = Counter("iprx_worker_signals_total", "Signals raised", ["rule", "severity"])
DEAD_LETTERS = Counter("iprx_worker_dead_letters_total", "Records sent to the dead-letter topic", ["reason"])
# Sends that failed (a dead letter that could not be sent, or a delivery that failed), by reason code.
SEND_FAILURES = Counter("iprx_worker_send_failures_total", "Records the worker could not send", ["reason"])
EVENT_TIME_LAG = Gauge(
    "iprx_worker_event_time_lag_seconds", "Wall clock minus occurred_at of the latest event consumed", ["family"]
)
# How far event time has moved for a rule (stream_processors.eventtime): its smallest partition clock.
EVENT_TIME = Gauge(
    "iprx_worker_event_time_seconds",
    "Unix time of a rule's event-time clock: the smallest over the re-key partitions this worker holds",
    ["rule"],
)
# Events a rule cannot use, by reason (e.g. a procurement release whose buyer is unresolved).
RULE_SKIPS = Counter("iprx_worker_rule_skips_total", "Events a rule skipped, by reason", ["rule", "reason"])

# Per member of the exchange (kernel/members.py); events of publishers not in the registry are labelled
# "unregistered", so a publisher id nobody vetted cannot grow the number of series.
UNREGISTERED = "unregistered"
PUBLISHER_EVENTS = Counter(
    "iprx_worker_publisher_events_total", "Events admitted, by publishing member and family", ["publisher", "family"]
)
PUBLISHER_LAST_EVENT = Gauge(
    "iprx_worker_publisher_last_event_timestamp_seconds",
    "Unix time at which the worker last admitted an event of the member",
    ["publisher"],
)
MEMBER_CADENCE = Gauge(
    "iprx_member_expected_cadence_seconds",
    "The longest normal gap between a member's events (member registry); silent for longer is an alert",
    ["publisher"],
)


def expect_members(members: MemberRegistry) -> None:
    """Publish the registry's cadences, so that alerts can compare each member's silence with its own."""
    for member in members:
        if member.cadence is not None:
            MEMBER_CADENCE.labels(member.publisher_id).set(member.cadence.total_seconds())


# Keyed by label: non-members share one entry, so no publisher id from outside can grow it.
_SERIES: dict[tuple[str, str], tuple[Counter, Gauge]] = {}  # looked up once, not (under a lock) per event


def admitted(members: MemberRegistry, publisher: str | None, family: str) -> None:
    """Count an admitted event of ``publisher`` and note when it came."""
    label = publisher if publisher is not None and members.get(publisher) is not None else UNREGISTERED
    series = _SERIES.get((label, family))
    if series is None:
        series = _SERIES[(label, family)] = (PUBLISHER_EVENTS.labels(label, family), PUBLISHER_LAST_EVENT.labels(label))
    events, last_event = series
    events.inc()
    last_event.set(time.time())
