"""Builders of publishable records (the Avro contracts of schemas/avro, minus published_at).

Each builder takes the :class:`Scene` for ids and returns a plain dict that ``Publisher.publish``
accepts for its family; ``published_at`` is left to the publisher, so records do not depend on when
they are generated.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from iprx.producers.adapters.ocds_classification import classify
from iprx.producers.adapters.values import derived_event_id
from iprx.simulation.entities import (
    GATEWAY,
    PARTNER,
    SEIZURE_PUBLISHER,
    Organisation,
    Product,
    Region,
    copyright_bureau,
    police,
)
from iprx.simulation.scene import Scene

Record = dict[str, Any]


def header(
    scene: Scene,
    event_type: str,
    at: datetime,
    publisher: str,
    jurisdiction: str,
    correlation_id: str | None = None,
    event_id: str | None = None,
) -> Record:
    return {
        "event_id": event_id or scene.ids.event_id(),
        "event_type": event_type,
        "occurred_at": at,
        "published_at": None,
        "publisher": publisher,
        "jurisdiction": jurisdiction,
        "causation_id": None,
        "correlation_id": correlation_id,
    }


# --- procurement -------------------------------------------------------------------------------


def award(scene: Scene, buyer: Organisation, at: datetime, items: list[Record], contract: bool = False) -> Record:
    """An OCDS award (or contract) release of ``buyer`` at event time ``at``, as the OCDS adapter maps it.

    The event id is the one `iprx produce procurement` derives from the release (ocid, release id,
    award or contract id), so the simulation's files publish the very events it publishes directly;
    items the adapter leaves out (neither software nor computer) are left out here too.
    """
    process = scene.ids.number("", 10)
    ocid = f"ocds-cn{buyer.province[:2]}gp-{process}"
    kind = "contract" if contract else "award"
    release_id = f"{ocid}-{kind}-01"
    award_id = f"{ocid}-award-1"
    contract_id = f"{ocid}-contract-1" if contract else None
    event_id = derived_event_id(buyer.publisher, "procurement", f"{ocid}|{release_id}|{kind}|{contract_id or award_id}")
    total = sum(Decimal(i["unit_price"]["amount"]) * i["quantity"] for i in items if i.get("unit_price"))
    kept = [i for i in items if classify(_ocds_classification(i["classification"])).kind is not None]
    return {
        "header": header(
            scene, f"procurement.{kind}", at, buyer.publisher, buyer.jurisdiction, ocid, event_id=event_id
        ),
        "ocid": ocid,
        "release_id": release_id,
        "tags": [kind.upper()],
        "released_at": at,
        "buyer": buyer.buyer,
        "supplier": None,
        "award_id": award_id,
        "contract_id": contract_id,
        "date_signed": at if contract else None,
        "total_value": {"amount": total.quantize(Decimal("0.01")), "currency": "CNY"} if total else None,
        "items": [{**item, "item_id": str(n)} for n, item in enumerate(kept, 1)],
        "unresolved_parties": [],  # simulated buyers always have a credit code
    }


def _ocds_classification(classification: Record) -> Record:
    return {"scheme": classification["scheme"], "id": classification["code"]}


def licence_item(
    product: Product,
    quantity: int,
    starts: datetime | None = None,
    ends: datetime | None = None,
    *,
    scheme: str | None = None,
    code: str | None = None,
    operating_system: bool | None = None,
    metric: str | None = None,
) -> Record:
    """A software line; ``scheme``/``code``/``operating_system``/``metric`` override the product's own."""
    return {
        "item_id": "",
        "description": " ".join(p for p in (product.vendor, product.product, product.edition) if p) + " licences",
        "classification": {"scheme": scheme or product.scheme, "code": code or product.code, "description": None},
        "additional_classifications": [],
        "quantity": quantity,
        "unit": "licence",
        "unit_price": {"amount": Decimal(product.unit_price), "currency": "CNY"},
        "software": {
            "vendor": product.vendor,
            "product": product.product,
            "edition": product.edition,
            "metric": metric or product.metric,
            "term_start": starts,
            "term_end": ends,
            "operating_system": product.operating_system if operating_system is None else operating_system,
        },
        "hardware": None,
    }


def subscription(product: Product, quantity: int, starts: datetime) -> Record:
    return licence_item(product, quantity, starts, starts + timedelta(days=365 * product.term_years))


