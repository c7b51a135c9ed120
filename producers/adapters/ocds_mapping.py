"""One OCDS release → ``iprx.procurement.ProcurementRelease`` records (one per award or contract it reports).

What is mapped from where, and what is a note rather than a reject, is documented in
docs/input-formats.md (section ``procurement``). Paths in errors name the release's own fields,
e.g. ``releases[3].awards[0].value.amount``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from iprx.kernel import codes
from iprx.kernel.checks import CLOCK_SKEW, FieldError
from iprx.kernel.identifiers import is_valid_uscc
from iprx.producers.adapters import ocds_tolerances as tolerance
from iprx.producers.adapters import values
from iprx.producers.adapters.ocds_classification import COMPUTER, SOFTWARE, classify_item

# Identifier schemes under which an organisation id is a unified social credit code (GB 32100).
USCC_SCHEMES = frozenset({"CN-USCC", "USCC"})
# Release tags saying the release reports a contract / an award; "compiled" (a record's compiled
# release) reports the current state of both. Other tags (planning, tender, implementation,
# cancellations) report no purchase.
CONTRACT_TAGS = frozenset({"contract", "contractUpdate", "contractAmendment", "compiled"})
AWARD_TAGS = frozenset({"award", "awardUpdate", "compiled"})
TAG_SYMBOLS = {
    "planning": "PLANNING",
    "planningUpdate": "PLANNING",
    "tender": "TENDER",
    "tenderAmendment": "TENDER",
    "tenderUpdate": "TENDER",
    "tenderCancellation": "TENDER",
    "award": "AWARD",
    "awardUpdate": "AWARD",
    "awardCancellation": "AWARD",
    "contract": "CONTRACT",
    "contractUpdate": "CONTRACT",
    "contractAmendment": "CONTRACT",
    "contractTermination": "CONTRACT",
    "implementation": "IMPLEMENTATION",
    "implementationUpdate": "IMPLEMENTATION",
}
NOT_HAPPENED = frozenset({"cancelled", "unsuccessful"})  # award/contract statuses that bought nothing
LEVELS = ("CENTRAL", "PROVINCIAL", "MUNICIPAL", "COUNTY", "UNKNOWN")
METRICS = ("DEVICE", "USER", "CORE", "SITE", "OTHER")
HARDWARE_CATEGORIES = ("DESKTOP", "LAPTOP", "SERVER", "WORKSTATION", "TABLET", "OTHER")
_CURRENCY = re.compile(r"[A-Z]{3}")
_NAMED_BY = ("id", "name", "identifier")  # a buyer reference with any of these names a buyer


@dataclass
class Mapped:
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)  # ocds_tolerances kinds applied, each once
    unresolved: list[str] = field(default_factory=list)  # roles published unresolved ("BUYER")


def _path(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _text(value: Any) -> str | None:
    """A non-empty string, or an id published as a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal | str):
        text = str(value).strip()
        return text or None
    return None


