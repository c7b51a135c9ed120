"""Reference code lists the publisher validates against (ISO 3166, GB/T 2260, HS, customs offices)."""

from __future__ import annotations

import re

# ISO 3166-1 alpha-2, including the user-assigned XK (Kosovo) that customs data uses.
_ALPHA2 = """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
    BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
    FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO
    IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG
    MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK
    PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC
    TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS
    XK YE YT ZA ZM ZW"""
ISO_3166_ALPHA2 = frozenset(_ALPHA2.split())

# First two digits of GB/T 2260 division codes: the provincial-level divisions.
_PROVINCES = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82"
GB2260_PROVINCES = frozenset(_PROVINCES.split())
_DIVISION = re.compile(r"\d{6}")
_HS = re.compile(r"\d{6}(\d{2}){0,2}")
_CUSTOMS_OFFICE = re.compile(r"\d{4}")
# Ministry-level publishers use their own code instead of a division, e.g. MIIT, GACC, NCAC.
_MINISTRY = re.compile(r"[A-Z]{2,10}")


def is_country(code: str) -> bool:
    return code in ISO_3166_ALPHA2


def is_jurisdiction(code: str) -> bool:
    """A GB/T 2260 six-digit division code of a real province, or a ministry code."""
    if _DIVISION.fullmatch(code):
        return code[:2] in GB2260_PROVINCES
    return bool(_MINISTRY.fullmatch(code))


def is_hs_code(code: str) -> bool:
    """A Harmonized System code of 6, 8 or 10 digits whose chapter (first two digits) is 01-97."""
    return bool(_HS.fullmatch(code)) and 1 <= int(code[:2]) <= 97


def is_customs_office(code: str) -> bool:
    return bool(_CUSTOMS_OFFICE.fullmatch(code))
