"""`iprx produce` on inputs that used to stop it with a traceback: each bad unit is one precise dead letter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from iprx.schemas import SingleObjectCodec

from tests.integration.test_produce_ocds import PUBLISHER, published
from tests.integration.test_publish_families import read_all
from tests.unit.test_ocds_adapter import a_release

pytestmark = pytest.mark.integration


def test_a_one_line_package_rejects_each_bad_release_on_its_own_and_goes_on(pipeline_env, tmp_path):
    negative = a_release(2)
    negative["awards"][0]["items"][0]["quantity"] = -5
    surrogate = a_release(3, id="ocds-test01-\ud800")
    oversized = a_release(4)  # 10,000 items: about 3 MB of JSON, an event of about 1.5 MB
    item = oversized["awards"][0]["items"][0]
    oversized["awards"][0]["items"] = [dict(item, id=str(i), description="x" * 110) for i in range(10_000)]
    undated = a_release(5, date="yesterday")
    releases = [a_release(1), negative, surrogate, oversized, undated]
    texts = [json.dumps(r) for r in releases]
    deep = '{"ocid": "ocds-test01-0006", "extensions": ' + "[" * 3000 + "]" * 3000 + "}"
    texts.insert(5, deep)
    texts.append(json.dumps(a_release(7)))
    path = tmp_path / "package.json"  # the whole package on one line, as many APIs return it
    path.write_text('{"version": "1.1", "releases": [' + ", ".join(texts) + "]}\n", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "iprx", "produce", "procurement", str(path)],
        env=pipeline_env.process_env(IPRX_PUBLISHER_PUBLISHER_ID=PUBLISHER),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr  # 1: some units rejected
    assert "Traceback" not in result.stderr
    assert "published: 2" in result.stdout and "rejected: 5" in result.stdout

    rejects = [json.loads(x) for x in (tmp_path / "package.json.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["unit"]) for r in rejects] == [(1, f"releases[{n}]") for n in (1, 2, 3, 4, 5)]
    fields = [[e["field"] for e in r["errors"]] for r in rejects]
    assert fields[0] == ["releases[1].awards[0].items[0].quantity"]
    assert fields[1] == ["releases[2].id"]
    assert fields[2] == ["event"]
    assert fields[3] == ["releases[4].date"]
    assert fields[4] == ["releases[5]"]
    assert "lone surrogate \\ud800" in rejects[1]["errors"][0]["reason"]
    assert "over the limit of 1,000,000" in rejects[2]["errors"][0]["reason"]
    assert "nested too deeply" in rejects[4]["errors"][0]["reason"]
    assert len(rejects[2]["text"]) < len(texts[3]) and rejects[2]["text_chars"] == len(texts[3])

    settings = pipeline_env.settings()
    events = sorted(e["release_id"] for _, e in published(pipeline_env))
    assert events == ["ocds-test01-0001-award", "ocds-test01-0007-award"]
    codec = SingleObjectCodec()
    dead = [codec.decode(v)[1] for _, v in read_all(settings.kafka.bootstrap_servers, settings.topic("deadletter"))]
    assert len({d["dead_letter_id"] for d in dead}) == 5  # one each, not one for the line
    assert [(d["source_file"], d["source_line"]) for d in dead] == [(str(path), 1)] * 5
    assert len({d["reason"] for d in dead}) == 5
    assert all(d["payload_size"] <= 64 * 1024 for d in dead)
