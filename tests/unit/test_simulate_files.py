"""`iprx simulate --out`: its files, published with `iprx produce` as produce.sh says, are its own events.

Each file is read back exactly as the command in produce.sh would read it (the format's adapter from
``adapter_for``, with the settings that command's environment gives), and the records must equal the
simulation's planned records, headers included; the rules replayed over them in produce.sh order
must raise exactly the ground truth. The OCDS writer is checked on its own edge cases too.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
import tempfile
from datetime import timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from iprx.kernel.config import load_settings
from iprx.producers.adapters.ocds import OcdsProcurement
from iprx.producers.adapters.ocds_writer import release, write_package
from iprx.producers.adapters.registry import adapter_for
from iprx.simulation import Planned, minimum_count, simulate
from iprx.simulation.entities import COMPUTERS, OFFICE, OPERATING_SYSTEMS, OTHER_ITEMS, organisation
from iprx.simulation.ids import ENTERPRISE
from iprx.simulation.output import SCRIPT, write_files
from iprx.simulation.patterns import TOLERANCE
from iprx.simulation.records import award, computer_item, licence_item, other_item, subscription
from iprx.simulation.scene import Scene

from tests.unit.test_simulate import ANCHOR, replay, truth_keys

OTHER_PUBLISHER = "CN/GOV/TEST/simulate"  # configured for files whose lines name their own publisher


def script_commands(directory: Path) -> dict[int, list[tuple[dict[str, str], str, Path]]]:
    """produce.sh's commands per phase: (environment, `iprx produce` format, file)."""
    phases: dict[int, list[tuple[dict[str, str], str, Path]]] = {}
    phase = None
    for line in (directory / SCRIPT).read_text().splitlines():
        words = shlex.split(line)
        if len(words) == 1 and words[0].endswith(")") and words[0][:-1].isdigit():
            phase = int(words[0][:-1])
        elif phase is not None and "iprx" in words:
            at = words.index("iprx")
            env = dict(w.split("=", 1) for w in words[:at])
            assert words[at + 1] == "produce" and len(words) == at + 4, line
            phases.setdefault(phase, []).append((env, words[at + 2], directory / words[at + 3]))
    return phases


def read_back(directory: Path) -> list[tuple[int, str, dict]]:
    """(phase, family, record) of every record `iprx produce` would publish, in produce.sh order."""
    out = []
    for phase, commands in sorted(script_commands(directory).items()):
        for env, fmt, path in commands:
            settings = load_settings(env={"IPRX_PUBLISHER_PUBLISHER_ID": OTHER_PUBLISHER, **env})
            adapter = adapter_for(fmt, settings)
            for unit in adapter.read(path):
                assert unit.errors == [], (path.name, unit.line, unit.errors)
                out += [(phase, unit.family or adapter.family, r) for r in unit.records]
    return out


@pytest.mark.parametrize("seed,count", [(6, 800), (17, 4500)])
def test_every_file_reads_back_to_the_planned_records(tmp_path, seed, count):
    simulation = simulate(seed, count, ANCHOR)
    files = write_files(simulation, tmp_path)
    assert sum(f.records for f in files) == count
    got = read_back(tmp_path)
    assert len(got) == count
    by_id = {str(r["header"]["event_id"]): (phase, family, r) for phase, family, r in got}
    assert len(by_id) == count
    families = set()
    for planned in simulation.planned:
        phase, family, record = by_id[planned.record["header"]["event_id"]]
        assert (phase, family) == (planned.phase + 1, planned.family)
        # published_at is the publisher's to stamp; everything else, headers included, is the same
        assert record == planned.record, planned.family
        families.add(family)
    assert families == {"procurement", "inspection", "case", "seizure", "cooperation"}
    procurement = [p.record for p in simulation.planned if p.family == "procurement"]
    assert len({r["header"]["publisher"] for r in procurement}) > 5  # several publishers, one file each
    assert {r["header"]["event_type"] for r in procurement} == {"procurement.award", "procurement.contract"}


