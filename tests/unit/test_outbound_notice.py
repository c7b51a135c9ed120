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


def test_the_field_policy_covers_exactly_the_fields_a_notice_can_carry():
    from iprx.schemas import default_catalog
    from iprx.stream_processors.redaction import SEIZURE_POLICY

    shared = default_catalog().get("iprx.cooperation.SharedSeizure").expanded
    assert list(SEIZURE_POLICY) == [f["name"] for f in shared["fields"]]
    [notice] = notices(significant(None, None, None, "nobody"))
    assert list(notice["seizure"]) == list(SEIZURE_POLICY)


def with_fields(seizure: Seizure, **changes) -> Seizure:
    return Seizure(**{**vars(seizure), **changes})


def test_a_persons_id_inside_a_reference_does_not_leave():
    person = party("张伟", "440301199001011237", True)  # a resident id with a valid check digit
    seizure = with_fields(
        significant(None, person, None, "nobody"),
        bill_of_lading="BL-4403-0119-9001-0112-37/2026",  # the id, re-punctuated
        container_no="MSCU1234567 (ref 440301199001011237)",
        seizure_id="5300-2026-440301199001011237",
    )
    [notice] = notices(seizure)
    out = dumped(notice)
    assert "440301199001011237" not in out and "4403-0119-9001-0112-37" not in out
    assert {"seizure.bill_of_lading", "seizure.container_no", "seizure.seizure_id"} <= set(notice["redacted_fields"])


@pytest.mark.parametrize("variant", ["WANG  FANG", "Fang Wang", "wang-fang", "FANG, Wang", "WangFang"])
def test_a_persons_name_is_masked_in_any_order_case_or_spacing(variant):
    person = party("Wang Fang", "pid-77", True)
    [notice] = notices(significant(person, None, None, variant))
    assert "wang" not in dumped(notice) and "fang" not in dumped(notice), notice["seizure"]["goods_description"]


def test_a_foreign_natural_person_without_the_flag_is_recognised_by_a_personal_id():
    john = Party("US-SSN-078-05-1120", "John Smith", "US", False)
    [notice] = notices(significant(None, john, None, "John Smith"))
    out = dumped(notice)
    assert "john" not in out and "smith" not in out and "078-05-1120" not in out
    withheld = {"id": None, "name": "[REDACTED]", "country": "US", "natural_person": False}
    assert notice["seizure"]["consignee"] == withheld
    assert {"seizure.consignee.id", "seizure.consignee.name"} <= set(notice["redacted_fields"])


def test_a_party_not_shown_to_be_an_organisation_is_withheld_and_organisations_are_shared():
    unknown = Party(None, "Jane Roe", "GB", False)
    [notice] = notices(significant(party("Acme Trading Co., Ltd.", None, False), unknown, None, "x"))
    assert notice["seizure"]["exporter"]["name"] == "Acme Trading Co., Ltd."  # a legal form: an organisation
    assert notice["seizure"]["consignee"]["name"] == "[REDACTED]"
    uscc = party("Shenzhen Example", "914403001922038216", False)
    [notice] = notices(significant(uscc, party("Acme Imports", "US-EIN-12-3456789", False), None, "x"))
    assert notice["seizure"]["exporter"]["id"] == "914403001922038216"
    assert notice["seizure"]["consignee"]["name"] == "Acme Imports"


def test_personal_ids_in_free_text_are_masked_even_when_no_party_carries_them():
    [notice] = notices(significant(None, None, None, "agent 110101199003074477 and SSN 078-05-1120"))
    out = dumped(notice)
    assert "110101199003074477" not in out and "078-05-1120" not in out


# Person names made of two parts from a restricted alphabet, ids with a marker scheme or a resident id.
latin_part = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=4, max_size=8)
latin_names = st.tuples(latin_part, latin_part).filter(lambda t: t[0] != t[1])


def resident_id(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


personal_ids = st.one_of(
    st.from_regex(r"[1-6][0-9]{16}", fullmatch=True).map(resident_id),
    st.from_regex(r"(US-SSN|GB-PASSPORT|pid)-[a-z0-9]{6,10}", fullmatch=True),
)


def respaced(parts: tuple[str, str], draw) -> str:
    first, second = parts if draw(st.booleans()) else parts[::-1]
    sep = draw(st.sampled_from([" ", "  ", "-", ", ", "", " . "]))
    text = f"{first}{sep}{second}"
    return draw(st.sampled_from([text, text.upper(), text.title()]))


def repunctuated(pid: str, draw) -> str:
    chars = [c for c in pid if c.isalnum()]
    sep = draw(st.sampled_from(["", "-", " ", "/", "."]))
    step = draw(st.integers(1, 4))
    text = sep.join("".join(chars[i : i + step]) for i in range(0, len(chars), step))
    return draw(st.sampled_from([text, text.upper(), text.lower()]))


def normal(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


@given(data=st.data())
@settings(max_examples=200, deadline=None)
def test_planted_names_and_ids_never_leave_from_any_string_field(data):
    draw = data.draw
    parts, pid = draw(latin_names), draw(personal_ids)
    flagged = draw(st.booleans())  # unflagged, the personal id alone must give the person away
    person = Party(pid, " ".join(parts).title(), draw(st.sampled_from(["CN", "US", "DE"])), flagged)

    def planted() -> str:
        return draw(st.sampled_from(["{}", "shipped by {}", "{} / ref", "via {} warehouse"])).format(
            respaced(parts, draw) if draw(st.booleans()) else repunctuated(pid, draw)
        )

    role = draw(st.sampled_from(["exporter", "consignee", "declarant"]))
    organisation = Party("914403001922038216", f"{planted()} Trading Co., Ltd.", "CN", False)
    roles = {r: organisation for r in ("exporter", "consignee", "declarant")} | {role: person}
    seizure = with_fields(
        significant(roles["exporter"], roles["consignee"], roles["declarant"], planted()),
        exporter_id=roles["exporter"].id,
        seizure_id=f"5300-{planted()}",
        bill_of_lading=planted(),
        container_no=planted(),
        goods_description=planted(),
        right_holder=planted(),
        brand=planted(),
        unit=planted(),
        route=(planted(), planted()),
    )
    [notice] = notices(seizure)
    out = normal(dumped(notice))
    assert normal(pid) not in out
    assert normal(parts[0] + parts[1]) not in out and normal(parts[1] + parts[0]) not in out
