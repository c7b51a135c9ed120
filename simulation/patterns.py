"""Planted patterns: for every rule of DESIGN.md §4, facts that must fire it and near misses that must not.

Each pattern uses organisations, exporters, containers and cases of its own, so what it must produce
follows from its own facts alone; the expectation is written next to the facts (never computed by
the rules' code). The numbers are the defaults of the rule set (``ASSUMED``, checked against the
rule-set file by :func:`ruleset_mismatches`).

Event times are chosen so the outcome is settled at the anchor and stays the same whenever the
records are published up to ``TOLERANCE`` after it: every deadline and window end lies at least a
grace period before the anchor, and everything a later judgement needs (an OS licence, a seizure
waiting for a partner notice, a referral) is recent enough not to be pruned from the rules' state
before the phase that needs it is published.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from iprx.simulation.entities import (
    COMPUTERS,
    CUSTOMS_OFFICES,
    DOMESTIC_CARRIERS,
    DOMESTIC_CONTAINER_OWNERS,
    GOODS,
    HTS,
    OFFICE,
    OPERATING_SYSTEMS,
    PARTNER_CONTAINER_OWNERS,
    REGIONS,
    Organisation,
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
    notice_subject,
    seizure,
    subscription,
)
from iprx.simulation.scene import Scene

TOLERANCE = timedelta(days=4)
# (rule id, key) -> the rule-set value the patterns are planted for (stream_processors/rulesets/default.toml).
ASSUMED: dict[tuple[str, ...], Any] = {
    ("seizure.significant", "min_value_cny"): "1000000",
    ("licence.shortfall", "high_ratio"): 0.5,
    ("licence.shortfall", "medium_ratio"): 0.2,
    ("licence.shortfall", "counted_metrics"): ["DEVICE", "USER"],
    ("licence.shortfall", "unlimited_metrics"): ["SITE"],
    ("licence.shortfall", "match_edition"): False,
    ("licence.shortfall", "grace_hours"): 24,
    ("hardware.os_not_preloaded", "window_days"): 30,
    ("hardware.os_not_preloaded", "grace_hours"): 24,
    ("hardware.os_not_preloaded", "os_classifications"): ["CPV:48620000", "UNSPSC:432330"],
    ("inspection.repeat_noncompliance", "window_days"): 365,
    ("inspection.repeat_noncompliance", "min_findings"): 2,
    ("inspection.repeat_noncompliance", "outcomes"): ["NONCOMPLIANT"],
    ("inspection.repeat_noncompliance", "grace_hours"): 24,
    ("referral.threshold_met", "print_and_copy", "illegal_gains_cny"): "30000",
    ("referral.threshold_met", "print_and_copy", "business_volume_cny"): "50000",
    ("referral.threshold_met", "print_and_copy", "infringing_copies"): 500,
    ("referral.threshold_met", "online", "business_volume_cny"): "50000",
    ("referral.threshold_met", "online", "works"): 500,
    ("referral.threshold_met", "online", "online_clicks"): 50000,
    ("referral.threshold_met", "online", "registered_members"): 1000,
    ("referral.threshold_met", "online", "half_of_two"): True,
    ("referral.threshold_met", "critical", "illegal_gains_cny"): "150000",
    ("referral.threshold_met", "critical", "business_volume_cny"): "250000",
    ("referral.threshold_met", "critical", "infringing_copies"): 2500,
    ("referral.overdue", "deadline_hours"): 72,
    ("referral.overdue", "retention_days"): 30,
    ("referral.overdue", "grace_hours"): 24,
    ("seizure.repeat_offender", "window_days"): 90,
    ("seizure.repeat_offender", "min_offices"): 2,
    ("seizure.repeat_offender", "min_seizures"): 3,
    ("seizure.repeat_offender", "grace_hours"): 6,
    ("crossborder.joint_match", "window_days"): 30,
    ("crossborder.joint_match", "hs_heading_digits"): 4,
    ("crossborder.joint_match", "grace_hours"): 6,
}
WPS, MS_OFFICE, FOXIT, AUTOCAD, TIANQING, DAMENG, YONYOU = OFFICE
KYLIN, UOS, KYLIN_FLAGGED = OPERATING_SYSTEMS
OFFICES = {o[0]: o for o in CUSTOMS_OFFICES}
GOODS_BY_HS = {g[0]: g for g in GOODS}


def ruleset_mismatches(params_of: Callable[[str], dict[str, Any]]) -> list[str]:
    """Where a rule set differs from what the patterns assume (``params_of``: rule id -> its table)."""
    problems = []
    for (rule_id, *path), want in ASSUMED.items():
        value: Any = params_of(rule_id)
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if str(value) != str(want):
            problems.append(f"{rule_id} {'.'.join(path)} = {value!r} (the planted patterns assume {want!r})")
    return problems


# --- licence.shortfall -------------------------------------------------------------------------


def licence_shortfall(scene: Scene) -> None:
    rule = "licence.shortfall"

    def case(name: str, buyer: Organisation, awards: list[tuple[float, list]], inspected: float, found: list):
        """Awards (days ago, items) in phase 0, then one inspection; return (inspection id, award ids)."""
        pattern = f"{rule}/{name}"
        award_ids = [
            scene.add("procurement", award(scene, buyer, scene.ago(days=d), items), pattern) for d, items in awards
        ]
        outcome = (
            "COMPLIANT"
            if all(f["installed_copies"] == f["licensed_copies"] for f in found)
            else "RECTIFICATION_ORDERED"
        )
        record = inspection(
            scene, buyer.subject, region_of(buyer.jurisdiction), scene.ago(days=inspected), found, outcome
        )
        return scene.add("inspection", record, pattern), award_ids, pattern

    def org(level: str, kind: str = "AGENCY") -> Organisation:
        return organisation(scene.rng, scene.ids, level, kind)

    # Ratio (20 - 10) / 20 = 0.5: exactly the HIGH bound.
    b = org("PROVINCIAL")
    i, (a,), p = case("high-at-bound", b, [(120, [licence_item(WPS, 10)])], 30, [finding(WPS, 20, 10)])
    scene.expect(rule, "AGENCY", b.id, [i, a], "HIGH", p)
    # Ratio (50 - 40) / 50 = 0.2: exactly the MEDIUM bound.
    b = org("COUNTY")
    i, (a,), p = case("medium-at-bound", b, [(150, [licence_item(FOXIT, 40)])], 15, [finding(FOXIT, 50, 40)])
    scene.expect(rule, "AGENCY", b.id, [i, a], "MEDIUM", p)
    # Two awards (DEVICE and USER licences) add up to 70 for 71 copies: LOW; the other product is fine
    # and its award is not cited.
    b = org("MUNICIPAL")
    awards = [
        (200, [licence_item(MS_OFFICE, 40)]),
        (100, [licence_item(MS_OFFICE, 30, metric="USER")]),
        (90, [licence_item(WPS, 5)]),
    ]
    i, (a1, a2, _), p = case("one-short-low", b, awards, 20, [finding(MS_OFFICE, 71, 70), finding(WPS, 5, 5)])
    scene.expect(rule, "AGENCY", b.id, [i, a1, a2], "LOW", p)
    # A one-year subscription that ended 15 days before the inspection entitles to nothing.
    b = org("CENTRAL")
    i, _, p = case(
        "expired-subscription",
        b,
        [(400, [subscription(TIANQING, 60, scene.ago(days=400))])],
        20,
        [finding(TIANQING, 45, 0)],
    )
    scene.expect(rule, "AGENCY", b.id, [i], "HIGH", p)
    # Licences bought after the inspection do not excuse what it found.
    b = org("PROVINCIAL")
    i, _, p = case("bought-after-inspection", b, [(10, [licence_item(WPS, 100)])], 40, [finding(WPS, 30, 0)])
    scene.expect(rule, "AGENCY", b.id, [i], "HIGH", p)
    # CORE licences count processor cores, not installations: they entitle to no copies.
    b = org("CENTRAL", "SOE")
    i, _, p = case("core-licences-not-counted", b, [(300, [licence_item(DAMENG, 64)])], 25, [finding(DAMENG, 4, 0)])
    scene.expect(rule, "SOE", b.id, [i], "HIGH", p)

    # Near misses.
    b = org("MUNICIPAL")
    i, a, p = case("exactly-enough", b, [(100, [licence_item(WPS, 30)])], 10, [finding(WPS, 30, 30)])
    scene.near_miss(rule, p, "30 copies installed, 30 licences", i, *a)
    b = org("PROVINCIAL")
    i, a, p = case("site-licence", b, [(200, [licence_item(YONYOU, 1)])], 12, [finding(YONYOU, 800, 800)])
    scene.near_miss(rule, p, "a SITE licence covers any number of copies", i, *a)
    b = org("COUNTY")
    i, a, p = case(
        "running-subscription",
        b,
        [(100, [subscription(AUTOCAD, 12, scene.ago(days=100))])],
        10,
        [finding(AUTOCAD, 12, 12)],
    )
    scene.near_miss(rule, p, "a subscription still running covers its copies", i, *a)
    b = org("MUNICIPAL")
    spelled = {**finding(WPS, 25, 25), "vendor": "KINGSOFT", "product": "wps  office"}
    i, a, p = case("spelled-differently", b, [(60, [licence_item(WPS, 25)])], 5, [spelled])
    scene.near_miss(rule, p, "products match ignoring case and spacing", i, *a)
    region = scene.rng.choice(REGIONS)
    person = {
        "subject_type": "INDIVIDUAL",
        "id": None,
        "name": "Individual trader",
        "jurisdiction": region.district,
        "level": None,
    }
    p = f"{rule}/individual-without-id"
    i = scene.add(
        "inspection", inspection(scene, person, region, scene.ago(days=3), [finding(WPS, 3, 0)], "NONCOMPLIANT"), p
    )
    scene.near_miss(rule, p, "a subject without a credit code is not judged", i)


# --- hardware.os_not_preloaded ----------------------------------------------------------------


def hardware_os_not_preloaded(scene: Scene) -> None:
    rule = "hardware.os_not_preloaded"

    def buy(pattern: str, buyer: Organisation, days: float, items: list, late: bool = False, seconds: float = 0):
        """An award; ``late``: published after the phase's other awards (computers after their OS licences)."""
        record = award(scene, buyer, scene.ago(days=days, seconds=seconds), items)
        return scene.add("procurement", record, pattern, 0, late)

    def buyer() -> Organisation:
        return organisation(scene.rng, scene.ids)

    desktop, laptop = COMPUTERS[0], COMPUTERS[1]
    # OS licences are published before the computers waiting for them (late).
    p, b = f"{rule}/five-of-twenty", buyer()
    os_ = buy(p, b, 20, [licence_item(KYLIN, 5)])
    pcs = buy(p, b, 45, [computer_item(desktop, 20, None)], late=True)
    scene.expect(rule, "BUYER", b.id, [pcs, os_], "MEDIUM", p)
    p, b = f"{rule}/os-a-second-outside-window", buyer()
    os_ = buy(p, b, 20, [licence_item(UOS, 10)])
    pcs = buy(p, b, 50, [computer_item(laptop, 10, None)], late=True, seconds=1)
    scene.expect(rule, "BUYER", b.id, [pcs], "MEDIUM", p)
    scene.near_miss(rule, p, "OS licences 30 days and 1 second after the computers are not counted", os_)
    p, b = f"{rule}/bundle-short", buyer()
    both = buy(p, b, 40, [computer_item(desktop, 10, None), licence_item(KYLIN_FLAGGED, 4)], late=True)
    scene.expect(rule, "BUYER", b.id, [both], "MEDIUM", p)
    p, b = f"{rule}/generic-software-is-not-an-os", buyer()
    buy(p, b, 22, [licence_item(KYLIN, 10, code="48000000", operating_system=False)])
    pcs = buy(p, b, 40, [computer_item(desktop, 10, None)], late=True)
    scene.expect(rule, "BUYER", b.id, [pcs], "MEDIUM", p)
    # One OS award shared by two purchases: the earlier takes 10, the later gets the remaining 5.
    p, b = f"{rule}/one-award-two-purchases", buyer()
    os_ = buy(p, b, 22, [licence_item(UOS, 15)])
    buy(p, b, 50, [computer_item(laptop, 10, None)], late=True)
    pcs = buy(p, b, 40, [computer_item(laptop, 10, None)], late=True)
    scene.expect(rule, "BUYER", b.id, [pcs, os_], "MEDIUM", p)

    # Near misses.
    p, b = f"{rule}/os-exactly-30-days-after", buyer()
    os_ = buy(p, b, 20, [licence_item(UOS, 30)])
    pcs = buy(p, b, 50, [computer_item(laptop, 30, None)], late=True)
    scene.near_miss(rule, p, "30 OS licences exactly 30 days after 30 computers", pcs, os_)
    p, b = f"{rule}/os-preloaded", buyer()
    pcs = buy(p, b, 45, [computer_item(desktop, 50, "Kylin OS Desktop V10")], late=True)
    scene.near_miss(rule, p, "computers with a preloaded licensed OS", pcs)
    p, b = f"{rule}/bundle-enough", buyer()
    both = buy(p, b, 60, [computer_item(desktop, 10, None), licence_item(UOS, 10)], late=True)
    scene.near_miss(rule, p, "10 computers and 10 OS licences in one award", both)


