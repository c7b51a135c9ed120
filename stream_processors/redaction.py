"""What of a seizure may leave for partner agencies, and how natural persons are kept out of it.

The outbound notice is built from :data:`SEIZURE_POLICY` alone, an allow-list with one entry per field
of ``iprx.cooperation.SharedSeizure``: a field without an entry never leaves (the declarant, the
declaration number, the concealment), whatever the seizure holds.

* ``SHARE``: a code, number, time or enum that admission has validated (office, HS code, countries,
  quantity, value...). It cannot hold a name or an id, and is sent as it is.
* ``SCRUB``: free text or a reference (goods description, brand, route, bill of lading, container and
  seizure numbers, unit...). Sent with every personal name and id masked (:class:`Scrubber`).
* ``PARTY``: an organisation is sent with its name and id scrubbed; a party treated as a natural
  person (:func:`treated_as_natural_person`) only as "a party of country X", name and id withheld.

A party counts as a natural person when its publisher says so, when its id is a personal one (of any
country: a Chinese resident identity number, a social security, passport or national id number), or
when nothing shows it to be an organisation (an organisation id such as a USCC, EIN, LEI, VAT or EORI
number, or a legal form in its name). Its name is masked in every scrubbed field in any order, case,
spacing or punctuation of its parts ("Fang Wang" and "WANG  FANG" for "Wang Fang"), its id whatever
the separators, and personal ids are masked in free text even when no party carries them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from enum import StrEnum

from iprx.kernel.identifiers import is_valid_uscc

REDACTED = "[REDACTED]"


class Policy(StrEnum):
    SHARE = "share"
    SCRUB = "scrub"
    PARTY = "party"


SEIZURE_POLICY: dict[str, Policy] = {
    "seizure_id": Policy.SCRUB,
    "office": Policy.SHARE,
    "seized_at": Policy.SHARE,
    "direction": Policy.SHARE,
    "transport_mode": Policy.SHARE,
    "bill_of_lading": Policy.SCRUB,
    "container_no": Policy.SCRUB,
    "hs_code": Policy.SHARE,
    "goods_description": Policy.SCRUB,
    "ipr_type": Policy.SHARE,
    "right_holder": Policy.SCRUB,
    "brand": Policy.SCRUB,
    "quantity": Policy.SHARE,
    "unit": Policy.SCRUB,
    "estimated_value": Policy.SHARE,
    "exporter": Policy.PARTY,
    "consignee": Policy.PARTY,
    "origin_country": Policy.SHARE,
    "destination_country": Policy.SHARE,
    "route": Policy.SCRUB,
}
"""Every field a partner notice's seizure may carry, and how it leaves; nothing else does."""

# Scheme words in ids, as publishers write them (US-SSN-..., GB-PASSPORT-..., pid-...).
_PERSONAL_SCHEMES = {"SSN", "PASSPORT", "PP", "NIN", "NINO", "NATIONALID", "IDCARD", "PID", "PERSON", "RESIDENT"}
_ORGANISATION_SCHEMES = {"USCC", "EIN", "LEI", "VAT", "VATIN", "EORI", "DUNS", "CRN", "UEN", "ABN", "BRN", "ORG"}
_LEGAL_FORMS = re.compile(
    r"(?<![^\W\d_])(co|company|corp|corporation|inc|incorporated|ltd|limited|llc|llp|plc|gmbh|ag|sa|sarl|srl|"
    r"spa|bv|nv|ab|oy|kk|pte|pty|group|holdings?|trading|imports?|exports?|logistics|industries|"
    r"industrial|manufacturing|factory|enterprises?|firm|partners|bureau|office|agency|ministry|"
    r"department|authority|university|association|foundation)(?![^\W\d_])|公司|有限|集团|企业|厂|商行|局|部|厅",
    re.IGNORECASE,
)
_CN_RESIDENT_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SSN = re.compile(r"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)")
_ID_SEPARATORS = r"[\s\-./_:#]*"
_NAME_SEPARATORS = r"[\s\-.,·'\u2019]*"


def is_cn_resident_id(value: str) -> bool:
    """An 18-character PRC resident identity number with a valid check character (GB 11643)."""
    if not _CN_RESIDENT_ID.fullmatch(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _CN_ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == value[17].upper()


def _scheme_words(party_id: str) -> set[str]:
    return {w.upper() for w in re.split(r"[^A-Za-z]+", party_id) if w}


def is_personal_id(party_id: str) -> bool:
    """An id that identifies a person, whatever its country."""
    compact = re.sub(r"[\s\-]", "", party_id)
    return is_cn_resident_id(compact) or bool(_scheme_words(party_id) & _PERSONAL_SCHEMES)


def is_organisation_id(party_id: str) -> bool:
    return is_valid_uscc(party_id) or bool(_scheme_words(party_id) & _ORGANISATION_SCHEMES)


def treated_as_natural_person(natural_person: bool, party_id: str | None, name: str | None) -> bool:
    """Whether a party's name and id must stay home: unless it is positively an organisation."""
    if natural_person or (party_id and is_personal_id(party_id)):
        return True
    if party_id and is_organisation_id(party_id):
        return False
    return not (name and _LEGAL_FORMS.search(name))


def _name_pattern(name: str) -> str | None:
    parts = re.findall(r"[^\W_]+", name)
    if not parts:
        return None
    if len(parts) == 1 and not parts[0].isascii():
        # A name written without spaces (Chinese): its characters with any spacing in between.
        return r"\s*".join(map(re.escape, parts[0]))
    orders = itertools.permutations(parts) if len(parts) <= 4 else (parts, parts[::-1])
    alternatives = "|".join(_NAME_SEPARATORS.join(map(re.escape, order)) for order in orders)
    return rf"(?<![^\W_])(?:{alternatives})(?![^\W_])"


def _id_pattern(party_id: str) -> str | None:
    chars = re.findall(r"[^\W_]", party_id)
    return _ID_SEPARATORS.join(map(re.escape, chars)) if chars else None


class Scrubber:
    """Masks the given persons' names and ids, and any personal id, in texts; remembers where it did."""

    def __init__(self, names: Iterable[str], ids: Iterable[str]) -> None:
        patterns = [p for p in map(_name_pattern, names) if p] + [p for p in map(_id_pattern, ids) if p]
        # Longest first, so that a name is masked whole rather than a shorter one inside it.
        patterns.sort(key=len, reverse=True)
        self._known = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None
        self.redacted: list[str] = []

    def __call__(self, path: str, text: str | None) -> str | None:
        if text is None:
            return None
        cleaned = text if self._known is None else self._known.sub(REDACTED, text)
        cleaned = _CN_RESIDENT_ID.sub(lambda m: REDACTED if is_cn_resident_id(m[0]) else m[0], cleaned)
        cleaned = _SSN.sub(REDACTED, cleaned)
        if cleaned != text:
            self.redacted.append(path)
        return cleaned
