"""Real OCDS publications (tests/data/ocds/publishers/): what each file gives, worked out by hand.

The expected counts below come from reading the files (tests/data/ocds/README.md has the same
reasoning per file), not from running the adapter. ``published`` counts records (one per award or
contract that is news), ``unresolved`` the records published with the buyer unresolved.
"""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from iprx.producers.adapters import ocds_tolerances as t
from iprx.producers.adapters.ocds import OcdsProcurement
from iprx.producers.ingest import ingest

CORPUS = Path(__file__).parents[1] / "data" / "ocds" / "publishers"
PUBLISHER = "CN/PROV/440000/procurement"

# file: (units, published, with the buyer unresolved, rejected reasons, tolerated kinds)
EXPECTED = {
    # Paraguay DNCP, OCDS 1.0 style record package: one record whose compiledRelease (tag compiled)
    # has 1 award (4 suppliers, identifier only) and 4 contracts of that award, each with its
    # supplier as an object. The contracts are the news, the award is not published again: 4
    # records. The buyer has a name and a contact point only: all 4 published, buyer unresolved.
    "paraguay-dncp-record-package-277004.json": (
        1,
        4,
        4,
        {},
        {t.ORG_ID_DERIVED, t.SINGULAR, t.SCHEMA_KEY, t.CATALOGUE_CODE, t.FOREIGN_CURRENCY},
    ),
    # Montréal, OCDS 1.1 bare release: tag "award" as a string, 1 award in CAD whose one item has
    # no classification (left out); buyer and supplier have ids in parties.
    "montreal-release-063635891f.json": (1, 1, 0, {}, {t.TAG_STRING, t.FOREIGN_CURRENCY}),
    # Montréal, OCDS 1.0 style bare release: buyer and supplier have identifier.id (no scheme) and
    # no id; tag "award" as a string; 1 award in CAD, its item unclassified.
    "montreal-release-479ed54d04.json": (1, 1, 0, {}, {t.TAG_STRING, t.ORG_ID_DERIVED, t.FOREIGN_CURRENCY}),
    # Jalisco, OCDS 1.1 record package: compiled release tagged contract+compiled, 1 award and its
    # 1 contract (the news), items in the local FAM-GOB-JAL scheme (left out), amounts in MXN.
    "jalisco-record-package-SFIN-03-0001-00-2017.json": (1, 1, 0, {}, {t.FOREIGN_CURRENCY}),
    # New South Wales, OCDS 1.0.1 release package: 1 release tagged tender (a buyer named, with a
    # contact point and no id): a tender buys nothing yet, so nothing is published, nothing rejected.
    "nsw-release-package-3.json": (1, 0, 0, {}, set()),
    # Taiwan (DSP, Inc., a pre-1.0 draft shape): bare release dated "2014-02-11", no time nor
    # offset: rejected on its date before anything else is read.
    "taiwan-release-51182014.json": (1, 0, 0, {"date: has no time zone offset (add Z or +08:00)": 1}, set()),
}


def test_every_corpus_file_is_expected():
    assert sorted(p.name for p in CORPUS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_publication_gives_what_was_worked_out_by_hand(name):
    units, published, unresolved, reasons, tolerated = EXPECTED[name]
    summary = ingest(OcdsProcurement(PUBLISHER), CORPUS / name, None, io.StringIO())
    assert (summary.units, summary.published, summary.rejected) == (units, published, sum(reasons.values()))
    assert summary.unresolved.get("BUYER", 0) == unresolved
    assert dict(summary.reasons) == reasons
    assert set(summary.tolerated) == tolerated
    lines = "\n".join(summary.lines())
    if unresolved:
        assert f"{unresolved:>8,}  accepted, buyer unresolved" in lines


def test_the_paraguay_record_keeps_its_240_desktops_and_each_contracts_own_supplier():
    [unit] = OcdsProcurement(PUBLISHER).read(CORPUS / "paraguay-dncp-record-package-277004.json")
    by_contract = {r["contract_id"]: r for r in unit.records}
    # computers are UNSPSC class 4321; 4320 (components), 4410, 4511 and 3210 are left out
    assert {c: len(r["items"]) for c, r in by_contract.items()} == {
        "277004-data-lab-sa-5": 4,
        "277004-marcelo-addario-pavon-4": 1,
        "277004-marcelo-addario-pavon-7": 6,
        "277004-parasur-sa-6": 2,
    }
    scheme = "Registro Único de Contribuyente emitido por el Ministerio de Hacienda del Gobierno de Paraguay"
    assert {c: r["supplier"]["id"] for c, r in by_contract.items()} == {
        "277004-data-lab-sa-5": f"{scheme}-80030218-4",
        "277004-marcelo-addario-pavon-4": f"{scheme}-754010-8",
        "277004-marcelo-addario-pavon-7": f"{scheme}-754010-8",
        "277004-parasur-sa-6": f"{scheme}-80015541-6",
    }
    desktops = by_contract["277004-data-lab-sa-5"]["items"][0]
    assert (desktops["classification"]["scheme"], desktops["classification"]["code"], desktops["quantity"]) == (
        "UNSPSC",
        "43211508",
        240,
    )
    assert desktops["additional_classifications"][0]["code"] == "43211508-001"  # as published, kept
    assert desktops["unit_price"] == {"amount": Decimal("5324200"), "currency": "PYG"}  # not converted
    for record in unit.records:
        assert record["buyer"] == {
            "id": "",
            "name": "Municipalidad de Asunción",
            "level": "UNKNOWN",
            "jurisdiction": "440000",
        }
        assert record["unresolved_parties"] == ["BUYER"]
        assert record["total_value"]["currency"] == "PYG"
