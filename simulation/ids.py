"""Seeded identifiers: event UUIDs, credit codes, container and bill numbers, unique by construction.

Every identifier comes from the simulation's own random generator (so a seed gives the same ids) and
the ones that rules correlate on (credit codes, containers, bills of lading) are never handed out
twice: an accidental collision would make background noise fire a rule.
"""

from __future__ import annotations

import random
import uuid

from iprx.kernel.identifiers import org_code_check_char, uscc_check_char

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100 registration-authority and organisation-type prefixes.
GOVERNMENT_ORGAN = "11"  # 机构编制 / 机关: government agencies
ENTERPRISE = "91"  # 工商 / 企业: companies, state-owned or not
# ISO 6346 letter values: A=10 upwards, skipping multiples of 11.
_LETTER_VALUES = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", [v for v in range(10, 39) if v % 11], strict=True))


def container_check_digit(first10: str) -> str:
    """ISO 6346 check digit of owner code + category + 6-digit serial."""
    values = [_LETTER_VALUES[c] if c.isalpha() else int(c) for c in first10]
    return str(sum(v << i for i, v in enumerate(values)) % 11 % 10)


class Ids:
    """Identifier factory over one random generator; correlated ids are unique within a simulation."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._taken: set[str] = set()
        self._serial = 0

    def _unique(self, make) -> str:
        while (value := make()) in self._taken:
            pass
        self._taken.add(value)
        return value

    def event_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def uscc(self, prefix: str, division: str) -> str:
        """A unified social credit code with valid organisation-code and GB 32100 check characters."""

        def make() -> str:
            org8 = "".join(self.rng.choice(USCC_CHARS) for _ in range(8))
            first17 = prefix + division + org8 + org_code_check_char(org8)
            return first17 + uscc_check_char(first17)

        return self._unique(make)

    def foreign_id(self, country: str) -> str:
        """A foreign company's registration number (never a Chinese credit code)."""
        return self._unique(lambda: f"{country}-REG-{self.rng.randrange(10**7, 10**8)}")

    def serial(self) -> int:
        self._serial += 1
        return self._serial

    def container(self, owners: tuple[str, ...]) -> str:
        """An ISO 6346 container number with a valid check digit, never issued twice."""

        def make() -> str:
            first10 = f"{self.rng.choice(owners)}U{self.rng.randrange(10**6):06d}"
            return first10 + container_check_digit(first10)

        return self._unique(make)

    def bill_of_lading(self, carriers: tuple[str, ...]) -> str:
        return self._unique(lambda: f"{self.rng.choice(carriers)}{self.rng.randrange(10**9, 10**10)}")

    def number(self, prefix: str, digits: int) -> str:
        """A unique reference such as a case, inspection or notice number."""
        return self._unique(lambda: f"{prefix}{self.rng.randrange(10 ** (digits - 1), 10**digits)}")