# --- inspection.repeat_noncompliance ----------------------------------------------------------


def repeat_noncompliance(scene: Scene) -> None:
    rule = "inspection.repeat_noncompliance"

    def subject(pattern: str, kind: str = "AGENCY") -> Organisation:
        """An organisation with enough licences, so no inspection of it is a licence shortfall."""
        org = organisation(scene.rng, scene.ids, None, kind)
        scene.add("procurement", award(scene, org, scene.ago(days=500), [licence_item(MS_OFFICE, 100)]), pattern)
        return org

    def inspected(pattern: str, org: Organisation, days: float, outcome: str, seconds: float = 0) -> str:
        found = [finding(MS_OFFICE, 60, 45 if outcome != "COMPLIANT" else 60)]
        at = scene.ago(days=days, seconds=seconds)
        return scene.add(
            "inspection", inspection(scene, org.subject, region_of(org.jurisdiction), at, found, outcome), pattern
        )

    p = f"{rule}/twice"
    org = subject(p)
    r1, r2 = inspected(p, org, 300, "NONCOMPLIANT"), inspected(p, org, 40, "NONCOMPLIANT")
    scene.expect(rule, "AGENCY", org.id, [r1, r2], "HIGH", p)
    # A third finding within the year signals again, citing all three.
    p = f"{rule}/three-times"
    org = subject(p, "SOE")
    r1, r2, r3 = (inspected(p, org, d, "NONCOMPLIANT") for d in (250, 150, 45))
    scene.expect(rule, "SOE", org.id, [r1, r2], "HIGH", p)
    scene.expect(rule, "SOE", org.id, [r1, r2, r3], "HIGH", p)

    p = f"{rule}/a-year-and-a-second-apart"
    org = subject(p)
    r1, r2 = inspected(p, org, 14 + 365, "NONCOMPLIANT", seconds=1), inspected(p, org, 14, "NONCOMPLIANT")
    scene.near_miss(rule, p, "two NONCOMPLIANT findings 365 days and 1 second apart", r1, r2)
    p = f"{rule}/rectification-is-not-noncompliance"
    org = subject(p)
    r1, r2 = inspected(p, org, 200, "NONCOMPLIANT"), inspected(p, org, 20, "RECTIFICATION_ORDERED")
    scene.near_miss(rule, p, "NONCOMPLIANT once, then RECTIFICATION_ORDERED", r1, r2)


