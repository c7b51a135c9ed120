"""OCDS as really published: 1.0-style organisations, unresolved buyers, tolerated deviations, bare inputs.

Every tolerance is checked three ways: what it reads, the note on the release, and the kind the
unit reports for the produce summary.
"""

import io
import json

import pytest
from iprx.producers.adapters import ocds_tolerances as t
from iprx.producers.adapters.ocds import OcdsProcurement
from iprx.producers.adapters.ocds_classification import classify
from iprx.producers.ingest import ingest

from tests.unit.test_ocds_adapter import PUBLISHER, SUPPLIER_USCC, a_release, jsonl_file, read


def one(tmp_path, release):
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert unit.errors == [], unit.errors
    return unit


def noted(unit, kind):
    return [n for n in unit.notes if f"tolerated: {kind}" in n]


def as_1_0(release):
    """The release with organisations as OCDS 1.0 had them: identifier objects, no ids, no parties."""
    parties = {p["id"]: p for p in release.pop("parties")}
    buyer = parties[release["buyer"]["id"]]
    release["buyer"] = {"name": buyer["name"], "identifier": buyer["identifier"]}
    for award in release["awards"]:
        award["suppliers"] = [
            {"name": parties[s["id"]]["name"], "identifier": parties[s["id"]]["identifier"]} for s in award["suppliers"]
        ]
    return release


# --- organisations --------------------------------------------------------------------------------


def test_1_0_organisations_get_scheme_dash_id_or_their_uscc(tmp_path):
    release = as_1_0(a_release())
    release["awards"][0]["suppliers"][0]["identifier"] = {"scheme": "PY-RUC", "id": "80030218-4"}
    unit = one(tmp_path, release)
    [record] = unit.records
    assert record["buyer"]["id"] == release["buyer"]["identifier"]["id"]  # CN-USCC: the code itself
    assert record["supplier"]["id"] == "PY-RUC-80030218-4"
    assert t.ORG_ID_DERIVED in unit.tolerated
    assert noted(unit, t.ORG_ID_DERIVED) == [
        f"release {release['id']}: tolerated: {t.ORG_ID_DERIVED}: awards[0].suppliers[0] = 'PY-RUC-80030218-4'"
    ]


def test_an_identifier_without_scheme_gives_its_id(tmp_path):
    release = as_1_0(a_release())
    release["awards"][0]["suppliers"][0]["identifier"] = {"id": "le-groupe-kebecson-inc"}
    unit = one(tmp_path, release)
    assert unit.records[0]["supplier"]["id"] == "le-groupe-kebecson-inc"


def test_an_organisation_id_still_wins_over_its_identifier(tmp_path):
    release = a_release()
    release["parties"][1]["identifier"] = {"scheme": "PY-RUC", "id": "80030218-4"}
    unit = one(tmp_path, release)
    assert unit.records[0]["supplier"]["id"] == "supplier-1" and unit.tolerated == []


def test_a_supplier_without_id_nor_identifier_rejects(tmp_path):
    release = as_1_0(a_release())
    del release["awards"][0]["suppliers"][0]["identifier"]
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert [(e.field, e.reason) for e in unit.errors] == [
        ("awards[0].suppliers[0].id", "is required (no id nor identifier)")
    ]


def test_a_nameless_organisation_is_published_with_an_empty_name_and_a_note(tmp_path):
    release = as_1_0(a_release())
    del release["awards"][0]["suppliers"][0]["name"]
    unit = one(tmp_path, release)
    assert unit.records[0]["supplier"]["name"] == ""
    assert t.ORG_NAMELESS in unit.tolerated


# --- unresolved buyer -------------------------------------------------------------------------------


def buyer_with_contact_point_only(release):
    release = as_1_0(release)
    release["buyer"] = {"name": "Municipalidad de Asunción", "contactPoint": {"telephone": "663311"}}
    return release


def test_a_buyer_without_id_nor_identifier_is_published_unresolved(tmp_path):
    release = buyer_with_contact_point_only(a_release())
    unit = one(tmp_path, release)
    [record] = unit.records
    assert record["buyer"] == {
        "id": "",
        "name": "Municipalidad de Asunción",
        "level": "UNKNOWN",
        "jurisdiction": "440000",
    }
    assert record["unresolved_parties"] == ["BUYER"]
    assert record["header"]["jurisdiction"] == "440000"  # the publisher's: nothing else is known
    assert unit.unresolved == ["BUYER"]
    assert (
        f"release {release['id']}: buyer 'Municipalidad de Asunción' has no id nor identifier; "
        "published with the buyer unresolved"
    ) in unit.notes


