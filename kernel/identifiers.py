"""Check characters of Chinese organisation identifiers (GB 11714 and GB 32100)."""

from __future__ import annotations

from functools import lru_cache

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of an organisation code's first eight characters."""
    total = sum(w * int(c, 36) for w, c in zip(_ORG_WEIGHTS, first8, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character of a unified social credit code's first seventeen characters."""
    total = sum(w * _USCC_CHARSET.index(c) for w, c in zip(_USCC_WEIGHTS, first17, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31]


# Parties recur across records (the same exporter, buyer or supplier), so the verdict is cached.
@lru_cache(maxsize=65536)
def is_valid_uscc(code: str) -> bool:
    """True if ``code`` is 18 characters of the GB 32100 alphabet with a correct check character."""
    return len(code) == 18 and all(c in _USCC_CHARSET for c in code) and uscc_check_char(code[:17]) == code[17]