@pytest.mark.parametrize("late", [timedelta(0), TOLERANCE], ids=["at-anchor", "tolerance-later"])
def test_the_rules_over_the_files_in_script_order_raise_the_ground_truth(tmp_path, late):
    simulation = simulate(3, minimum_count() + 300, ANCHOR)
    write_files(simulation, tmp_path)
    as_published = tuple(Planned(phase - 1, family, record, "") for phase, family, record in read_back(tmp_path))
    assert as_published != tuple(dataclasses.replace(p, origin="") for p in simulation.planned)  # another order
    assert replay(dataclasses.replace(simulation, planned=as_published), ANCHOR, sweep_every=3) == truth_keys(
        simulation
    )


def test_script_and_printed_commands_name_each_file_with_its_publisher(tmp_path, capsys, monkeypatch):
    from iprx.cli.main import main

    monkeypatch.setenv("IPRX_DATA_DIR", str(tmp_path))
    out = tmp_path / "sim"
    assert main(["simulate", "--seed", "4", "--count", "400", "--out", str(out), "--anchor", "2026-11-02"]) == 0
    printed = capsys.readouterr().out
    commands = script_commands(out)
    assert sorted(commands) == [1, 2]
    listed = sorted(p.name for p in out.iterdir() if p.name not in (SCRIPT, "truth.jsonl"))
    assert sorted(path.name for cmds in commands.values() for _, _, path in cmds) == listed
    for phase, cmds in commands.items():
        for env, fmt, path in cmds:
            line = " ".join([*(f"{k}={v}" for k, v in env.items()), "iprx produce", fmt, path.name])
            assert f"[simulate]     {line}\n" in printed
            if fmt in ("procurement", "seizures"):  # read with the configured publisher id: one file each
                assert (
                    path.name
                    == f"{phase}-{fmt}-{env['IPRX_PUBLISHER_PUBLISHER_ID'].replace('/', '-')}.{path.suffix[1:]}"
                )
            else:
                assert env == {}
    assert printed.index("phase 1 (sh") < printed.index("phase 2 (sh")


# --- the OCDS writer ---------------------------------------------------------------------------


def scene() -> Scene:
    return Scene(11, ANCHOR)