def test_the_summary_says_accepted_buyer_unresolved_not_rejected(tmp_path):
    path = jsonl_file(tmp_path, [buyer_with_contact_point_only(a_release(n)) for n in range(2)] + [a_release(3)])
    summary = ingest(OcdsProcurement(PUBLISHER), path, None, io.StringIO())
    assert (summary.published, summary.rejected, summary.unresolved["BUYER"]) == (3, 0, 2)
    lines = summary.lines()
    assert lines[:4] == ["units read: 3", "published: 3", "         2  accepted, buyer unresolved", "rejected: 0"]


def test_a_resolved_buyer_lists_no_unresolved_party(tmp_path):
    assert one(tmp_path, a_release()).records[0]["unresolved_parties"] == []


def test_no_buyer_at_all_still_rejects(tmp_path):
    release = as_1_0(a_release())
    del release["buyer"]
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert [e.field for e in unit.errors] == ["buyer"]


# --- tolerated deviations ---------------------------------------------------------------------------


def test_contract_suppliers_as_an_object_name_the_contracts_supplier(tmp_path):
    release = as_1_0(a_release(tag=["contract"]))
    award = release["awards"][0]
    award["suppliers"].append({"name": "Second Vendor", "identifier": {"scheme": "PY-RUC", "id": "754010-8"}})
    release["contracts"] = [
        {
            "id": "c-2",
            "awardID": award["id"],
            "suppliers": {"name": "Second Vendor", "identifier": {"scheme": "PY-RUC", "id": "754010-8"}},
        }
    ]
    unit = one(tmp_path, release)
    [record] = unit.records
    assert record["contract_id"] == "c-2" and record["supplier"]["id"] == "PY-RUC-754010-8"
    assert len(record["items"]) == 1  # the award's, as a contract without items takes them
    assert noted(unit, t.SINGULAR) == [f"release {release['id']}: tolerated: {t.SINGULAR}: contracts[0].suppliers"]


def test_award_suppliers_and_items_as_objects_are_read_as_lists(tmp_path):
    release = a_release()
    award = release["awards"][0]
    award["suppliers"], award["items"] = award["suppliers"][0], award["items"][0]
    unit = one(tmp_path, release)
    [record] = unit.records
    assert record["supplier"]["id"] == SUPPLIER_USCC and [i["item_id"] for i in record["items"]] == ["1"]
    assert noted(unit, t.SINGULAR) == [
        f"release {release['id']}: tolerated: {t.SINGULAR}: awards[0].items, awards[0].suppliers"
    ]
    assert unit.tolerated == [t.SINGULAR]


def test_the_schema_key_slip_is_read_as_scheme(tmp_path):
    release = a_release()
    release["awards"][0]["items"][0]["classification"] = {"schema": "CPV", "id": "48310000-4"}
    unit = one(tmp_path, release)
    assert unit.records[0]["items"][0]["classification"]["code"] == "48310000"
    assert noted(unit, t.SCHEMA_KEY) == [f"release {release['id']}: tolerated: {t.SCHEMA_KEY}: item 1"]


@pytest.mark.parametrize(
    ("classification", "kind", "code"),
    [
        ({"scheme": "UNSPSC", "id": "43211508-001"}, "computer", "43211508"),
        ({"scheme": "UNSPSC", "id": "43232104-9999"}, "software", "43232104"),
        (
            {"scheme": "DNCP catalogue", "id": "43211508-001", "description": "Nivel 5, basado en UNSPSC"},
            "computer",
            "43211508",
        ),
        ({"scheme": "UNSPSC-based national catalogue", "id": "43211509"}, "computer", "43211509"),
    ],
)
def test_unspsc_based_catalogue_codes_are_matched_by_their_unspsc_prefix(classification, kind, code):
    found = classify(classification)
    assert (found.scheme, found.code, found.kind, found.tolerated) == ("UNSPSC", code, kind, (t.CATALOGUE_CODE,))
    assert found.published == {"scheme": "OTHER", "code": classification["id"], "description": classification["scheme"]}