class _Release:
    """Maps one release; collects errors and notes as it goes."""

    def __init__(self, release: dict[str, Any], where: str, publisher: str, jurisdiction: str | None) -> None:
        self.release = release
        self.where = where
        self.publisher = publisher
        self.jurisdiction = jurisdiction
        self.out = Mapped()
        self.now = datetime.now(UTC)
        self.label = "?"
        self.context: dict[str, Any] = {}
        self.tolerances: dict[str, list[str]] = {}  # kind -> where it was applied, for one note per kind
        self.currencies: set[str] = set()

    def tolerate(self, kind: str, where: str) -> None:
        self.tolerances.setdefault(kind, []).append(where)

    def _report_tolerances(self) -> None:
        """One note per kind of tolerance applied, naming where (the first few places)."""
        if self.currencies - {tolerance.HOME_CURRENCY}:
            self.tolerate(tolerance.FOREIGN_CURRENCY, ", ".join(sorted(self.currencies - {tolerance.HOME_CURRENCY})))
        for kind, places in self.tolerances.items():
            shown = ", ".join(places[:3]) + (f" and {len(places) - 3} more" if len(places) > 3 else "")
            self.note(f"tolerated: {kind}: {shown}")
            self.out.tolerated.append(kind)

    def as_list(self, value: Any, path: str) -> list[Any] | None:
        """An OCDS array; a single object in its place is read as an array of one (a tolerance)."""
        if isinstance(value, dict):
            self.tolerate(tolerance.SINGULAR, path)
            return [value]
        return value if isinstance(value, list) else None

    def error(self, path: str, reason: str) -> None:
        self.out.errors.append(FieldError(path, reason))

    def optional_object(self, value: Any, path: str, expected: str = "expected an object") -> dict[str, Any] | None:
        """``value`` if it is an object; absent: None; anything else: an error at ``path``, and None."""
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(path, expected)
            return None
        return value

    def note(self, text: str) -> None:
        self.out.notes.append(f"release {self.label}: {text}")

    def at(self, name: str) -> str:
        return _path(self.where, name)

    # --- values ---------------------------------------------------------------------------------

    def date(self, value: Any, path: str, required: bool = False, future_ok: bool = False) -> datetime | None:
        if value is None or value == "":
            if required:
                self.error(path, "is required")
            return None
        if not isinstance(value, str):
            self.error(path, f"{value!r} is not an ISO 8601 date-time")
            return None
        try:
            moment = values.timestamp(path, value)
        except FieldError as exc:
            self.out.errors.append(exc)
            return None
        if not future_ok and moment > self.now + CLOCK_SKEW:
            self.error(path, f"{value} is in the future")
        return moment

    def money(self, value: Any, path: str) -> dict[str, Any] | None:
        """OCDS Value ``{amount, currency}``; absent or both empty: None."""
        value = self.optional_object(value, path, "expected an object with amount and currency")
        if value is None:
            return None
        amount, currency = value.get("amount"), value.get("currency")
        if amount in (None, "") and currency in (None, ""):
            return None
        if amount in (None, "") or isinstance(amount, bool) or not isinstance(amount, int | Decimal | str):
            self.error(_path(path, "amount"), f"{amount!r} is not an amount")
            return None
        try:
            parsed = values.money(_path(path, "amount"), str(amount))
        except FieldError as exc:
            self.out.errors.append(exc)
            return None
        if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
            self.error(_path(path, "currency"), f"{currency!r} is not an ISO 4217 currency code")
            return None
        self.currencies.add(currency)  # kept as published: converting needs a rate and a date, not ours to pick
        return {"amount": parsed, "currency": currency}

    def quantity(self, value: Any, path: str) -> int | None:
        if value is None or value == "":
            self.error(path, "is required for a software or computer item")
            return None
        if isinstance(value, bool):
            self.error(path, f"{value!r} is not a whole number")
            return None
        if isinstance(value, Decimal):
            if value != value.to_integral_value():
                self.error(path, f"{value} is not a whole number")
                return None
            value = int(value)
        try:
            return values.count(path, str(value))
        except FieldError as exc:
            self.out.errors.append(exc)
            return None

    # --- parties --------------------------------------------------------------------------------

    def parties(self) -> dict[str, tuple[int, dict[str, Any]]]:
        parties = self.release.get("parties")
        index: dict[str, tuple[int, dict[str, Any]]] = {}
        for n, party in enumerate(parties if isinstance(parties, list) else []):
            if isinstance(party, dict) and _text(party.get("id")):
                index.setdefault(_text(party["id"]), (n, party))  # type: ignore[arg-type]
        return index

    def organisation(self, ref: dict[str, Any], ref_path: str, party: tuple[int, dict[str, Any]] | None) -> dict | None:
        """``{"id", "name", "uscc"}`` of an organisation reference and its party entry, or None on error.

        ``id`` is None when the organisation cannot be identified (no id, no identifier): the caller
        decides whether that rejects the release or leaves the party unresolved.
        """
        entry = party[1] if party else {}
        entry_path = self.at(f"parties[{party[0]}]") if party else ref_path
        identifiers = [(entry_path, entry.get("identifier") or ref.get("identifier"))]
        extra = entry.get("additionalIdentifiers") or ref.get("additionalIdentifiers")
        if isinstance(extra, list):
            identifiers += [(f"{entry_path}.additionalIdentifiers[{n}]", i) for n, i in enumerate(extra)]
        uscc = None
        legal_name = None
        for n, (path, identifier) in enumerate(identifiers):
            if not isinstance(identifier, dict):
                continue
            if n == 0:
                legal_name = _text(identifier.get("legalName"))
            if str(identifier.get("scheme") or "").strip().upper() in USCC_SCHEMES:
                code = (_text(identifier.get("id")) or "").upper()
                id_path = f"{path}.identifier.id" if n == 0 else f"{path}.id"
                if not is_valid_uscc(code):
                    self.error(id_path, f"{code!r} is not a valid unified social credit code (GB 32100)")
                    return None
                uscc = code
                break
        name = _text(ref.get("name")) or _text(entry.get("name")) or legal_name
        org_id = uscc or _text(ref.get("id")) or _text(entry.get("id")) or self.derived_id(identifiers[0][1], ref_path)
        if not name and not org_id:
            return {"id": None, "name": "", "uscc": False}
        if not name:
            self.tolerate(tolerance.ORG_NAMELESS, ref_path)
        return {"id": org_id, "name": name or "", "uscc": uscc is not None}

    def derived_id(self, identifier: Any, path: str) -> str | None:
        """The id an OCDS 1.0 organisation (``identifier`` but no ``id``) gets in 1.1, or None.

        OCDS 1.1 Organization.id: "This field may be built with the following structure
        {identifier.scheme}-{identifier.id}(-{department-identifier})", and the 1.0 -> 1.1 upgrade
        script (ocdskit ``update-to-v1_1``, ``generate_party``) builds ``scheme + "-" + id``. It falls
        back to a hash of the whole object; we take ``identifier.id`` alone when there is no scheme
        (a hash would change with any contact detail, and the note says what was done).
        """
        if not isinstance(identifier, dict) or not _text(identifier.get("id")):
            return None
        scheme, code = _text(identifier.get("scheme")), _text(identifier.get("id"))
        derived = f"{scheme}-{code}" if scheme else code
        self.tolerate(tolerance.ORG_ID_DERIVED, f"{path} = {derived!r}")
        return derived

    def buyer(self, parties: dict[str, tuple[int, dict[str, Any]]]) -> dict[str, Any] | None:
        """The buyer; None (with an error) when there is none or it is malformed.

        A buyer that is named (a reference or a party with role buyer) but carries no id nor
        identifier is published *unresolved*: id empty, level UNKNOWN, the publisher's jurisdiction,
        and BUYER in the record's ``unresolved_parties``. It lands; rules keyed by the buyer skip it
        (counted).
        """
        ref = self.release.get("buyer")
        if isinstance(ref, dict) and any(_text(ref.get(k)) or isinstance(ref.get(k), dict) for k in _NAMED_BY):
            entry = parties.get(_text(ref.get("id")) or "")
            org = self.organisation(ref, self.at("buyer"), entry)
        else:
            buyers = [p for p in parties.values() if "buyer" in (p[1].get("roles") or [])]
            if not buyers:
                self.error(self.at("buyer"), "no buyer: neither a buyer reference nor a party with role buyer")
                return None
            if len(buyers) > 1:
                self.error(self.at("buyer"), f"no buyer reference and {len(buyers)} parties with role buyer")
                return None
            entry = buyers[0]
            org = self.organisation(entry[1], self.at(f"parties[{entry[0]}]"), entry)
        if org is None:
            return None
        if org["id"] is None:
            self.out.unresolved.append("BUYER")
            self.note(f"buyer {org['name']!r} has no id nor identifier; published with the buyer unresolved")
            return {"id": "", "name": org["name"], "level": "UNKNOWN", "jurisdiction": self.jurisdiction}
        level, division = self.place(entry)
        return {"id": org["id"], "name": org["name"], "level": level, "jurisdiction": division}

    def place(self, party: tuple[int, dict[str, Any]] | None) -> tuple[str, str | None]:
        """The buyer's administrative level and GB/T 2260 division, from the project's ``details`` extension.

        OCDS has no field for either: without ``details.level`` the level is UNKNOWN, without
        ``details.division`` the buyer is placed in the publisher's jurisdiction (never guessed from names).
        """
        details = party[1].get("details") if party else None
        if not isinstance(details, dict) or party is None:
            return "UNKNOWN", self.jurisdiction
        path = self.at(f"parties[{party[0]}].details")
        level = details.get("level")
        if level is None:
            level = "UNKNOWN"
        elif not isinstance(level, str) or level.strip().upper() not in LEVELS:
            self.error(_path(path, "level"), f"{level!r} is not one of {', '.join(LEVELS)}")
        else:
            level = level.strip().upper()
        division = details.get("division")
        if division is None:
            division = self.jurisdiction
        elif not isinstance(division, str) or not codes.is_jurisdiction(division.strip()):
            self.error(_path(path, "division"), f"{division!r} is not a GB/T 2260 division or ministry code")
        else:
            division = division.strip()
        return level, division

    def supplier(self, award: dict[str, Any], path: str, parties: dict) -> dict[str, Any] | None:
        """The first supplier of an award (or of a contract, with the contract suppliers extension)."""
        suppliers = self.as_list(award.get("suppliers"), f"{path}.suppliers")
        if not suppliers:
            return None
        ref = suppliers[0]
        if not isinstance(ref, dict):
            self.error(f"{path}.suppliers[0]", "expected an organisation reference")
            return None
        org = self.organisation(ref, f"{path}.suppliers[0]", parties.get(_text(ref.get("id")) or ""))
        if len(suppliers) > 1:
            others = ", ".join(str(s.get("id") if isinstance(s, dict) else s) for s in suppliers[1:])
            self.note(f"award {award.get('id')}: {len(suppliers)} suppliers; the first is published, not {others}")
        if org is None:
            return None
        if org["id"] is None:
            self.error(f"{path}.suppliers[0].id", "is required (no id nor identifier)")
            return None
        return {"id": org["id"], "name": org["name"], "country": "CN" if org["uscc"] else None, "natural_person": False}

    # --- items ----------------------------------------------------------------------------------

    def items(self, items: Any, path: str) -> list[dict[str, Any]]:
        if items is None:
            return []
        items = self.as_list(items, path) or items
        if not isinstance(items, list):
            self.error(path, "expected a list of items")
            return []
        out = []
        for n, item in enumerate(items):
            mapped = self.item(item, f"{path}[{n}]")
            if mapped is not None:
                out.append(mapped)
        return out

    def item(self, item: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(item, dict):
            self.error(path, "expected an item object")
            return None
        item_id = _text(item.get("id"))
        chosen, others = classify_item(item)
        if chosen.kind is None:
            self.note(f"item {item_id or path}: {chosen.problem}; left out")
            return None
        for kind in chosen.tolerated:
            self.tolerate(kind, f"item {item_id or path}")
        if item_id is None:
            self.error(_path(path, "id"), "is required")
        unit = item.get("unit") if isinstance(item.get("unit"), dict) else {}
        software = item.get("softwareLicence") if chosen.kind == SOFTWARE else None
        hardware = item.get("computer") if chosen.kind == COMPUTER else None
        return {
            "item_id": item_id,
            "description": _text(item.get("description")) or chosen.description or "",
            "classification": chosen.record(),
            # a catalogue code read by its UNSPSC prefix is kept too, as published (scheme OTHER)
            "additional_classifications": [
                *chosen.with_published()[1:],
                *(r for c in others if c.code for r in c.with_published()),
            ],
            "quantity": self.quantity(item.get("quantity"), _path(path, "quantity")),
            "unit": _text(unit.get("name")) or _text(unit.get("id")) or "",
            "unit_price": self.money(unit.get("value"), _path(path, "unit.value")),
            "software": self.software(software, _path(path, "softwareLicence")),
            "hardware": self.hardware(hardware, _path(path, "computer")),
        }

    def software(self, details: Any, path: str) -> dict[str, Any] | None:
        """The project's ``softwareLicence`` item extension; absent: not stated (null)."""
        details = self.optional_object(details, path)
        if details is None:
            return None
        vendor, product = _text(details.get("vendor")), _text(details.get("product"))
        if not vendor:
            self.error(_path(path, "vendor"), "is required")
        if not product:
            self.error(_path(path, "product"), "is required")
        metric = str(details.get("metric") or "OTHER").strip().upper()
        if metric not in METRICS:
            self.error(_path(path, "metric"), f"{details.get('metric')!r} is not one of {', '.join(METRICS)}")
        operating_system = details.get("operatingSystem", False)
        if not isinstance(operating_system, bool):
            self.error(_path(path, "operatingSystem"), f"{operating_system!r} is not true/false")
        return {
            "vendor": vendor,
            "product": product,
            "edition": _text(details.get("edition")),
            "metric": metric,
            # A licence term may start or end in the future.
            "term_start": self.date(details.get("termStart"), _path(path, "termStart"), future_ok=True),
            "term_end": self.date(details.get("termEnd"), _path(path, "termEnd"), future_ok=True),
            "operating_system": operating_system is True,
        }

    def hardware(self, details: Any, path: str) -> dict[str, Any] | None:
        """The project's ``computer`` item extension; without ``osPreloaded`` the details are null (unknown)."""
        details = self.optional_object(details, path)
        if details is None:
            return None
        preloaded = details.get("osPreloaded")
        if preloaded is None:
            return None
        if not isinstance(preloaded, bool):
            self.error(_path(path, "osPreloaded"), f"{preloaded!r} is not true/false")
            return None
        category = str(details.get("category") or "OTHER").strip().upper()
        if category not in HARDWARE_CATEGORIES:
            allowed = ", ".join(HARDWARE_CATEGORIES)
            self.error(_path(path, "category"), f"{details.get('category')!r} is not one of {allowed}")
        return {"category": category, "os_preloaded": preloaded, "preloaded_os": _text(details.get("preloadedOs"))}

    # --- the release ----------------------------------------------------------------------------

    def tags(self, raw: Any) -> list[str]:
        """OCDS ``tag`` (an array); a single string is read as an array of one, with a note."""
        if isinstance(raw, str) and raw.strip():
            self.tolerate(tolerance.TAG_STRING, f"tag {raw!r}")
            return [raw.strip()]
        if raw is not None and not isinstance(raw, list):
            self.error(self.at("tag"), f"{raw!r} is not a list of release tags")
            return []
        return [t for t in raw or [] if isinstance(t, str)]

    def map(self) -> Mapped:
        self._map()
        if not self.out.errors:
            self._report_tolerances()
        return self.out

    def _map(self) -> Mapped:
        release = self.release
        ocid = _text(release.get("ocid"))
        release_id = _text(release.get("id"))
        self.label = release_id or self.where or "?"
        if ocid is None:
            self.error(self.at("ocid"), "is required")
        if release_id is None:
            self.error(self.at("id"), "is required")
        released_at = self.date(release.get("date"), self.at("date"), required=True)
        tags = self.tags(release.get("tag"))
        if self.out.errors:
            return self.out
        # Without a tag (required by OCDS, but missing in the wild) every award and contract is news.
        contract_news = not tags or bool(CONTRACT_TAGS.intersection(tags))
        award_news = not tags or bool(AWARD_TAGS.intersection(tags))
        if not (contract_news or award_news):
            self.note(f"tag {', '.join(tags)}: reports no award or contract; not published{self._tendered()}")
            return self.out
        if self.jurisdiction is None:
            self.error("header.jurisdiction", "the publisher id names no GB/T 2260 division or ministry code")
            return self.out
        parties = self.parties()
        awards = self._list("awards")
        contracts = self._list("contracts")
        awards_by_id = {_text(a.get("id")): (n, a) for n, a in awards}
        events: list[tuple[str, str, Any]] = []  # (kind, id, payload)
        contracted = set()
        listed: set[tuple[str, str | None]] = set()
        if contract_news:
            for n, contract in contracts:
                contracted.add(_text(contract.get("awardID")))
                if self._publishable("contract", contract, listed):
                    events.append(("contract", f"contracts[{n}]", contract))
        if award_news:
            for n, award in awards:
                # an award with a contract in this release: its contract is the news
                if _text(award.get("id")) not in contracted and self._publishable("award", award, listed):
                    events.append(("award", f"awards[{n}]", award))
        if not events:
            tagged = ", ".join(tags) or "(none)"
            self.note(f"tag {tagged}: no award or contract in the release; not published{self._tendered()}")
            return self.out
        buyer = self.buyer(parties)
        self.context = {
            "ocid": ocid,
            "release_id": release_id,
            "tags": list(dict.fromkeys(TAG_SYMBOLS.get(t, "OTHER") for t in tags)),
            "released_at": released_at,
            "buyer": buyer,
        }
        for kind, at, section in events:
            self._event(kind, self.at(at), section, awards_by_id, parties)
        if self.out.errors:
            self.out.records = []
        return self.out

    def _publishable(self, kind: str, section: dict[str, Any], listed: set[tuple[str, str | None]]) -> bool:
        """Whether an award or contract section is news: not listed twice, and it happened."""
        if self._repeated(kind, section, listed):
            return False
        if section.get("status") in NOT_HAPPENED:
            self.note(f"{kind} {section.get('id')}: status {section.get('status')}; not published")
            return False
        return True

    def _repeated(self, kind: str, section: dict[str, Any], listed: set[tuple[str, str | None]]) -> bool:
        """True if an award or contract of this id was listed before in the release (seen in real data)."""
        key = (kind, _text(section.get("id")))
        if key[1] is not None and key in listed:
            self.note(f"{kind} {key[1]} is listed more than once; the first is published")
            return True
        listed.add(key)
        return False

    def _tendered(self) -> str:
        """For a note on a release that is not published: the software and computer items it tenders."""
        tender = self.release.get("tender")
        items = tender.get("items") if isinstance(tender, dict) else None
        if not isinstance(items, list):
            return ""
        kinds = [classify_item(i)[0].kind for i in items if isinstance(i, dict)]
        wanted = sum(1 for k in kinds if k is not None)
        return f" (its tender lists {wanted} software or computer item(s), published once awarded)" if wanted else ""

    def _list(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        value = self.release.get(name)
        if value is None:
            return []
        value = self.as_list(value, self.at(name)) or value
        if not isinstance(value, list):
            self.error(self.at(name), "expected a list")
            return []
        out = []
        for n, entry in enumerate(value):
            if isinstance(entry, dict):
                out.append((n, entry))
            else:
                self.error(self.at(f"{name}[{n}]"), "expected an object")
        return out

    def _event(self, kind: str, path: str, section: dict, awards_by_id: dict, parties: dict) -> None:
        """Append the record of one award or contract (``section``) found at ``path``."""
        ocid, release_id, released_at = self.context["ocid"], self.context["release_id"], self.context["released_at"]
        section_id = _text(section.get("id"))
        if section_id is None:
            self.error(_path(path, "id"), "is required")
        if kind == "contract":
            award_id = _text(section.get("awardID"))
            award_entry = awards_by_id.get(award_id)
            award = award_entry[1] if award_entry else {}
            award_path = self.at(f"awards[{award_entry[0]}]") if award_entry else path
            signed = self.date(section.get("dateSigned"), _path(path, "dateSigned"))
            occurred = signed or released_at
            if "items" in section:
                items = self.items(section.get("items"), _path(path, "items"))
            else:  # OCDS: a contract lists items only where they differ from its award's
                items = self.items(award.get("items"), _path(award_path, "items"))
            # the contract's own suppliers (contract suppliers extension) name the one it is signed with
            if section.get("suppliers"):
                supplier = self.supplier(section, path, parties)
            else:
                supplier = self.supplier(award, award_path, parties)
            contract_id = section_id
        else:
            award_id, contract_id, signed = section_id, None, None
            occurred = self.date(section.get("date"), _path(path, "date")) or released_at
            items = self.items(section.get("items"), _path(path, "items"))
            supplier = self.supplier(section, path, parties)
        value = self.money(section.get("value"), _path(path, "value"))
        if not items:
            self.note(f"{kind} {section_id}: no software or computer item; published without items")
        self.out.records.append(
            {
                "header": {
                    "event_id": values.derived_event_id(
                        self.publisher, "procurement", f"{ocid}|{release_id}|{kind}|{section_id}"
                    ),
                    "event_type": f"procurement.{kind}",
                    "occurred_at": occurred,
                    "published_at": None,
                    "publisher": self.publisher,
                    # the buyer's division when the release states it, else the publisher's jurisdiction
                    "jurisdiction": (self.context["buyer"] or {}).get("jurisdiction") or self.jurisdiction,
                    "causation_id": None,
                    "correlation_id": ocid,
                },
                "ocid": ocid,
                "release_id": release_id,
                "tags": self.context["tags"],
                "released_at": released_at,
                "buyer": self.context["buyer"],
                "supplier": supplier,
                "award_id": award_id,
                "contract_id": contract_id,
                "date_signed": signed,
                "total_value": value,
                "items": items,
                "unresolved_parties": list(self.out.unresolved),
            }
        )


def map_release(release: Any, where: str, publisher: str, jurisdiction: str | None) -> Mapped:
    """Map one parsed release; ``where`` prefixes error paths (``releases[3]``; '' for JSON Lines)."""
    if not isinstance(release, dict):
        return Mapped(errors=[FieldError(where or "release", "expected a release object")])
    return _Release(release, where, publisher, jurisdiction).map()