def computer_item(model: tuple[str, str, str, str], quantity: int, preloaded_os: str | None) -> Record:
    """Computers; ``preloaded_os`` None means bought without a licensed operating system."""
    category, scheme, code, description = model
    return {
        "item_id": "",
        "description": description,
        "classification": {"scheme": scheme, "code": code, "description": None},
        "additional_classifications": [],
        "quantity": quantity,
        "unit": "set",
        "unit_price": {"amount": Decimal("5600.00"), "currency": "CNY"},
        "software": None,
        "hardware": {"category": category, "os_preloaded": preloaded_os is not None, "preloaded_os": preloaded_os},
    }


def other_item(item: tuple[str, str, str, str], quantity: int) -> Record:
    scheme, code, description, unit = item
    return {
        "item_id": "",
        "description": description,
        "classification": {"scheme": scheme, "code": code, "description": None},
        "additional_classifications": [],
        "quantity": quantity,
        "unit": unit,
        "unit_price": None,
        "software": None,
        "hardware": None,
    }


# --- inspections and cases ---------------------------------------------------------------------


def finding(product: Product, installed: int, licensed: int) -> Record:
    return {
        "vendor": product.vendor,
        "product": product.product,
        "edition": product.edition,
        "operating_system": product.operating_system,
        "installed_copies": installed,
        "licensed_copies": licensed,
    }


def inspection(
    scene: Scene, subject: Record, region: Region, at: datetime, findings: list[Record], outcome: str
) -> Record:
    """A licensing inspection by the province's copyright bureau (or an auditor it commissioned)."""
    auditor = scene.rng.random() < 0.3
    inspector = (
        {
            "id": None,
            "name": f"{region.city_name} Software Asset Audit Co., Ltd.",
            "country": "CN",
            "natural_person": False,
        }
        if auditor
        else copyright_bureau(region)
    )
    return {
        "header": header(
            scene, "inspection.completed", at, f"CN/PROV/{region.province}/copyright", subject["jurisdiction"]
        ),
        "inspection_id": scene.ids.number(f"INSP-{region.province[:2]}-", 8),
        "inspector": inspector,
        "inspector_kind": "THIRD_PARTY_AUDITOR" if auditor else "COPYRIGHT_BUREAU",
        "subject": subject,
        "inspected_at": at,
        "devices_inspected": max(sum(f["installed_copies"] for f in findings), scene.rng.randint(5, 60)),
        "findings": findings,
        "outcome": outcome,
        "rectification_due": at + timedelta(days=60) if outcome == "RECTIFICATION_ORDERED" else None,
    }


def metrics(
    volume: str = "0",
    gains: str = "0",
    copies: int = 0,
    works: int = 0,
    clicks: int = 0,
    members: int = 0,
    online: bool = False,
) -> Record:
    """Case figures (CaseMetrics); amounts in CNY as strings so no float rounding creeps in."""
    return {
        "illegal_business_volume_cny": Decimal(volume).quantize(Decimal("0.01")),
        "illegal_gains_cny": Decimal(gains).quantize(Decimal("0.01")),
        "infringing_copies": copies,
        "works": works,
        "online_clicks": clicks,
        "registered_members": members,
        "online": online,
    }


def case_publisher(region: Region) -> str:
    return f"CN/PROV/{region.province}/copyright"


def case_opened(scene: Scene, case_id: str, region: Region, at: datetime, subject: Record, figures: Record) -> Record:
    return {
        "header": header(scene, "case.opened", at, case_publisher(region), subject["jurisdiction"], case_id),
        "case_id": case_id,
        "authority": copyright_bureau(region),
        "subject": subject,
        "opened_at": at,
        "inspection_id": None,
        "metrics": figures,
        "summary": "distribution of unlicensed copies of software"
        + (" over an information network" if figures["online"] else ""),
    }


def case_referred(scene: Scene, case_id: str, region: Region, at: datetime, figures: Record) -> Record:
    return {
        "header": header(scene, "case.referred", at, case_publisher(region), region.province, case_id),
        "case_id": case_id,
        "referred_at": at,
        "referred_to": police(region),
        "metrics": figures,
        "legal_basis": "Criminal Law Art. 217",
    }


def case_decided(scene: Scene, case_id: str, region: Region, at: datetime, accepted: bool) -> Record:
    event_type = "case.accepted" if accepted else "case.declined"
    return {
        "header": header(scene, event_type, at, case_publisher(region), region.province, case_id),
        "case_id": case_id,
        "decided_at": at,
        "decision": "ACCEPTED" if accepted else "DECLINED",
        "police_case_no": scene.ids.number(f"{region.city}-XZ-", 7) if accepted else None,
        "reason": None if accepted else "amounts below the prosecution threshold",
    }


