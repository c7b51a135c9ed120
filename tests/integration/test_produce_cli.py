"""`iprx produce seizures FILE` against the real broker: good rows published, bad rows to rejects and DLQ."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from iprx.producers.adapters.seizure_csv import write_csv
from iprx.schemas import SingleObjectCodec
from iprx.simulation.synthetic import seizures

from tests.integration.test_publish_families import read_all

pytestmark = pytest.mark.integration


def test_produce_publishes_good_rows_and_dead_letters_bad_ones(pipeline_env, tmp_path):
    settings = pipeline_env.settings()
    records = list(seizures(21, 30))
    records[4]["quantity"] = -1
    records[17]["destination_country"] = "XX"
    path = tmp_path / "seizures.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        write_csv(records, f)
    with open(path, "a", encoding="utf-8") as f:
        f.write("truncated,row\n")

    result = subprocess.run(
        [sys.executable, "-m", "iprx", "produce", "seizures", str(path)],
        env=pipeline_env.process_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "published: 28" in result.stdout and "rejected: 3" in result.stdout

    rejects = [json.loads(line) for line in (tmp_path / "seizures.csv.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["errors"][0]["field"]) for r in rejects] == [
        (6, "quantity"),
        (19, "destination_country"),
        (32, "row"),
    ]

    codec = SingleObjectCodec()
    published = read_all(settings.kafka.bootstrap_servers, settings.topic("seizure"))
    ids = {str(codec.decode(v)[1]["header"]["event_id"]) for _, v in published}
    expected = {r["header"]["event_id"] for i, r in enumerate(records) if i not in (4, 17)}
    assert ids == expected

    dead = [codec.decode(v)[1] for _, v in read_all(settings.kafka.bootstrap_servers, settings.topic("deadletter"))]
    assert sorted((d["source_line"], d["stage"]) for d in dead) == [
        (6, "producer.validate"),
        (19, "producer.validate"),
        (32, "producer.validate"),
    ]
    assert all(d["source_file"] == str(path) for d in dead)
    assert "must be >= 0" in next(d["reason"] for d in dead if d["source_line"] == 6)
