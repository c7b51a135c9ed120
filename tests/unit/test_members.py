"""The member registry (kernel/members.py): loading, every validation, keys over time, and the admission
check that worker and sink share (kernel/admission.py)."""

from __future__ import annotations

import base64
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from iprx.kernel import topics
from iprx.kernel.admission import admit
from iprx.kernel.members import DEFAULT_REGISTRY, FAMILY_OF_SCHEMA, MemberRegistryError, authorize, load_members
from iprx.kernel.reasons import Reason, Rejected
from iprx.schemas import SingleObjectCodec
from iprx.simulation.synthetic import seizures

KEY = base64.b64encode(bytes(range(32))).decode()
codec = SingleObjectCodec()


def registry_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "members.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = f"""
version = "7"
[[member]]
publisher_id = "CN/GOV/GACC/seizures"
name = "Customs"
principals = ["User:gacc"]
families = ["seizure"]
cadence_hours = 12
[[member.keys]]
key_id = "gacc-2025"
public_key = "{KEY}"
valid_from = 2025-01-01T00:00:00Z
valid_until = 2026-01-01T00:00:00Z
[[member.keys]]
key_id = "gacc-2026"
public_key = "{KEY}"
valid_from = 2026-01-01T00:00:00+08:00

[[member]]
publisher_id = "CN/PROV/440000/copyright"
name = "Guangdong copyright administration"
families = ["inspection", "case"]
"""


def test_the_shipped_registry_is_valid_and_holds_every_publisher_the_simulation_uses():
    registry = load_members()
    assert registry.source == str(DEFAULT_REGISTRY) and len(registry) > 0
    from iprx.simulation import entities, records

    used = {
        ("CN/GOV/GACC/seizures", "seizure"),
        (entities.GATEWAY, "cooperation"),
        ("CN/GOV/MOF/procurement", "procurement"),
    }
    for region in entities.REGIONS:
        used |= {(f"CN/PROV/{region.province}/procurement", "procurement")}
        used |= {(records.case_publisher(region), "case"), (f"CN/PROV/{region.province}/copyright", "inspection")}
    refused = [(p, f) for p, f in used if (m := registry.get(p)) is None or not m.may_publish(f)]
    assert refused == []  # `make demo` and `iprx simulate` run with the check on


def test_a_registry_is_read_with_its_keys_and_cadence(tmp_path):
    registry = load_members(registry_file(tmp_path, GOOD))
    assert registry.version == "7" and [m.publisher_id for m in registry] == [
        "CN/GOV/GACC/seizures",
        "CN/PROV/440000/copyright",
    ]
    gacc = registry.get("CN/GOV/GACC/seizures")
    assert gacc.cadence == timedelta(hours=12) and gacc.principals == ("User:gacc",)
    assert registry.get("CN/PROV/440000/copyright").cadence is None
    # Key rotation: an event is checked with the key valid when it was published.
    in_2025, in_2026 = datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    assert gacc.key("gacc-2025", in_2025) is not None and gacc.key("gacc-2025", in_2026) is None
    assert gacc.key("gacc-2026", in_2026).valid_from == datetime(2025, 12, 31, 16, tzinfo=UTC)
    assert gacc.key("gacc-2026", in_2025) is None and gacc.key("nope", in_2026) is None
    assert gacc.key("gacc-2025", datetime(2026, 1, 1, tzinfo=UTC)) is None  # valid_until is exclusive


def test_every_problem_of_a_bad_file_is_reported_at_once(tmp_path):
    path = registry_file(
        tmp_path,
        f"""
