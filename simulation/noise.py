"""Background noise: a realistic mix of every family that cannot fire any rule.

Why each family stays silent, by construction:

* procurement: computers come with a preloaded OS, or bare with exactly as many OS licences in the
  same award (an earlier purchase never needs a later award's licences, so no allocation order can
  leave one short); nothing else is judged on its own;
* inspections: only of agencies and SOEs that bought licences, finding at most as many copies as
  their perpetual DEVICE/USER licences awarded before the inspection (subscriptions, CORE and SITE
  licences are left out of that bound, so they can only add entitlement); a subject is found
  NONCOMPLIANT at most once;
* cases: every figure below its criminal threshold, and online cases below half of every online one;
* seizures: below 1,000,000 CNY; an exporter is seized at most twice, both times at its home office;
  foreign exporters' ids are never reused;
* partner notices: containers and bills of lading from owner codes and carriers that domestic
  seizures never use (and every number is unique), exporters that domestic seizures never name.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from iprx.simulation.entities import (
    COMPUTERS,
    CUSTOMS_OFFICES,
    DESTINATIONS,
    DOMESTIC_CARRIERS,
    DOMESTIC_CONTAINER_OWNERS,
    GOODS,
    HTS,
    OFFICE,
    OPERATING_SYSTEMS,
    OTHER_ITEMS,
    PARTNER_CARRIERS,
    PARTNER_CONTAINER_OWNERS,
    PARTNER_PORTS,
    PRELOADED_OS,
    REGIONS,
    Organisation,
    Product,
    organisation,
    region_of,
)
from iprx.simulation.ids import ENTERPRISE
from iprx.simulation.records import (
    award,
    case_closed,
    case_decided,
    case_opened,
    case_referred,
    company,
    computer_item,
    finding,
    inspection,
    licence_item,
    metrics,
    notice,
    other_item,
    seizure,
    subscription,
)
from iprx.simulation.scene import NOISE, Scene, ms

# Share of the noise events per family (cases count every case event).
MIX = {"procurement": 0.22, "inspection": 0.10, "case": 0.16, "seizure": 0.42, "cooperation": 0.10}
COUNTED = ("DEVICE", "USER")


def split(total: int, weights: dict[str, float]) -> dict[str, int]:
    """``total`` shared out by ``weights`` (largest remainder), summing exactly to ``total``."""
    raw = {k: total * w / sum(weights.values()) for k, w in weights.items()}
    shares = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: (shares[k] - raw[k], k))[: total - sum(shares.values())]:
        shares[k] += 1
    return shares


@dataclass
class Buyer:
    """A noise buyer and its perpetual counted licences: (awarded at, product, quantity)."""

    org: Organisation
    licences: list[tuple[datetime, Product, int]] = field(default_factory=list)
    found_noncompliant: bool = False

    def entitled_before(self, at: datetime) -> dict[Product, int]:
        bound: dict[Product, int] = {}
        for awarded, product, quantity in self.licences:
            if awarded < at:
                bound[product] = bound.get(product, 0) + quantity
        return bound


def add_noise(scene: Scene, count: int) -> None:
    budget = split(count, MIX)
    buyers = procurement(scene, budget["procurement"])
    inspections(scene, budget["inspection"], buyers)
    cases(scene, budget["case"])
    seizures(scene, budget["seizure"])
    notices(scene, budget["cooperation"])


def _between(scene: Scene, oldest_days: float, newest_days: float) -> datetime:
    return scene.ago(days=scene.rng.uniform(newest_days, oldest_days))


def procurement(scene: Scene, count: int) -> list[Buyer]:
    rng = scene.rng
    buyers: list[Buyer] = []
    for _ in range(count):
        if not buyers or rng.random() < 0.35:
            kind = "SOE" if rng.random() < 0.15 else "AGENCY"
            buyers.append(Buyer(organisation(rng, scene.ids, None, kind)))
        buyer = rng.choice(buyers)
        at = _between(scene, 540, 2)
        items: list[dict[str, Any]] = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            roll = rng.random()
            if roll < 0.45:
                product = rng.choice(OFFICE)
                quantity = rng.choice((1, 5, 10, 20, 50, 100, 200)) if product.metric != "SITE" else 1
                if product.term_years:
                    items.append(subscription(product, quantity, at))
                else:
                    items.append(licence_item(product, quantity))
                    if product.metric in COUNTED:
                        buyer.licences.append((at, product, quantity))
            elif roll < 0.7:
                model = rng.choice(COMPUTERS)
                items.append(computer_item(model, rng.choice((10, 20, 50, 120)), rng.choice(PRELOADED_OS)))
            elif roll < 0.85:
                # bare computers with exactly as many OS licences, in the same award
                quantity = rng.choice((5, 10, 30, 60))
                os_ = rng.choice(OPERATING_SYSTEMS)
                items += [computer_item(rng.choice(COMPUTERS), quantity, None), licence_item(os_, quantity)]
                buyer.licences.append((at, os_, quantity))
            else:
                items.append(other_item(rng.choice(OTHER_ITEMS), rng.choice((1, 2, 10))))
        scene.add("procurement", award(scene, buyer.org, at, items, contract=rng.random() < 0.2), NOISE)
    return buyers


def inspections(scene: Scene, count: int, buyers: list[Buyer]) -> None:
    rng = scene.rng
    # buyers by the time of their first counted licence: those before `at` can be inspected at `at`
    licensed = sorted((min(t for t, _, _ in b.licences), n) for n, b in enumerate(buyers) if b.licences)
    firsts = [t for t, _ in licensed]
    for _ in range(count):
        at = _between(scene, 365, 1)
        eligible = bisect_left(firsts, at)
        if not eligible:
            # nobody to inspect yet: an agency that bought nothing is found with nothing installed
            org = organisation(rng, scene.ids)
            record = inspection(scene, org.subject, region_of(org.jurisdiction), at, [], "COMPLIANT")
            scene.add("inspection", record, NOISE)
            continue
        buyer = buyers[licensed[rng.randrange(eligible)][1]]
        bound = buyer.entitled_before(at)
        products = sorted(bound, key=lambda p: (p.vendor, p.product, p.code))
        found = []
        for product in rng.sample(products, k=min(len(products), rng.randint(1, 3))):
            installed = rng.randint(max(1, bound[product] // 2), bound[product])
            found.append(finding(product, installed, installed if rng.random() < 0.7 else rng.randint(0, installed)))
        compliant = all(f["installed_copies"] == f["licensed_copies"] for f in found)
        outcome = "COMPLIANT" if compliant else "RECTIFICATION_ORDERED"
        if not compliant and not buyer.found_noncompliant and rng.random() < 0.3:
            outcome, buyer.found_noncompliant = "NONCOMPLIANT", True
        org = buyer.org
        scene.add("inspection", inspection(scene, org.subject, region_of(org.jurisdiction), at, found, outcome), NOISE)


def _figures(scene: Scene, online: bool) -> dict[str, Any]:
    """Case figures under every criminal threshold (online: under half of every online one)."""
    rng = scene.rng
    if online:
        volume = rng.randrange(0, 2_499_999)  # cents, < 25,000 CNY
        return metrics(
            f"{volume / 100:.2f}",
            f"{volume * rng.uniform(0.1, 0.6) / 100:.2f}",
            0,
            rng.randrange(1, 250),
            rng.randrange(100, 25_000),
            rng.randrange(0, 500),
            True,
        )
    volume = rng.randrange(50_000, 4_999_999)  # cents, < 50,000 CNY
    gains = min(volume * rng.uniform(0.2, 0.7), 2_999_999)
    return metrics(f"{volume / 100:.2f}", f"{gains / 100:.2f}", rng.randrange(5, 500))


def cases(scene: Scene, count: int) -> None:
    """Case lifecycles (opened, maybe referred and decided, closed) until ``count`` events."""
    rng = scene.rng
    left = count
    while left > 0:
        region = rng.choice(REGIONS)
        online = rng.random() < 0.3
        if rng.random() < 0.15:
            subject = {
                "subject_type": "INDIVIDUAL",
                "id": None,
                "name": "Individual vendor",
                "jurisdiction": region.district,
                "level": None,
            }
        else:
            trade = "Network Technology" if online else "Electronics"
            subject = {
                "subject_type": "ENTERPRISE",
                "id": scene.ids.uscc(ENTERPRISE, region.city),
                "name": f"{region.city_name} {trade} Co., Ltd.",
                "jurisdiction": region.city,
                "level": None,
            }
        case_id = scene.ids.number(f"{region.province[:2]}-BQ-", 8)
        opened_at = _between(scene, 365, 1)
        figures = _figures(scene, online)
        events = [case_opened(scene, case_id, region, opened_at, subject, figures)]
        later = ms(opened_at + timedelta(days=rng.uniform(2, 60)))
        if rng.random() < 0.15:  # referred on suspicion, declined by the police
            referred = ms(opened_at + timedelta(hours=rng.uniform(6, 70)))
            events.append(case_referred(scene, case_id, region, referred, figures))
            events.append(
                case_decided(scene, case_id, region, ms(referred + timedelta(days=rng.uniform(3, 15))), False)
            )
            later = max(later, referred + timedelta(days=20))
        if rng.random() < 0.7:
            events.append(case_closed(scene, case_id, region, later, "PENALISED", f"{rng.randrange(5, 200) * 1000}"))
        for record in [e for e in events if e["header"]["occurred_at"] <= scene.anchor][:left]:
            scene.add("case", record, NOISE)
            left -= 1


def seizures(scene: Scene, count: int) -> None:
    rng = scene.rng
    seized_once: list[tuple[dict[str, Any], tuple[str, str, str, str]]] = []  # (exporter, home office)
    for _ in range(count):
        at = _between(scene, 180, 1 / 24)
        direction = rng.choices(("EXPORT", "IMPORT", "TRANSIT"), weights=(80, 15, 5))[0]
        consignee = None
        if direction != "EXPORT":
            office = rng.choice(CUSTOMS_OFFICES)
            country = rng.choice(("VN", "MY", "TH", "HK", "AE"))
            exporter = company(scene.ids.foreign_id(country), f"{country} General Trading Ltd.", country)
            if direction == "IMPORT":
                consignee = company(scene.ids.uscc(ENTERPRISE, office[2]), "Import and Export Co., Ltd.", "CN")
        elif rng.random() < 0.05:
            office = rng.choice(CUSTOMS_OFFICES)
            exporter = company(None, "Individual exporter", "CN", natural_person=True)
        elif seized_once and rng.random() < 0.25:
            exporter, office = seized_once.pop(rng.randrange(len(seized_once)))  # a second time, same office
        else:
            office = rng.choice(CUSTOMS_OFFICES)
            exporter = company(
                scene.ids.uscc(ENTERPRISE, office[2]), f"Exporter {scene.ids.serial()} Trading Co., Ltd.", "CN"
            )
            seized_once.append((exporter, office))
        if consignee is None:
            natural = rng.random() < 0.1
            consignee = company(
                None, "Consignee" if not natural else "Private buyer", rng.choice(DESTINATIONS), natural
            )
        by_sea = office[3] == "SEA" and rng.random() < 0.85
        value = f"{10 ** rng.uniform(3.7, 5.95):.2f}"  # < 891,251 CNY: never significant
        record = seizure(
            scene,
            at,
            office,
            rng.choice(GOODS),
            value,
            exporter,
            scene.ids.container(DOMESTIC_CONTAINER_OWNERS) if by_sea else None,
            scene.ids.bill_of_lading(DOMESTIC_CARRIERS),
            direction=direction,
            consignee=consignee,
            destination=rng.choice(DESTINATIONS),
        )
        scene.add("seizure", record, NOISE)


def notices(scene: Scene, count: int) -> None:
    rng = scene.rng
    partner_exporters = [
        company(scene.ids.uscc(ENTERPRISE, rng.choice(REGIONS).city), f"Overseas Supplier {n} Co., Ltd.", "CN")
        for n in range(max(3, count // 4))
    ]
    for _ in range(count):
        at = _between(scene, 120, 1 / 24)
        kind = rng.choices(("SEIZURE_NOTICE", "INFORMATION_REQUEST", "CASE_UPDATE"), weights=(75, 15, 10))[0]
        handling = rng.choice(("AMBER", "AMBER", "GREEN", "RED"))
        if kind == "CASE_UPDATE" or (kind == "INFORMATION_REQUEST" and rng.random() < 0.5):
            scene.add("cooperation", notice(scene, at, kind=kind, handling=handling), NOISE)
            continue
        hs, goods, _, _ = rng.choice(GOODS)
        if rng.random() < 0.7:
            exporter = rng.choice(partner_exporters)
        else:
            country = rng.choice(("VN", "MY", "TH"))
            exporter = company(scene.ids.foreign_id(country), f"{country} Export Ltd.", country)
        by_sea = rng.random() < 0.7
        record = notice(
            scene,
            at,
            kind=kind,
            handling=handling,
            hs_code=HTS[hs],
            goods=goods,
            container_no=scene.ids.container(PARTNER_CONTAINER_OWNERS) if by_sea else None,
            bill_of_lading=scene.ids.bill_of_lading(PARTNER_CARRIERS),
            exporter=exporter,
            port=rng.choice(PARTNER_PORTS),
        )
        scene.add("cooperation", record, NOISE)