def read_package(records: list[dict], publisher: str) -> list[dict]:
    """The records `iprx produce procurement` publishes from a package of ``records``, as ``publisher``."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "package.json"
        with open(path, "w", encoding="utf-8") as handle:
            write_package(records, handle, uri="urn:test", published=ANCHOR, publisher_name=publisher)
        units = list(OcdsProcurement(publisher).read(path))
    assert [u.errors for u in units if u.errors] == []
    return [r for u in units for r in u.records]


def buyer(level: str = "MUNICIPAL"):
    s = scene()
    return s, organisation(s.rng, s.ids, level)


def test_award_and_contract_of_the_same_item_read_back_as_two_events():
    s, org = buyer()
    item = licence_item(OFFICE[1], 7)
    item["unit_price"] = {"amount": Decimal("1234.56"), "currency": "CNY"}
    bought = award(s, org, s.ago(days=30, seconds=0.25), [item])
    signed = award(s, org, s.ago(days=20), [dict(item)], contract=True)
    supplier = {"id": s.ids.uscc(ENTERPRISE, "440300"), "name": "Example Software Co., Ltd.", "country": "CN"}
    signed["supplier"] = {**supplier, "natural_person": False}
    got = read_package([bought, signed], org.publisher)
    assert got == [bought, signed]
    assert signed["total_value"]["amount"] == Decimal("8641.92")
    ocds = release(signed)
    assert "items" not in ocds["contracts"][0] and ocds["awards"][0]["items"]  # the contract has its award's items
    assert [e["header"]["event_type"] for e in got] == ["procurement.award", "procurement.contract"]


def test_computer_without_preloaded_os_and_licence_terms_in_another_time_zone():
    s, org = buyer("COUNTY")
    pcs = computer_item(COMPUTERS[1], 12, None)
    os_licences = licence_item(OPERATING_SYSTEMS[2], 12)  # flagged as an OS by the publisher
    yearly = subscription(OFFICE[3], 12, s.ago(days=3))  # a one-year term: it ends in the future
    beijing = timezone(timedelta(hours=8))
    yearly["software"]["term_start"] = yearly["software"]["term_start"].astimezone(beijing)
    record = award(s, org, s.ago(days=3), [pcs, os_licences, yearly])
    (got,) = read_package([record], org.publisher)
    assert got == record
    assert got["items"][0]["hardware"] == {"category": "LAPTOP", "os_preloaded": False, "preloaded_os": None}
    assert got["items"][1]["software"]["operating_system"] is True
    assert got["items"][2]["software"]["term_end"] > ANCHOR
    assert release(record)["awards"][0]["items"][0]["computer"] == {"osPreloaded": False, "category": "LAPTOP"}


def test_items_the_adapter_leaves_out_are_not_in_the_record():
    s, org = buyer()
    neither = next(i for i in OTHER_ITEMS if not i[1].startswith("302"))
    record = award(s, org, s.ago(days=5), [other_item(neither, 2), licence_item(OFFICE[0], 3)])
    assert [i["description"] for i in record["items"]] == [
        "Kingsoft WPS Office 2023 Professional licences"
    ]  # fmt: skip
    assert read_package([record], org.publisher) == [record]


def test_several_publishers_each_read_with_its_own_id(tmp_path):
    s = scene()
    orgs = [organisation(s.rng, s.ids, level) for level in ("CENTRAL", "PROVINCIAL", "MUNICIPAL", "COUNTY")]
    records = [award(s, o, s.ago(days=n + 1), [licence_item(OFFICE[n], 5)]) for n, o in enumerate(orgs)]
    assert len({o.publisher for o in orgs}) > 1
    for o, record in zip(orgs, records, strict=True):
        assert read_package([record], o.publisher) == [record]
        assert record["buyer"]["level"] == o.level and record["header"]["jurisdiction"] == o.jurisdiction
    # read with another publisher's id, the events are another publisher's (other ids): hence one file each
    wrong = next(o.publisher for o in orgs if o.publisher != orgs[0].publisher)
    (other,) = read_package([records[0]], wrong)
    assert other["header"]["event_id"] != records[0]["header"]["event_id"]
    assert other["header"]["publisher"] == wrong


def test_the_writer_refuses_what_ocds_cannot_carry():
    s, org = buyer()
    record = award(s, org, s.ago(days=2), [licence_item(OFFICE[0], 1)])
    with pytest.raises(ValueError, match="event id"):
        release({**record, "header": {**record["header"], "event_id": "00000000-0000-4000-8000-000000000000"}})
    with pytest.raises(ValueError, match="tags"):
        release({**record, "tags": ["OTHER", "AWARD"]})
    with pytest.raises(ValueError, match="jurisdiction"):
        release({**record, "header": {**record["header"], "jurisdiction": "999999"}})


def test_amounts_are_json_numbers_that_read_back_exactly():
    s, org = buyer()
    item = licence_item(OFFICE[0], 3)
    for amount in ("0.10", "19.99", "1234567890.05", "7"):
        item["unit_price"] = {"amount": Decimal(amount), "currency": "CNY"}
        record = award(s, org, s.ago(days=1), [item])
        ocds = release(record)
        price = ocds["awards"][0]["items"][0]["unit"]["value"]["amount"]
        assert isinstance(price, int | float)
        assert json.loads(json.dumps(ocds), parse_float=Decimal)["awards"][0]["items"][0]["unit"]["value"][
            "amount"
        ] == Decimal(amount)
        assert read_package([record], org.publisher) == [record]


def test_a_buyer_extension_with_a_bad_level_or_division_is_rejected(tmp_path):
    s, org = buyer()
    ocds = release(award(s, org, s.ago(days=1), [licence_item(OFFICE[0], 1)]))
    ocds["parties"][0]["details"] = {"level": "VILLAGE", "division": "990000"}
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(ocds) + "\n")
    (unit,) = OcdsProcurement(org.publisher).read(path)
    assert {e.field for e in unit.errors} == {"parties[0].details.level", "parties[0].details.division"}
    del ocds["parties"][0]["details"]  # without the extension: level UNKNOWN, the publisher's jurisdiction
    path.write_text(json.dumps(ocds) + "\n")
    ((record,),) = [u.records for u in OcdsProcurement(org.publisher).read(path)]
    assert record["buyer"]["level"] == "UNKNOWN"
    assert record["buyer"]["jurisdiction"] == record["header"]["jurisdiction"] == org.publisher.split("/")[2]
