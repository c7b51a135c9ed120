"""The publisher's metrics move with what the real broker confirms."""

from __future__ import annotations

import pytest
from iprx.kernel import dead_letters
from iprx.kernel.checks import FieldError
from iprx.producers import Publisher, metrics
from iprx.producers.adapters.event_jsonl import decode_line
from iprx.producers.adapters.event_lines import FILLED_IN
from iprx.producers.publisher import RecordRejected
from prometheus_client import CollectorRegistry

from tests.event_samples import line

pytestmark = pytest.mark.integration


def case_record(case_id, **changes):
    record = decode_line(line("case.opened", case_id=case_id, **changes), ("case",), FILLED_IN).record
    record["header"]["event_id"] = f"00000000-0000-4000-8000-{case_id:0>12}"
    return record


def test_published_rejected_and_send_latency_are_counted(pipeline_env):
    registry = CollectorRegistry()
    with Publisher(pipeline_env.settings(), metrics=metrics.create(registry)) as publisher:
        for n in range(3):
            publisher.publish("case", case_record(str(n)))
        with pytest.raises(RecordRejected):
            publisher.publish("case", case_record("9", header__jurisdiction="990000"))
        letter = dead_letters.from_file("producer.validate", FieldError("line", "test"), b"{", "f.jsonl", 1)
        publisher.publish_dead_letter(letter)
        publisher.flush()

    def value(name, **labels):
        return registry.get_sample_value(name, labels)

    assert value("iprx_producer_records_published_total", family="case") == 3
    assert value("iprx_producer_records_published_total", family="deadletter") == 1
    assert value("iprx_producer_send_seconds_count", family="case") == 3
    assert 0 < value("iprx_producer_send_seconds_sum", family="case") < 3 * 120
    reason = "… is not a GB/T … division or ministry code"
    assert value("iprx_producer_records_rejected_total", family="case", field="header.jurisdiction", reason=reason) == 1
    assert value("iprx_producer_delivery_failures_total", family="case") is None