@pytest.mark.parametrize(
    "classification",
    [
        {"scheme": "GB/T-7635", "id": "43211508-001"},  # not said to be built on UNSPSC: not guessed
        {"scheme": "UNSPSC", "id": "4321150-001"},  # seven digits
        {"scheme": "CPV", "id": "30213000-12"},  # a CPV check digit is one digit
    ],
)
def test_codes_not_said_to_be_unspsc_based_are_not_guessed(classification):
    assert classify(classification).kind is None


def test_a_catalogue_code_keeps_its_published_form_among_the_additional_classifications(tmp_path):
    release = a_release()
    release["awards"][0]["items"][0]["classification"] = {
        "schema": "Catálogo DNCP",
        "id": "43211508-001",
        "description": "Catálogo … Nivel 5, basado en UNSPSC",
    }
    unit = one(tmp_path, release)
    [item] = unit.records[0]["items"]
    assert item["classification"]["code"] == "43211508"
    assert item["additional_classifications"] == [
        {"scheme": "OTHER", "code": "43211508-001", "description": "Catálogo DNCP"}
    ]
    assert set(unit.tolerated) == {t.SCHEMA_KEY, t.CATALOGUE_CODE}


def test_foreign_currency_is_kept_not_converted_and_noted(tmp_path):
    release = a_release()
    release["awards"][0]["value"] = {"amount": 1400029440, "currency": "PYG"}
    unit = one(tmp_path, release)
    assert unit.records[0]["total_value"]["currency"] == "PYG"
    assert str(unit.records[0]["total_value"]["amount"]) in ("1400029440", "1400029440.00")
    assert noted(unit, t.FOREIGN_CURRENCY) == [f"release {release['id']}: tolerated: {t.FOREIGN_CURRENCY}: PYG"]


def test_cny_amounts_are_no_deviation(tmp_path):
    assert one(tmp_path, a_release()).tolerated == []


def test_a_tag_string_is_read_as_a_list_of_one_with_a_note(tmp_path):
    release = a_release(tag="award")
    unit = one(tmp_path, release)
    assert unit.records[0]["tags"] == ["AWARD"]
    assert noted(unit, t.TAG_STRING) == [f"release {release['id']}: tolerated: {t.TAG_STRING}: tag 'award'"]


def test_a_tag_string_that_reports_no_purchase_is_noted_not_published(tmp_path):
    release = a_release(tag="tender")
    [unit] = read(jsonl_file(tmp_path, [release]))
    assert unit.records == [] and unit.errors == []
    assert f"release {release['id']}: tag tender: reports no award or contract; not published" in unit.notes


@pytest.mark.parametrize("tag", [7, {"0": "award"}])
def test_a_tag_neither_list_nor_string_rejects(tmp_path, tag):
    [unit] = read(jsonl_file(tmp_path, [a_release(tag=tag)]))
    assert [e.field for e in unit.errors] == ["tag"]


# --- bare inputs ---------------------------------------------------------------------------------


def test_a_bare_release_object_over_many_lines(tmp_path):
    release = buyer_with_contact_point_only(a_release(tag="award"))
    path = tmp_path / "release.json"
    path.write_text(json.dumps(release, indent=2, ensure_ascii=False), encoding="utf-8")
    [unit] = read(path)
    assert unit.line == 1 and json.loads(unit.text) == release
    assert [r["release_id"] for r in unit.records] == [release["id"]]
    assert unit.unresolved == ["BUYER"]


def test_a_bare_record_object_uses_its_compiled_release(tmp_path):
    compiled = as_1_0(a_release(tag=["compiled"]))
    record = {
        "ocid": compiled["ocid"],
        "releases": [{"url": "https://example.org/r/1.json", "date": compiled["date"], "tag": ["award"]}],
        "compiledRelease": compiled,
    }
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    [unit] = read(path)
    assert json.loads(unit.text) == compiled
    assert [r["award_id"] for r in unit.records] == ["award-0"]
    assert unit.tolerated == []  # CN-USCC identifiers: the credit code is the id, nothing derived


def test_a_bare_record_object_without_compiled_release_gives_its_embedded_releases(tmp_path):
    release = a_release()
    path = tmp_path / "record.json"
    path.write_text(json.dumps({"ocid": release["ocid"], "releases": [release]}, indent=2), encoding="utf-8")
    [unit] = read(path)
    assert [r["release_id"] for r in unit.records] == [release["id"]]