# --- referral.threshold_met and referral.overdue ---------------------------------------------

# name, figures, threshold_met severity (None: must not fire), hours to referral (None: never),
# closed without referral, overdue expected
CASES: tuple[tuple[str, dict[str, Any], str | None, float | None, bool, bool], ...] = (
    ("gains-at-threshold", {"gains": "30000"}, "HIGH", 24, False, False),
    ("gains-just-below", {"gains": "29999.99", "volume": "45000"}, None, None, True, False),
    ("volume-at-threshold-referred-at-deadline", {"volume": "50000"}, "HIGH", 72, False, False),
    ("copies-at-threshold-referred-a-second-late", {"copies": 500}, "HIGH", 72 + 1 / 3600, False, True),
    ("everything-just-below", {"volume": "49999.99", "gains": "29999.99", "copies": 499}, None, None, False, False),
    ("critical-gains-never-referred", {"gains": "150000", "volume": "180000"}, "CRITICAL", None, False, True),
    ("critical-volume-closed-without-referral", {"volume": "250000"}, "CRITICAL", None, True, True),
    ("critical-copies", {"copies": 2500, "volume": "60000"}, "CRITICAL", 48, False, False),
    ("gains-just-below-critical", {"gains": "149999.99"}, "HIGH", 12, False, False),
    ("online-works", {"works": 500, "online": True}, "HIGH", 24, False, False),
    ("online-clicks", {"clicks": 50000, "online": True}, "HIGH", 36, False, False),
    ("online-members", {"members": 1000, "online": True}, "HIGH", 60, False, False),
    ("online-two-at-half-never-referred", {"works": 250, "clicks": 25000, "online": True}, "HIGH", None, False, True),
    (
        "online-volume-and-members-at-half",
        {"volume": "25000", "members": 500, "online": True},
        "HIGH",
        24,
        False,
        False,
    ),
    ("online-one-at-half", {"works": 250, "clicks": 24999, "online": True}, None, None, False, False),
    (
        "online-all-just-below-half",
        {"works": 249, "clicks": 24999, "members": 499, "volume": "24999.99", "online": True},
        None,
        None,
        False,
        False,
    ),
    ("offline-works-do-not-count", {"works": 500}, None, None, True, False),
)


