"""`iprx produce procurement FILE` against the real broker: OCDS releases in, procurement events out, intact."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from iprx.producers.adapters.values import derived_event_id
from iprx.schemas import SingleObjectCodec

from tests.integration.test_publish_families import read_all

pytestmark = pytest.mark.integration

DATA = Path(__file__).parents[1] / "data" / "ocds"
PUBLISHER = "CN/PROV/440000/procurement"


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def money(value: dict) -> dict:
    return {"amount": Decimal(str(value["amount"])).quantize(Decimal("0.01")), "currency": value["currency"]}


def produce(pipeline_env, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "iprx", "produce", "procurement", str(path)],
        env=pipeline_env.process_env(IPRX_PUBLISHER_PUBLISHER_ID=PUBLISHER),
        capture_output=True,
        text=True,
        timeout=120,
    )


def published(pipeline_env) -> list[tuple[str, dict]]:
    settings = pipeline_env.settings()
    codec = SingleObjectCodec()
    messages = read_all(settings.kafka.bootstrap_servers, settings.topic("procurement"))
    return [(key.decode(), codec.decode(value, "iprx.procurement.ProcurementRelease")[1]) for key, value in messages]


def test_the_standard_example_release_package_goes_through_intact(pipeline_env, tmp_path):
    path = tmp_path / "ocds-213czf-000-00001.json"
    shutil.copy(DATA / "standard-example-release-package.json", path)
    releases = json.loads(path.read_text(encoding="utf-8"))["releases"]

    result = produce(pipeline_env, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "units read: 6" in result.stdout and "published: 2" in result.stdout and "rejected: 0" in result.stdout
    assert "CPV '45233130.0' is not a valid CPV code; left out" in result.stdout  # a note, not a guess
    assert not (tmp_path / "ocds-213czf-000-00001.json.rejects.jsonl").exists()

    events = {record["header"]["event_type"]: (key, record) for key, record in published(pipeline_env)}
    assert sorted(events) == ["procurement.award", "procurement.contract"]
    by_tag = {r["tag"][0]: r for r in releases}
    for kind in ("award", "contract"):
        release = by_tag[kind]
        key, event = events[f"procurement.{kind}"]
        award = release["awards"][0]
        section = award if kind == "award" else release["contracts"][0]
        header = event["header"]
        assert str(header["event_id"]) == derived_event_id(
            PUBLISHER, "procurement", f"{release['ocid']}|{release['id']}|{kind}|{section['id']}"
        )
        assert header["publisher"] == PUBLISHER
        assert header["jurisdiction"] == "440000"
        assert header["correlation_id"] == release["ocid"]
        assert header["occurred_at"] == when(section.get("dateSigned") or section.get("date") or release["date"])
        assert event["ocid"] == release["ocid"]
        assert event["release_id"] == release["id"]
        assert event["tags"] == [kind.upper()]
        assert event["released_at"] == when(release["date"])
        # the buyer's identifier scheme (GB-LAC) is not a credit code: its OCDS id passes through
        assert event["buyer"] == {
            "id": release["buyer"]["id"],
            "name": release["buyer"]["name"],
            "level": "UNKNOWN",
            "jurisdiction": "440000",
        }
        assert key == release["buyer"]["id"]
        assert event["supplier"] == {
            "id": award["suppliers"][0]["id"],
            "name": award["suppliers"][0]["name"],
            "country": None,
            "natural_person": False,
        }
        assert event["award_id"] == award["id"]
        assert event["contract_id"] == (section["id"] if kind == "contract" else None)
        assert event["date_signed"] == (when(section["dateSigned"]) if kind == "contract" else None)
        assert event["total_value"] == money(section["value"])
        assert event["items"] == []  # highway works: neither software nor computers


def test_software_and_computers_are_published_and_a_bad_line_is_dead_lettered(pipeline_env, tmp_path):
    path = tmp_path / "releases.jsonl"
    lines = (DATA / "software-and-computers.jsonl").read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[0])
    bad["id"] += "-bad"
    bad["awards"][0]["items"][0]["quantity"] = -5
    path.write_text("\n".join([*lines, json.dumps(bad)]) + "\n", encoding="utf-8")
    source = {r["id"]: r for r in (json.loads(line) for line in lines if line)}

    result = produce(pipeline_env, path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "published: 3" in result.stdout and "rejected: 1" in result.stdout

    [reject] = [json.loads(x) for x in (tmp_path / "releases.jsonl.rejects.jsonl").read_text().splitlines()]
    assert reject["line"] == 6
    assert reject["errors"] == [{"field": "awards[0].items[0].quantity", "reason": "must be >= 0, got -5"}]
    assert json.loads(reject["text"]) == bad

    events = {record["release_id"]: record for _, record in published(pipeline_env)}
    assert sorted(events) == sorted(rid for rid, r in source.items() if "tender" not in r["tag"])
    for release_id, event in events.items():
        release = source[release_id]
        sections = release.get("contracts") or release["awards"]
        expected_items = [i for s in sections for i in s["items"] if not i["classification"]["id"].startswith("45")]
        assert [i["item_id"] for i in event["items"]] == [i["id"] for i in expected_items]
        for item, original in zip(event["items"], expected_items, strict=True):
            assert item["quantity"] == original["quantity"]
            assert item["description"] == original["description"]
            code = original.get("classification")["id"]
            extra = original.get("additionalClassifications") or []
            assert item["classification"]["code"] in (code.split("-")[0], *(c["id"] for c in extra))
            assert item["unit_price"] == (money(original["unit"]["value"]) if "value" in original["unit"] else None)
            licence = original.get("softwareLicence")
            if licence:
                assert (item["software"]["vendor"], item["software"]["product"]) == (
                    licence["vendor"],
                    licence["product"],
                )
                assert item["software"]["metric"] == licence["metric"]
                assert item["software"]["operating_system"] == licence.get("operatingSystem", False)
            else:
                assert item["software"] is None
            computer = original.get("computer")
            assert item["hardware"] == (
                {
                    "category": computer["category"],
                    "os_preloaded": computer["osPreloaded"],
                    "preloaded_os": computer["preloadedOs"],
                }
                if computer
                else None
            )

    settings = pipeline_env.settings()
    codec = SingleObjectCodec()
    dead = [codec.decode(v)[1] for _, v in read_all(settings.kafka.bootstrap_servers, settings.topic("deadletter"))]
    assert [(d["source_line"], d["stage"], d["source_file"]) for d in dead] == [(6, "producer.validate", str(path))]
    assert "must be >= 0" in dead[0]["reason"]


PARAGUAY = DATA / "publishers" / "paraguay-dncp-record-package-277004.json"


def test_an_ocds_1_0_record_with_an_unidentified_buyer_is_accepted_not_rejected(pipeline_env, tmp_path):
    """The issue's case: Paraguay's 240 desktop PCs reach the topic, buyer unresolved, each contract's own supplier."""
    path = tmp_path / PARAGUAY.name
    shutil.copy(PARAGUAY, path)
    result = produce(pipeline_env, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "published: 4" in result.stdout and "rejected: 0" in result.stdout
    assert "       4  accepted, buyer unresolved" in result.stdout
    assert "UNSPSC-based catalogue code read by its UNSPSC prefix" in result.stdout

    compiled = json.loads(PARAGUAY.read_text(encoding="utf-8"))["records"][0]["compiledRelease"]
    events = {record["contract_id"]: (key, record) for key, record in published(pipeline_env)}
    assert sorted(events) == sorted(c["id"] for c in compiled["contracts"])
    for key, event in events.values():
        assert key == compiled["ocid"]  # no buyer id to key by: the process keeps its releases together
        assert event["buyer"]["id"] == "" and event["buyer"]["name"] == "Municipalidad de Asunción"
        assert event["unresolved_parties"] == ["BUYER"]
    desktops = events["277004-data-lab-sa-5"][1]["items"][0]
    assert (desktops["classification"]["code"], desktops["quantity"]) == ("43211508", 240)


def test_a_release_with_an_unresolved_buyer_lands_in_clickhouse(tmp_path):
    from iprx.kernel.config import load_settings
    from iprx.producers.adapters.ocds import OcdsProcurement
    from iprx.sinks.base import Batch, SourceRecord
    from iprx.sinks.clickhouse.migrations import migrate
    from iprx.sinks.clickhouse.sink import ClickHouseSink
    from iprx.sinks.clickhouse.store import Store

    [unit] = OcdsProcurement(PUBLISHER).read(PARAGUAY)
    codec = SingleObjectCodec()
    with Store(load_settings(env={"IPRX_DATA_DIR": str(tmp_path)}), "test") as store:
        migrate(store.client, store.database)
        batch = []
        for offset, record in enumerate(unit.records):
            record["header"]["published_at"] = datetime.now(UTC)
            batch.append(SourceRecord(offset, codec.encode("iprx.procurement.ProcurementRelease", record), 0))
        ClickHouseSink(store).write(Batch("t.procurement", 0, batch))
        rows = store.client.query(
            "SELECT contract_id, buyer_id, buyer_name, unresolved_parties FROM iprx.procurement_releases "
            "ORDER BY contract_id"
        ).result_rows
    assert rows == [
        (record["contract_id"], "", "Municipalidad de Asunción", ["BUYER"])
        for record in sorted(unit.records, key=lambda r: r["contract_id"])
    ]
