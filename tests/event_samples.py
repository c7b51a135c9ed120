"""Valid JSON Lines events of every inspection, case and partner-notice type, in the documented shape."""

from __future__ import annotations

import copy
import json
from typing import Any

AGENCY_USCC = "11110000MB12345624"  # a Beijing government agency (GB 32100 check character valid)
ENTERPRISE_USCC = "914403001922038216"  # a Shenzhen enterprise

SAMPLES: dict[str, dict[str, Any]] = {
    "inspection.completed": {
        "header": {"event_type": "inspection.completed", "occurred_at": "2026-03-02T17:00:00+08:00",
                   "jurisdiction": "110000"},
        "inspection_id": "NCAC-INS-2026-0042",
        "inspector": {"name": "National Copyright Administration", "country": "CN"},
        "inspector_kind": "COPYRIGHT_BUREAU",
        "subject": {"subject_type": "AGENCY", "id": AGENCY_USCC, "name": "Example Municipal Bureau",
                    "jurisdiction": "110000", "level": "MUNICIPAL"},
        "inspected_at": "2026-03-02T17:00:00+08:00",
        "devices_inspected": 120,
        "findings": [
            {"vendor": "Microsoft", "product": "Office", "edition": "Professional Plus 2021",
             "installed_copies": 118, "licensed_copies": 80},
            {"vendor": "Kingsoft", "product": "WPS Office", "installed_copies": 40, "licensed_copies": 40},
        ],
        "outcome": "RECTIFICATION_ORDERED",
        "rectification_due": "2026-06-30T00:00:00+08:00",
    },
    "case.opened": {
        "header": {"event_type": "case.opened", "occurred_at": "2026-03-05T09:00:00+08:00",
                   "jurisdiction": "440300", "correlation_id": "SZ-COPY-2026-017"},
        "case_id": "SZ-COPY-2026-017",
        "authority": {"name": "Shenzhen Municipal Copyright Administration"},
        "subject": {"subject_type": "ENTERPRISE", "id": ENTERPRISE_USCC, "name": "Example Trading Co., Ltd.",
                    "jurisdiction": "440300"},
        "opened_at": "2026-03-05T09:00:00+08:00",
        "metrics": {"illegal_business_volume_cny": "61000.00", "illegal_gains_cny": "18500.50",
                    "infringing_copies": 640},
        "summary": "Sold pirated design software on USB drives",
    },
    "case.referred": {
        "header": {"event_type": "case.referred", "occurred_at": "2026-03-06T15:30:00+08:00",
                   "jurisdiction": "440300", "correlation_id": "SZ-COPY-2026-017"},
        "case_id": "SZ-COPY-2026-017",
        "referred_at": "2026-03-06T15:30:00+08:00",
        "referred_to": {"name": "Shenzhen Public Security Bureau"},
        "metrics": {"illegal_business_volume_cny": "61000.00", "illegal_gains_cny": "18500.50",
                    "infringing_copies": 640},
        "legal_basis": "Criminal Law art. 217; Judicial Interpretation 2004 art. 5",
    },
    "case.accepted": {
        "header": {"event_type": "case.accepted", "occurred_at": "2026-03-09T10:00:00+08:00",
                   "jurisdiction": "440300", "correlation_id": "SZ-COPY-2026-017"},
        "case_id": "SZ-COPY-2026-017",
        "decided_at": "2026-03-09T10:00:00+08:00",
        "decision": "ACCEPTED",
        "police_case_no": "SZGA-2026-0311",
    },
    "case.declined": {
        "header": {"event_type": "case.declined", "occurred_at": "2026-03-10T10:00:00+08:00",
                   "jurisdiction": "310000", "correlation_id": "SH-COPY-2026-003"},
        "case_id": "SH-COPY-2026-003",
        "decided_at": "2026-03-10T10:00:00+08:00",
        "decision": "DECLINED",
        "reason": "Below the criminal threshold",
    },
    "case.closed": {
        "header": {"event_type": "case.closed", "occurred_at": "2026-04-20T16:00:00+08:00",
                   "jurisdiction": "440300", "correlation_id": "SZ-COPY-2026-017"},
        "case_id": "SZ-COPY-2026-017",
        "closed_at": "2026-04-20T16:00:00+08:00",
        "outcome": "PROSECUTED",
        "fine_cny": "50000",
        "confiscated_copies": 640,
    },
    "cooperation.notice_received": {
        "header": {"event_type": "cooperation.notice_received", "occurred_at": "2026-03-03T14:05:00Z",
                   "jurisdiction": "GACC"},
        "partner_agency": "US/GOV/CBP/ipr",
        "notice_id": "CBP-IPR-2026-000311",
        "kind": "SEIZURE_NOTICE",
        "handling": "AMBER",
        "sent_at": "2026-03-03T14:00:00Z",
        "seizure": {
            "seizure_id": "LAX-2026-4471",
            "office": "USLAX",
            "seized_at": "2026-02-27T21:10:00-08:00",
            "direction": "IMPORT",
            "transport_mode": "SEA",
            "bill_of_lading": "COSU6123456780",
            "container_no": "MSCU1234567",
            "hs_code": "852349",
            "goods_description": "optical discs with unlicensed office software",
            "ipr_type": "COPYRIGHT",
            "right_holder": "Microsoft Corporation",
            "quantity": 12000,
            "unit": "PCS",
            "estimated_value": {"amount": "254000.00", "currency": "USD"},
            "exporter": {"id": ENTERPRISE_USCC, "name": "Example Trading Co., Ltd.", "country": "CN"},
            "origin_country": "CN",
            "destination_country": "US",
            "route": ["CNSZX", "USLAX"],
        },
        "text": "Seized on arrival; exporter matches earlier notices.",
    },
}  # fmt: skip


def sample(event_type: str, **changes: Any) -> dict[str, Any]:
    """A copy of the sample of ``event_type``; ``changes`` set (``...``: delete) paths like ``header__jurisdiction``."""
    obj = copy.deepcopy(SAMPLES[event_type])
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = obj
        for p in parents:
            target = target[int(p)] if isinstance(target, list) else target[p]
        if value is ...:
            del target[leaf]
        else:
            target[leaf] = value
    return obj


def line(event_type: str, **changes: Any) -> str:
    return json.dumps(sample(event_type, **changes), ensure_ascii=False)