def referrals(scene: Scene) -> None:
    for n, (name, figures, severity, referral_hours, closed, overdue) in enumerate(CASES):
        pattern = f"referral/{name}"
        region = scene.rng.choice(REGIONS)
        online = figures.get("online", False)
        trade = "Network Technology" if online else "Software Trading"
        subject = {
            "subject_type": "ENTERPRISE",
            "id": scene.ids.uscc(ENTERPRISE, region.city),
            "name": f"{region.city_name} {trade} Co., Ltd.",
            "jurisdiction": region.city,
            "level": None,
        }
        case_id = scene.ids.number(f"{region.province[:2]}-BQ-{scene.anchor:%Y}-", 6)
        opened_at = scene.ago(days=6 + n % 15, hours=n)
        figures_ = metrics(**figures)
        opened = scene.add("case", case_opened(scene, case_id, region, opened_at, subject, figures_), pattern)
        # What the deadline waits for is published first (phase 0), so it is known when the deadline is judged.
        if referral_hours is not None:
            at = opened_at + timedelta(hours=referral_hours)
            scene.add("case", case_referred(scene, case_id, region, at, figures_), pattern, phase=0)
            scene.add("case", case_decided(scene, case_id, region, at + timedelta(days=2), True), pattern, phase=0)
        if closed:
            at = opened_at + timedelta(days=4)
            scene.add("case", case_closed(scene, case_id, region, at, "PENALISED", "20000"), pattern, phase=0)
        if severity:
            scene.expect("referral.threshold_met", "CASE", case_id, [opened], severity, pattern)
        else:
            scene.near_miss("referral.threshold_met", pattern, f"figures just short: {figures}", opened)
        if overdue:
            scene.expect("referral.overdue", "CASE", case_id, [opened], "HIGH", pattern)
        elif severity:
            scene.near_miss("referral.overdue", pattern, f"referred {referral_hours} h after opening", opened)


