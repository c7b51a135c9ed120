"""Seeded synthetic events: the same seed always gives the same records (except published_at)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from iprx.kernel.identifiers import org_code_check_char, uscc_check_char

# (customs office code, name, jurisdiction of its city, main transport mode)
CUSTOMS_OFFICES = (
    ("5300", "Shenzhen Customs", "440300", "SEA"),
    ("2200", "Shanghai Customs", "310000", "SEA"),
    ("5100", "Guangzhou Customs", "440100", "SEA"),
    ("3100", "Ningbo Customs", "330200", "SEA"),
    ("4200", "Qingdao Customs", "370200", "SEA"),
    ("0200", "Tianjin Customs", "120000", "SEA"),
    ("3700", "Xiamen Customs", "350200", "SEA"),
    ("0100", "Beijing Customs", "110000", "AIR"),
)
# (HS code, goods, IPR type, brand)
GOODS = (
    ("852349", "optical discs with unlicensed office software", "COPYRIGHT", "Microsoft"),
    ("847130", "laptop computers bearing counterfeit marks", "TRADEMARK", "Lenovo"),
    ("851762", "network switches bearing counterfeit marks", "TRADEMARK", "Cisco"),
    ("950450", "game consoles with pirated firmware", "COPYRIGHT", "Nintendo"),
    ("420221", "handbags bearing counterfeit marks", "TRADEMARK", "Louis Vuitton"),
    ("640299", "sports shoes bearing counterfeit marks", "TRADEMARK", "Nike"),
    ("910211", "wrist watches bearing counterfeit marks", "TRADEMARK", "Rolex"),
    ("852351", "USB drives with pirated design software", "COPYRIGHT", "Autodesk"),
)
DESTINATIONS = ("US", "DE", "NL", "GB", "AE", "BR", "NG", "RU", "MY", "MX")
START = datetime(2026, 1, 1, tzinfo=UTC)
PUBLISHER = "CN/GOV/GACC/seizures"


def _uscc(rng: random.Random, division: str) -> str:
    org8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    first17 = "91" + division + org8 + org_code_check_char(org8)
    return first17 + uscc_check_char(first17)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def seizures(seed: int, count: int, span: timedelta = timedelta(days=180)) -> Iterator[dict[str, Any]]:
    """Yield ``count`` seizure records over ``span`` from 2026-01-01, about a quarter >= 1M CNY."""
    rng = random.Random(seed)
    exporters = [
        {
            "id": _uscc(rng, office[2]),
            "name": f"Exporter {i:03d} Trading Co., Ltd.",
            "country": "CN",
            "natural_person": False,
        }
        for i, office in enumerate(rng.choices(CUSTOMS_OFFICES, k=60))
    ]
    mean_gap = span.total_seconds() / max(count, 1)
    at = START
    for n in range(count):
        at += timedelta(seconds=rng.expovariate(1 / mean_gap))
        office, _, jurisdiction, mode = rng.choice(CUSTOMS_OFFICES)
        hs, goods, ipr, brand = rng.choice(GOODS)
        quantity = rng.randint(10, 20_000)
        # Log-uniform between 5,000 and 5,000,000 CNY: most seizures are small, some are significant.
        value = Decimal(str(round(10 ** rng.uniform(3.7, 6.7), 2))).quantize(Decimal("0.01"))
        seized_at = at.replace(microsecond=at.microsecond // 1000 * 1000)
        yield {
            "header": {
                "event_id": _uuid(rng),
                "event_type": "seizure.recorded",
                "occurred_at": seized_at,
                "published_at": None,
                "publisher": PUBLISHER,
                "jurisdiction": jurisdiction,
                "causation_id": None,
                "correlation_id": None,
            },
            "seizure_id": f"{office}-{seized_at:%Y}-{n + 1:07d}",
            "customs_office_code": office,
            "seized_at": seized_at,
            "direction": rng.choices(("EXPORT", "IMPORT", "TRANSIT"), weights=(80, 15, 5))[0],
            "transport_mode": mode if rng.random() < 0.8 else rng.choice(("AIR", "EXPRESS", "POSTAL", "ROAD")),
            "declaration_no": f"{office}{seized_at:%Y}{rng.randrange(10**9, 10**10)}",
            "bill_of_lading": f"BL{rng.randrange(10**9, 10**10)}",
            "container_no": f"{rng.choice(('MSCU', 'COSU', 'MAEU', 'OOLU'))}{rng.randrange(10**6, 10**7)}",
            "hs_code": hs,
            "goods_description": goods,
            "ipr_type": ipr,
            "right_holder": f"{brand} (rights holder)",
            "brand": brand,
            "quantity": quantity,
            "unit": "PCS",
            "estimated_value_cny": value,
            "exporter": rng.choice(exporters),
            "consignee": {
                "id": None,
                "name": f"Consignee {rng.randrange(1000):03d}",
                "country": rng.choice(DESTINATIONS),
                "natural_person": rng.random() < 0.1,
            },
            "declarant": None,
            "origin_country": "CN",
            "destination_country": rng.choice(DESTINATIONS),
            "route": [],
            "concealment": rng.choice((None, None, "mixed with genuine goods", "false declaration")),
            "disposition": "DETAINED",
        }
