import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iprx.stream_processors.events import Party, Seizure
from iprx.stream_processors.signals import Evidence

from tests.unit.rule_harness import RULEBOOK

SIGNIFICANT = RULEBOOK.rule("seizure.significant")

# Names drawn from CJK ideographs and ids with a marker prefix: neither can turn up by chance in the
# fixed fields of the notice, so finding one in it can only mean it leaked.
names = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=2, max_size=4)
person_ids = st.text(alphabet="abcdefghjkmnpqrstuvwxyz0123456789", min_size=6, max_size=18).map(lambda s: f"pid-{s}")


def party(name: str, pid: str | None, natural: bool) -> Party:
    return Party(pid, name, "CN", natural)


def significant(exporter: Party | None, consignee: Party | None, declarant: Party | None, text: str) -> Seizure:
    return Seizure(
        event_id="e-1",
        occurred_at=datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
        jurisdiction="440300",
        seizure_id="5300-2026-0000001",
        customs_office_code="5300",
        direction="EXPORT",
        hs_code="852349",
        estimated_value_cny=Decimal("2500000"),
        quantity=1000,
        exporter_id=exporter.id if exporter else None,
        source=Evidence("e-1", "iprx.seizure", 1, 5),
        container_no="MSCU1234567",
        bill_of_lading="BL123456789",
        goods_description=f"counterfeit discs packed by {text}",
        right_holder=f"rights of {text}",
        brand="Acme",
        unit="PCS",
        exporter=exporter,
        consignee=consignee,
        declarant=declarant,
        route=("Shenzhen", f"warehouse of {text}", "Long Beach"),
        concealment=f"hidden by {text}",
    )


def notices(seizure: Seizure) -> list[dict]:
    """What the worker sends to partners for one seizure: the rule's outbound hook for each of its signals."""
    return [n for s in SIGNIFICANT.evaluate(seizure) for n in SIGNIFICANT.outbound(seizure, s)]


def dumped(notice: dict) -> str:
    return json.dumps(notice, ensure_ascii=False, default=str).casefold()


@given(
    people=st.lists(st.tuples(names, person_ids), min_size=1, max_size=3, unique_by=lambda p: (p[0], p[1])),
    roles=st.lists(st.booleans(), min_size=3, max_size=3),
    data=st.data(),
)
@settings(max_examples=200, deadline=None)
def test_no_natural_persons_name_or_id_leaves(people, roles, data):
    # each role is a natural person (one of `people`) or an organisation whose name contains a person's name
    def role(natural: bool) -> Party:
        name, pid = data.draw(st.sampled_from(people))
        if natural:
            return party(name, pid, True)
        return party(f"{name}贸易有限公司", "914403001922038216", False)

    exporter, consignee, declarant = (role(r) for r in roles)
    persons = [p for p in (exporter, consignee, declarant) if p.natural_person]
    mentioned = data.draw(st.sampled_from(people))
    text = f"{mentioned[0].upper()} ({mentioned[1].upper()})"  # free text, in another case
    [notice] = notices(significant(exporter, consignee, declarant, text))
    out = dumped(notice)
    for p in persons:
        assert p.name.casefold() not in out and p.id.casefold() not in out
    # organisations are shared under their own id
    for p in (exporter, consignee):
        if not p.natural_person:
            assert p.id in out


def test_notice_shape_and_redaction_record():
    exporter = party("张伟", "pid-440301199001011234", True)
    seizure = significant(exporter, party("Acme Imports LLC", "US-EIN-123", False), None, "nobody")
    [signal] = SIGNIFICANT.evaluate(seizure)
    [notice] = notices(seizure)
    assert notice["kind"] == "SEIZURE_NOTICE" and notice["handling"] == "AMBER"
    assert notice["recipients"] == ["US/GOV/CBP/ipr"] and notice["signal_id"] == str(signal.signal_id)
    shared = notice["seizure"]
    assert shared["exporter"] == {"id": None, "name": "[REDACTED]", "country": "CN", "natural_person": True}
    assert shared["consignee"]["name"] == "Acme Imports LLC"
    assert (shared["container_no"], shared["bill_of_lading"], shared["office"]) == (
        "MSCU1234567",
        "BL123456789",
        "5300",
    )
    assert shared["estimated_value"] == {"amount": Decimal("2500000"), "currency": "CNY"}
    assert "concealment" not in shared and "declarant" not in shared
    assert notice["redacted_fields"] == ["seizure.exporter.id", "seizure.exporter.name"]


def test_notice_id_is_stable_per_seizure_event_and_only_for_significant_seizures():
    seizure = significant(None, None, None, "nobody")
    first, again = notices(seizure)[0], notices(seizure)[0]
    assert first["notice_id"] == again["notice_id"]
    small = Seizure(**{**vars(seizure), "estimated_value_cny": Decimal("999999.99")})
    assert notices(small) == []


def test_masked_free_text_is_listed_in_redacted_fields():
    person = party("李娜", "pid-110101198001010000", True)
    seizure = significant(person, None, None, "李娜")
    [notice] = notices(seizure)
    assert sorted(notice["redacted_fields"]) == [
        "seizure.exporter.id",
        "seizure.exporter.name",
        "seizure.goods_description",
        "seizure.right_holder",
        "seizure.route[1]",
    ]
    assert notice["seizure"]["goods_description"] == "counterfeit discs packed by [REDACTED]"


def test_notice_encodes_as_partner_notice_sent():
    from iprx.schemas import SingleObjectCodec

    codec = SingleObjectCodec()
    if "iprx.cooperation.PartnerNoticeSent" not in codec.catalog.names():
        pytest.skip("the cooperation schemas are not on this branch yet")
    seizure = significant(party("张伟", "pid-1", True), party("Acme Imports LLC", "US-EIN-123", False), None, "x")
    [notice] = notices(seizure)
    assert notice["header"] == {
        "event_id": notice["notice_id"],
        "event_type": "cooperation.notice_sent",
        "occurred_at": seizure.occurred_at,
        "published_at": None,  # stamped by the worker when it sends
        "publisher": "CN/GOV/IPRX/stream-processors",
        "jurisdiction": seizure.jurisdiction,
        "causation_id": notice["signal_id"],
        "correlation_id": seizure.seizure_id,
    }
    record = {**notice, "header": {**notice["header"], "published_at": seizure.occurred_at}}
    _, decoded = codec.decode(codec.encode("iprx.cooperation.PartnerNoticeSent", record))
    assert decoded["seizure"]["exporter"]["name"] == "[REDACTED]" and decoded["handling"] == "AMBER"