extra = 1
[[member]]
publisher_id = "gacc"
name = ""
principals = ["gacc"]
families = ["seizures"]
cadence_hours = 0
colour = "red"
[[member.keys]]
key_id = "k 1"
public_key = "abc"
valid_from = 2026-01-01
[[member]]
publisher_id = "CN/GOV/GACC/seizures"
name = "A"
families = ["seizure"]
[[member.keys]]
key_id = "k"
public_key = "{KEY}"
valid_from = 2026-01-01T00:00:00Z
valid_until = 2025-01-01T00:00:00Z
[[member]]
publisher_id = "CN/GOV/GACC/seizures"
name = "B"
families = "seizure"
""",
    )
    with pytest.raises(MemberRegistryError) as err:
        load_members(path)
    lines = str(err.value).splitlines()
    expected = [
        "version: a non-empty string is required",
        "unknown entries ['extra']",
        "member 1 (gacc): unknown keys ['colour']",
        "member 1 (gacc): publisher_id: 'gacc' is not of the form",
        "member 1 (gacc): name: a non-empty string is required",
        "member 1 (gacc): principals: 'gacc' is not a Kafka principal",
        "member 1 (gacc): families: 'seizures' is not a family",
        "member 1 (gacc): cadence_hours: 0 is not a positive number",
        "member 1 (gacc): keys[0]: key_id: 'k 1' is not a plain identifier",
        "member 1 (gacc): keys[0]: public_key: not the base64 of a 32-byte Ed25519 public key",
        "member 1 (gacc): keys[0]: valid_from: an offset date-time",
        "member 2 (CN/GOV/GACC/seizures): keys[0]: valid_until: not after valid_from",
        "member 3 (CN/GOV/GACC/seizures): families: a list of strings is required",
    ]
    for part in expected:
        assert sum(part in line for line in lines) == 1, (part, lines)
    assert all(line.startswith(f"{path}: ") for line in lines)


def test_a_publisher_id_may_appear_once(tmp_path):
    text = GOOD + '\n[[member]]\npublisher_id = "CN/GOV/GACC/seizures"\nname = "again"\nfamilies = ["seizure"]\n'
    with pytest.raises(MemberRegistryError, match=r"member 3 \(CN/GOV/GACC/seizures\): publisher_id: also member 1"):
        load_members(registry_file(tmp_path, text))


def test_every_family_schema_belongs_to_one_family():
    assert set(FAMILY_OF_SCHEMA.values()) == set(topics.FAMILIES)
    assert "iprx.signal.Signal" not in FAMILY_OF_SCHEMA  # the pipeline's own output is not a member's


def seizure_as(publisher: str) -> bytes:
    record = next(seizures(3, 1))
    record["header"].update(publisher=publisher, published_at=datetime.now(UTC))
    return codec.encode("iprx.seizure.SeizureRecorded", record)


@pytest.mark.parametrize(
    ("publisher", "code", "reason"),
    [
        ("CN/GOV/NCAC/x", Reason.NOT_A_MEMBER, "'CN/GOV/NCAC/x' is not a member of the exchange (registry 7)"),
        ("CN/PROV/440000/copyright", Reason.FAMILY_NOT_ALLOWED, "may publish inspection, case, not seizure events"),
    ],
)
def test_admission_refuses_events_of_non_members_and_of_families_a_member_may_not_publish(
    tmp_path, publisher, code, reason
):
    registry = load_members(registry_file(tmp_path, GOOD))
    now = datetime.now(UTC)
    with pytest.raises(Rejected) as refused:
        admit(codec, topics.SEIZURE, seizure_as(publisher), now, members=registry)
    assert (refused.value.code, refused.value.field) == (code, "header.publisher")
    assert reason in refused.value.reason
    name, _ = admit(codec, topics.SEIZURE, seizure_as("CN/GOV/GACC/seizures"), now, members=registry)
    assert name == "iprx.seizure.SeizureRecorded"
    assert admit(codec, topics.SEIZURE, seizure_as(publisher), now)[0] == name  # no registry: no check
    assert authorize(registry, "iprx.signal.Signal", publisher) is None


def iprx(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iprx", *args], capture_output=True, text=True, env=env, timeout=60)


def test_members_commands(tmp_path):
    bad = registry_file(tmp_path, 'version = "1"\n[[member]]\npublisher_id = "x"\n')
    checked = iprx("members", "check", str(bad))
    assert checked.returncode == 1 and "member 1 (x): publisher_id: 'x' is not of the form" in checked.stderr
    assert iprx("members", "check").returncode == 0
    listed = iprx("members", "list")
    assert listed.returncode == 0 and "CN/GOV/GACC/seizures" in listed.stdout
    assert iprx("members", "show", "CN/GOV/NOPE/x").returncode == 1
