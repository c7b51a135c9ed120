"""Producer metrics: rejections are counted by family, field and a value-free reason."""

from __future__ import annotations

import io

from iprx.kernel.checks import FieldError
from iprx.producers import metrics
from iprx.producers.adapters import event_lines
from iprx.producers.ingest import ingest
from prometheus_client import CollectorRegistry

from tests.event_samples import line


def test_labels_fold_list_indices_unknown_keys_and_the_values_of_the_input():
    assert metrics.rejection_labels(FieldError("findings[12].installed_copies", "must be >= 0, got -3")) == (
        "findings[].installed_copies",
        "must be >= …, got …",
    )
    assert metrics.rejection_labels(FieldError("seizure.colour", "unknown field; iprx.X has a, b")) == (
        "seizure.*",
        "unknown field; iprx.X has a, b",
    )
    quoted = FieldError("header.event_type", "unknown event type 'x'; expected one of ['a', 'b']")
    assert metrics.rejection_labels(quoted) == ("header.event_type", "unknown event type …; expected one of …")
    future = FieldError("closed_at", "2999-01-01T00:00:00+00:00 is in the future")
    assert metrics.rejection_labels(future) == ("closed_at", "… is in the future")


def test_ingest_counts_each_rejected_record_once_by_its_first_error(tmp_path):
    registry = CollectorRegistry()
    counted = metrics.create(registry)
    path = tmp_path / "in.jsonl"
    lines = [
        line("case.opened"),
        line("case.closed", confiscated_copies=-2, fine_cny="-1"),
        line("case.closed", confiscated_copies=-7),
        line("inspection.completed", devices_inspected=-1),
        "{",
    ]
    path.write_text("\n".join(lines) + "\n")
    summary = ingest(event_lines.inspections("CN/GOV/NCAC/x"), path, None, io.StringIO(), metrics=counted)
    assert summary.rejected == 4

    def rejected(family, field, reason):
        return registry.get_sample_value(
            "iprx_producer_records_rejected_total", {"family": family, "field": field, "reason": reason}
        )

    assert rejected("case", "fine_cny", "must be >= …, got …") == 1
    assert rejected("case", "confiscated_copies", "must be >= …, got …") == 1
    assert rejected("inspection", "devices_inspected", "must be >= …, got …") == 1
    assert (
        rejected("inspection", "line", "not valid JSON: Expecting property name enclosed in double quotes (column …)")
        == 1
    )
    # A dry run publishes nothing, so nothing is counted as published.
    assert registry.get_sample_value("iprx_producer_records_published_total", {"family": "case"}) is None