def case_closed(
    scene: Scene, case_id: str, region: Region, at: datetime, outcome: str, fine: str | None = None
) -> Record:
    return {
        "header": header(scene, "case.closed", at, case_publisher(region), region.province, case_id),
        "case_id": case_id,
        "closed_at": at,
        "outcome": outcome,
        "fine_cny": Decimal(fine).quantize(Decimal("0.01")) if fine else None,
        "confiscated_copies": 0,
        "final_metrics": None,
    }


# --- seizures and partner notices --------------------------------------------------------------


def company(id_: str | None, name: str, country: str, natural_person: bool = False) -> Record:
    return {"id": id_, "name": name, "country": country, "natural_person": natural_person}


def seizure(
    scene: Scene,
    at: datetime,
    office: tuple[str, str, str, str],
    goods: tuple[str, str, str, str],
    value: str,
    exporter: Record | None,
    container_no: str | None,
    bill_of_lading: str | None,
    *,
    direction: str = "EXPORT",
    consignee: Record | None = None,
    destination: str = "US",
) -> Record:
    """A customs seizure (SeizureRecorded) at ``office`` (a iprx.simulation.synthetic.CUSTOMS_OFFICES row)."""
    code, _, jurisdiction, mode = office
    hs, description, ipr, brand = goods
    return {
        "header": header(scene, "seizure.recorded", at, SEIZURE_PUBLISHER, jurisdiction),
        "seizure_id": f"{code}-{at:%Y}-{scene.ids.serial():07d}",
        "customs_office_code": code,
        "seized_at": at,
        "direction": direction,
        "transport_mode": mode if container_no else scene.rng.choice(("AIR", "EXPRESS", "POSTAL")),
        "declaration_no": f"{code}{at:%Y}{scene.rng.randrange(10**9, 10**10)}",
        "bill_of_lading": bill_of_lading,
        "container_no": container_no,
        "hs_code": hs,
        "goods_description": description,
        "ipr_type": ipr,
        "right_holder": f"{brand} (rights holder)",
        "brand": brand,
        "quantity": scene.rng.randint(10, 20_000),
        "unit": "PCS",
        "estimated_value_cny": Decimal(value).quantize(Decimal("0.01")),
        "exporter": exporter,
        "consignee": consignee,
        "declarant": None,
        "origin_country": "CN" if direction == "EXPORT" else (exporter or {}).get("country"),
        "destination_country": destination if direction != "IMPORT" else "CN",
        "route": [],
        "concealment": scene.rng.choice((None, None, "mixed with genuine goods", "false declaration")),
        "disposition": "DETAINED",
        "recordation_no": None,
    }


def notice(
    scene: Scene,
    at: datetime,
    *,
    kind: str = "SEIZURE_NOTICE",
    handling: str = "AMBER",
    hs_code: str | None = None,
    goods: str = "",
    container_no: str | None = None,
    bill_of_lading: str | None = None,
    exporter: Record | None = None,
    port: str = "LAX",
) -> Record:
    """An inbound notice from the partner customs administration; without ``hs_code`` it shares no seizure."""
    notice_id = scene.ids.number("CBP-IPR-", 9)
    shared = None
    if hs_code is not None:
        shared = {
            "seizure_id": scene.ids.number(f"US-{port}-", 8),
            "office": port,
            "seized_at": at,
            "direction": "IMPORT",
            "transport_mode": "SEA" if container_no else "AIR",
            "bill_of_lading": bill_of_lading,
            "container_no": container_no,
            "hs_code": hs_code,
            "goods_description": goods,
            "ipr_type": "TRADEMARK" if scene.rng.random() < 0.6 else "COPYRIGHT",
            "right_holder": None,
            "brand": None,
            "quantity": scene.rng.randint(50, 10_000),
            "unit": "PCS",
            "estimated_value": None,
            "exporter": exporter,
            "consignee": None,
            "origin_country": (exporter or {}).get("country"),
            "destination_country": "US",
            "route": [],
        }
    return {
        "header": header(scene, "cooperation.notice_received", at, GATEWAY, "GACC", notice_id),
        "partner_agency": PARTNER,
        "notice_id": notice_id,
        "kind": kind,
        "handling": handling,
        "sent_at": at,
        "in_reply_to": None,
        "seizure": shared,
        "text": None if shared else "Request for the customs declarations of the named exporter.",
    }


def notice_subject(record: Record) -> str:
    """The subject id crossborder.joint_match gives a notice: partner agency / notice id."""
    return f"{record['partner_agency']}/{record['notice_id']}"
