"""Prometheus metrics of the publishing library and `iprx produce`.

Labels stay few: ``family`` is a publisher family (or ``deadletter``), and a rejection is labelled
by the path of its first error (list indices and unknown keys folded) and the reason with the
record's own values taken out, so the values in a file cannot grow the number of series.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iprx.kernel.checks import FieldError
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

# From a linger of milliseconds up to the default delivery timeout of two minutes.
SEND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]")
_WITH_DIGITS = re.compile(r"[^\s,;()]*\d[^\s,;()]*")
_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class ProducerMetrics:
    published: Counter
    rejected: Counter
    send_seconds: Histogram
    delivery_failures: Counter

    def reject(self, family: str, error: FieldError) -> None:
        """Count one rejected record by its first error."""
        field, reason = rejection_labels(error)
        self.rejected.labels(family, field, reason).inc()


def create(registry: CollectorRegistry = REGISTRY) -> ProducerMetrics:
    """The producer metrics, registered in ``registry`` (tests pass their own)."""
    return ProducerMetrics(
        published=Counter(
            "iprx_producer_records_published_total",
            "Records the broker confirmed (acks=all), by family",
            ["family"],
            registry=registry,
        ),
        rejected=Counter(
            "iprx_producer_records_rejected_total",
            "Records rejected before sending (input or validation), by family, field and reason",
            ["family", "field", "reason"],
            registry=registry,
        ),
        send_seconds=Histogram(
            "iprx_producer_send_seconds",
            "Time from send to the broker's delivery confirmation",
            ["family"],
            buckets=SEND_BUCKETS,
            registry=registry,
        ),
        delivery_failures=Counter(
            "iprx_producer_delivery_failures_total",
            "Records the broker did not confirm (retries exhausted or timed out), by family",
            ["family"],
            registry=registry,
        ),
    )


def rejection_labels(error: FieldError) -> tuple[str, str]:
    """(field, reason) labels of an error, with the values it quotes replaced by ``…``."""
    field = _INDEX.sub("[]", error.field)
    if error.reason.startswith("unknown field"):
        field = field.rpartition(".")[0] + ".*" if "." in field else "*"  # the key is the input's, not ours
    reason = _WITH_DIGITS.sub("…", _QUOTED.sub("…", error.reason))
    return field, reason


_DEFAULT: ProducerMetrics | None = None


def default() -> ProducerMetrics:
    """The process-wide metrics in the global registry (what a /metrics endpoint shows)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = create()
    return _DEFAULT
