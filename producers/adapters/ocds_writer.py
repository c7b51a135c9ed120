"""ProcurementRelease records → OCDS releases: the inverse of ocds_mapping.py, for `iprx simulate --out`.

A record becomes one release that `iprx produce procurement` maps back to the same record, given the
record's own publisher as the configured publisher id: the award (with its items and supplier) and,
for a contract, the contract that names it; the buyer's level and division in the party's
``details`` (this project's extension, docs/input-formats.md). A record OCDS cannot carry that way
(an event id other than the adapter's, a tag such as OTHER) raises ValueError rather than being
written as something else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, Any

from iprx.kernel.identifiers import is_valid_uscc
from iprx.producers.adapters.ocds import publisher_jurisdiction
from iprx.producers.adapters.values import derived_event_id

Record = dict[str, Any]
# Record tag symbols and the OCDS tag each reads back from (OTHER has none: it stands for several).
TAGS = {t: t.lower() for t in ("PLANNING", "TENDER", "AWARD", "CONTRACT", "IMPLEMENTATION")}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _amount(value: Decimal) -> int | float | str:
    """A JSON number that reads back (as Decimal) to ``value``; a string if no float says it exactly."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else f"{value:f}"


def _money(value: Record | None) -> Record | None:
    return None if value is None else {"amount": _amount(Decimal(value["amount"])), "currency": value["currency"]}


def _party(org: Record, role: str) -> tuple[Record, Record]:
    """(party entry, organisation reference) of an organisation; a credit code as a CN-USCC identifier."""
    code = org["id"]
    party: Record = {"id": code, "name": org["name"], "roles": [role]}
    if is_valid_uscc(code):
        party["id"] = f"CN-USCC-{code}"
        party["identifier"] = {"scheme": "CN-USCC", "id": code, "legalName": org["name"]}
    return party, {"id": party["id"], "name": org["name"]}


def _clean(value: Record) -> Record:
    return {k: v for k, v in value.items() if v is not None}


def _item(item: Record) -> Record:
    c = item["classification"]
    out: Record = {
        "id": item["item_id"],
        "description": item["description"],
        "classification": _clean({"scheme": c["scheme"], "id": c["code"], "description": c["description"]}),
        "quantity": item["quantity"],
    }
    if item["additional_classifications"]:
        out["additionalClassifications"] = [
            _clean({"scheme": a["scheme"], "id": a["code"], "description": a["description"]})
            for a in item["additional_classifications"]
        ]
    unit = _clean({"name": item["unit"] or None, "value": _money(item["unit_price"])})
    if unit:
        out["unit"] = unit
    if (s := item["software"]) is not None:
        out["softwareLicence"] = _clean(
            {
                "vendor": s["vendor"],
                "product": s["product"],
                "edition": s["edition"],
                "metric": s["metric"],
                "termStart": _iso(s["term_start"]) if s["term_start"] else None,
                "termEnd": _iso(s["term_end"]) if s["term_end"] else None,
                "operatingSystem": s["operating_system"],
            }
        )
    if (h := item["hardware"]) is not None:
        out["computer"] = _clean(
            {"osPreloaded": h["os_preloaded"], "category": h["category"], "preloadedOs": h["preloaded_os"]}
        )
    return out


def _check(record: Record) -> None:
    """Raise ValueError if the adapter would not map ``release(record)`` back to ``record``."""
    header, kind = record["header"], record["header"]["event_type"].removeprefix("procurement.")
    section = record["contract_id"] if kind == "contract" else record["award_id"]
    natural = f"{record['ocid']}|{record['release_id']}|{kind}|{section}"
    problems = []
    if str(header["event_id"]) != derived_event_id(header["publisher"], "procurement", natural):
        problems.append("its event id is not the one the OCDS adapter derives")
    if header["jurisdiction"] != record["buyer"]["jurisdiction"] or publisher_jurisdiction(header["publisher"]) is None:
        problems.append("its jurisdiction is not its buyer's, or its publisher id names no jurisdiction")
    if header["correlation_id"] != record["ocid"] or header["causation_id"] is not None:
        problems.append("its correlation id is not its ocid, or it has a causation id")
    if any(t not in TAGS for t in record["tags"]) or kind.upper() not in record["tags"]:
        problems.append(f"tags {record['tags']} are not OCDS tags reporting a {kind}")
    if kind == "contract" and header["occurred_at"] != (record["date_signed"] or record["released_at"]):
        problems.append("a contract occurs when signed (or released, unsigned)")
    supplier = record["supplier"]
    if supplier and (
        supplier["natural_person"] or supplier["country"] != ("CN" if is_valid_uscc(supplier["id"]) else None)
    ):
        problems.append("its supplier is a natural person, or its country is not CN for a credit code (else null)")
    if problems:
        raise ValueError(f"procurement event {header['event_id']}: not expressible in OCDS: {'; '.join(problems)}")


def release(record: Record) -> Record:
    """The OCDS release of one ProcurementRelease record (ValueError if OCDS cannot carry it exactly)."""
    _check(record)
    header, kind = record["header"], record["header"]["event_type"].removeprefix("procurement.")
    buyer = record["buyer"]
    buyer_party, buyer_ref = _party(buyer, "buyer")
    buyer_party["details"] = {"level": buyer["level"], "division": buyer["jurisdiction"]}
    award: Record = {"id": record["award_id"], "status": "active"}
    if kind == "award":
        award["date"] = _iso(header["occurred_at"])
    parties = [buyer_party]
    if record["supplier"]:
        supplier_party, supplier_ref = _party(record["supplier"], "supplier")
        parties.append(supplier_party)
        award["suppliers"] = [supplier_ref]
    # The award carries the items; a contract lists none, so it has its award's (as OCDS intends).
    award["items"] = [_item(i) for i in record["items"]]
    out: Record = {
        "ocid": record["ocid"],
        "id": record["release_id"],
        "date": _iso(record["released_at"]),
        "tag": [TAGS[t] for t in record["tags"]],
        "initiationType": "tender",
        "parties": parties,
        "buyer": buyer_ref,
        "awards": [award],
    }
    if kind == "contract":
        contract = {"id": record["contract_id"], "awardID": record["award_id"], "status": "active"}
        if record["date_signed"]:
            contract["dateSigned"] = _iso(record["date_signed"])
        out["contracts"] = [_clean({**contract, "value": _money(record["total_value"])})]
    elif record["total_value"]:
        award["value"] = _money(record["total_value"])
    return out


def write_package(
    records: Iterable[Record], handle: IO[str], *, uri: str, published: datetime, publisher_name: str
) -> int:
    """Write an OCDS 1.1 release package of ``records``, one release per line; return the releases written.

    Streamed: one release at a time, so memory does not grow with the package.
    """
    meta = {"uri": uri, "version": "1.1", "publishedDate": _iso(published), "publisher": {"name": publisher_name}}
    handle.write(json.dumps(meta, ensure_ascii=False)[:-1] + ', "releases": [\n')
    n = 0
    for record in records:
        handle.write((",\n" if n else "") + json.dumps(release(record), ensure_ascii=False))
        n += 1
    handle.write("\n]}\n")
    return n