# --- seizures: repeat offenders, significant seizures, partner matches -----------------------


def _exporter(scene: Scene, office: tuple[str, str, str, str], natural_person: bool = False) -> dict[str, Any]:
    if natural_person:
        return company(None, "Individual exporter", "CN", natural_person=True)
    return company(scene.ids.uscc(ENTERPRISE, office[2]), f"{office[1].split()[0]} Export Trading Co., Ltd.", "CN")


def _seize(
    scene: Scene,
    pattern: str,
    days: float,
    office: str,
    exporter: dict[str, Any] | None,
    value: str = "85000",
    hs: str = "852349",
    container: str | None = None,
    seconds: float = 0,
    **extra: Any,
) -> dict[str, Any]:
    record = seizure(
        scene,
        scene.ago(days=days, seconds=seconds),
        OFFICES[office],
        GOODS_BY_HS[hs],
        value,
        exporter,
        container or scene.ids.container(DOMESTIC_CONTAINER_OWNERS),
        scene.ids.bill_of_lading(DOMESTIC_CARRIERS),
        **extra,
    )
    scene.add("seizure", record, pattern)
    return record


def repeat_offender(scene: Scene) -> None:
    rule = "seizure.repeat_offender"

    def ids(*records: dict[str, Any]) -> list[str]:
        return [r["header"]["event_id"] for r in records]

    p = f"{rule}/two-offices"
    ex = _exporter(scene, OFFICES["5300"])
    s1, s2 = _seize(scene, p, 60, "5300", ex), _seize(scene, p, 30, "4200", ex)
    scene.expect(rule, "EXPORTER", ex["id"], ids(s1, s2), "HIGH", p)
    p = f"{rule}/three-seizures-one-office"
    ex = _exporter(scene, OFFICES["2200"])
    s1, s2, s3 = (_seize(scene, p, d, "2200", ex) for d in (80, 50, 20))
    scene.expect(rule, "EXPORTER", ex["id"], ids(s1, s2, s3), "HIGH", p)
    # Each later seizure of a repeat offender signals again, on the window that ends at it.
    p = f"{rule}/again-within-window"
    ex = _exporter(scene, OFFICES["5100"])
    s1, s2, s3 = _seize(scene, p, 70, "5100", ex), _seize(scene, p, 40, "3100", ex), _seize(scene, p, 10, "5100", ex)
    scene.expect(rule, "EXPORTER", ex["id"], ids(s1, s2), "HIGH", p)
    scene.expect(rule, "EXPORTER", ex["id"], ids(s1, s2, s3), "HIGH", p)

    p = f"{rule}/twice-at-one-office"
    ex = _exporter(scene, OFFICES["0200"])
    s1, s2 = _seize(scene, p, 70, "0200", ex), _seize(scene, p, 10, "0200", ex)
    scene.near_miss(rule, p, "two seizures at one office", *ids(s1, s2))
    p = f"{rule}/90-days-and-a-second-apart"
    ex = _exporter(scene, OFFICES["3700"])
    s1, s2 = _seize(scene, p, 95, "3700", ex, seconds=1), _seize(scene, p, 5, "0100", ex)
    scene.near_miss(rule, p, "two offices 90 days and 1 second apart", *ids(s1, s2))
    p = f"{rule}/natural-person-without-id"
    person = _exporter(scene, OFFICES["5300"], natural_person=True)
    s1, s2 = _seize(scene, p, 50, "5300", person), _seize(scene, p, 25, "5100", person)
    scene.near_miss(rule, p, "an exporter without an id is not followed", *ids(s1, s2))


