"""Which OCDS item classifications are software licences and which are computers (DESIGN.md §3).

Only codes that say so are classified; anything else is reported by the caller, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from iprx.producers.adapters.ocds_tolerances import CATALOGUE_CODE, SCHEMA_KEY

SOFTWARE = "software"
COMPUTER = "computer"

# (scheme, code prefix, kind): CPV division 48 "software package and information systems" and group
# 302 "computer equipment and supplies"; UNSPSC class 4323 "software" and 4321 "computer equipment".
PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("CPV", "48", SOFTWARE),
    ("CPV", "302", COMPUTER),
    ("UNSPSC", "4323", SOFTWARE),
    ("UNSPSC", "4321", COMPUTER),
)
# CPV codes are eight digits, often published with their check digit ("30200000-1").
_CODE = {"CPV": re.compile(r"(\d{8})(?:-\d)?"), "UNSPSC": re.compile(r"(\d{8})")}
# National catalogues built on UNSPSC add their own level below the eight UNSPSC digits
# (Paraguay's DNCP catalogue: "43211508-001", "43211904-9999"); the UNSPSC prefix decides the kind.
_CATALOGUE = re.compile(r"(\d{8})(?:-(\d{1,6}))?")
_UNSPSC_BASED = re.compile(r"\bUNSPSC\b", re.IGNORECASE)


@dataclass(frozen=True)
class Classified:
    scheme: str  # CPV | UNSPSC | OTHER (the Avro ClassificationScheme)
    code: str  # eight digits for CPV and UNSPSC (check digit dropped); as published for OTHER
    description: str | None
    kind: str | None  # SOFTWARE | COMPUTER | None
    problem: str | None  # why kind is None, for the note
    valid: bool = False  # a well-formed CPV or UNSPSC code, whatever its kind
    tolerated: tuple[str, ...] = ()  # how it deviated from the standard (ocds_tolerances kinds)
    published: dict[str, Any] | None = None  # the code as published, when it was read as another one

    def record(self) -> dict[str, Any]:
        return {"scheme": self.scheme, "code": self.code, "description": self.description}

    def with_published(self) -> list[dict[str, Any]]:
        """The record, then the code as published (scheme OTHER) when it was read by its UNSPSC prefix."""
        return [self.record()] + ([self.published] if self.published else [])


def classify(classification: Any) -> Classified:
    """Classify one OCDS Classification object (``{"scheme", "id", "description"}``)."""
    if not isinstance(classification, dict):
        return Classified("OTHER", "", None, None, "has no classification")
    tolerated: tuple[str, ...] = ()
    raw_scheme = str(classification.get("scheme") or "").strip()
    if not raw_scheme and isinstance(classification.get("schema"), str):  # a slip seen in real data
        raw_scheme = classification["schema"].strip()
        tolerated = (SCHEMA_KEY,)
    scheme = raw_scheme.upper()
    raw_code = classification.get("id")
    code = "" if raw_code is None or isinstance(raw_code, bool) else str(raw_code).strip()
    description = classification.get("description")
    description = description if isinstance(description, str) and description else None
    catalogue = _CATALOGUE.fullmatch(code)
    # UNSPSC itself with a suffix, or another scheme that says it is built on UNSPSC (name or description)
    based = scheme != "UNSPSC" and _UNSPSC_BASED.search(f"{raw_scheme} {description or ''}")
    if catalogue and (catalogue.group(2) if scheme == "UNSPSC" else based):
        published = {"scheme": "OTHER", "code": code, "description": raw_scheme or None}
        found = _kind("UNSPSC", catalogue.group(1), description)
        return replace(found, tolerated=(*tolerated, CATALOGUE_CODE), published=published)
    if scheme not in _CODE:
        problem = f"scheme {raw_scheme!r} is neither CPV nor UNSPSC" if raw_scheme else "classification has no scheme"
        return Classified("OTHER", code, description, None, problem)
    if not code:
        return Classified(scheme, "", description, None, f"{scheme} classification has no code")
    match = _CODE[scheme].fullmatch(code)
    if match is None:
        return Classified(scheme, code, description, None, f"{scheme} {code!r} is not a valid {scheme} code")
    return replace(_kind(scheme, match.group(1), description), tolerated=tolerated)


def _kind(scheme: str, digits: str, description: str | None) -> Classified:
    """A well-formed CPV or UNSPSC code (eight digits) classified by its prefix."""
    for prefix_scheme, prefix, kind in PREFIXES:
        if scheme == prefix_scheme and digits.startswith(prefix):
            return Classified(scheme, digits, description, kind, None, valid=True)
    return Classified(scheme, digits, description, None, f"{scheme} {digits} is neither software nor computer", True)


def classify_item(item: dict[str, Any]) -> tuple[Classified, list[Classified]]:
    """The classification that decides an item's kind, and the item's other classifications.

    The primary ``classification`` decides when it is a valid CPV or UNSPSC code, even when it says
    neither software nor computer (an additional code does not overrule it). Only when the primary
    is from another scheme, missing or malformed does the first additional CPV/UNSPSC code that is
    software or computer decide.
    """
    primary = classify(item.get("classification"))
    extra = item.get("additionalClassifications")
    additional = [classify(c) for c in extra] if isinstance(extra, list) else []
    if primary.valid:
        return primary, additional
    for n, candidate in enumerate(additional):
        if candidate.kind is not None:
            others = [primary, *additional[:n], *additional[n + 1 :]]
            return candidate, [c for c in others if c.code]
    return primary, additional