def significant(scene: Scene) -> None:
    rule = "seizure.significant"
    p = f"{rule}/at-threshold"
    s = _seize(scene, p, 33, "5100", _exporter(scene, OFFICES["5100"]), value="1000000", hs="847130")
    scene.expect(rule, "SEIZURE", s["seizure_id"], [s["header"]["event_id"]], "MEDIUM", p)
    p = f"{rule}/a-cent-below"
    s = _seize(scene, p, 31, "0200", _exporter(scene, OFFICES["0200"]), value="999999.99", hs="910211")
    scene.near_miss(rule, p, "999,999.99 CNY", s["header"]["event_id"])


def joint_match(scene: Scene) -> None:
    rule = "crossborder.joint_match"

    def notify(pattern: str, days: float, hs: str | None, seconds: float = 0, **fields: Any) -> dict[str, Any]:
        record = notice(
            scene,
            scene.ago(days=days, seconds=seconds),
            hs_code=hs and HTS[hs],
            goods=(hs and GOODS_BY_HS[hs][1]) or "",
            **fields,
        )
        scene.add("cooperation", record, pattern)
        return record

    def expect(pattern: str, n: dict[str, Any], s: dict[str, Any]) -> None:
        scene.expect(
            rule,
            "PARTNER_NOTICE",
            notice_subject(n),
            [n["header"]["event_id"], s["header"]["event_id"]],
            "HIGH",
            pattern,
        )

    def spelled(container: str) -> str:
        return f"{container[:4].lower()} {container[4:10]}-{container[10:]}"

    # Container (spelled differently) and exporter + HS heading: one pair under two keys, one signal.
    # Worth 1.5 M CNY with a natural person as consignee: also significant (and redacted for partners).
    p = f"{rule}/container-and-exporter"
    ex = _exporter(scene, OFFICES["2200"])
    person = company(None, "Wang Wei", "US", natural_person=True)
    s = _seize(scene, p, 12, "2200", ex, value="1500000", consignee=person)
    n = notify(p, 9, "852349", container_no=spelled(s["container_no"]), exporter=ex)
    expect(p, n, s)
    scene.expect("seizure.significant", "SEIZURE", s["seizure_id"], [s["header"]["event_id"]], "MEDIUM", p)
    p = f"{rule}/bill-of-lading"
    s = _seize(scene, p, 15, "5300", _exporter(scene, OFFICES["5300"]), hs="851762")
    n = notify(
        p,
        3,
        "851762",
        kind="INFORMATION_REQUEST",
        bill_of_lading=s["bill_of_lading"],
        container_no=scene.ids.container(PARTNER_CONTAINER_OWNERS),
    )
    expect(p, n, s)
    p = f"{rule}/exporter-and-hs-heading"
    ex = _exporter(scene, OFFICES["3100"])
    s = _seize(scene, p, 20, "3100", ex, hs="950450")
    n = notify(p, 1, "950450", exporter=ex, handling="GREEN")
    expect(p, n, s)
    p = f"{rule}/notice-exactly-30-days-before"
    s = _seize(scene, p, 12, "4200", _exporter(scene, OFFICES["4200"]), hs="640299")
    n = notify(p, 42, "640299", container_no=s["container_no"])
    expect(p, n, s)
    p = f"{rule}/one-notice-two-seizures"
    ex = _exporter(scene, OFFICES["3700"])
    s1, s2 = _seize(scene, p, 24, "3700", ex, hs="847130"), _seize(scene, p, 14, "3700", ex, hs="847130")
    n = notify(p, 10, "847130", exporter=ex)
    expect(p, n, s1)
    expect(p, n, s2)

    p = f"{rule}/notice-30-days-and-a-second-before"
    s = _seize(scene, p, 10, "5100", _exporter(scene, OFFICES["5100"]), hs="420221")
    n = notify(p, 40, "420221", seconds=1, container_no=s["container_no"])
    scene.near_miss(
        rule, p, "same container, 30 days and 1 second apart", n["header"]["event_id"], s["header"]["event_id"]
    )
    p = f"{rule}/other-hs-heading"
    ex = _exporter(scene, OFFICES["0100"])
    s = _seize(scene, p, 8, "0100", ex, hs="852349")
    n = notify(p, 4, "847130", exporter=ex)
    scene.near_miss(rule, p, "same exporter, HS heading 8471 vs 8523", n["header"]["event_id"], s["header"]["event_id"])


PATTERNS: tuple[Callable[[Scene], None], ...] = (
    licence_shortfall,
    hardware_os_not_preloaded,
    repeat_noncompliance,
    referrals,
    repeat_offender,
    significant,
    joint_match,
)


def plant(scene: Scene) -> None:
    """One copy of every planted pattern."""
    for pattern in PATTERNS:
        pattern(scene)
