"""Reading one rule's section of the rule set, with an error that names the file, section and key."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from iprx.stream_processors.ruleset import RuleSet, RuleSetError

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


class ParamReader:
    """Typed, validated access to ``[rules."<rule id>"]`` (or a sub-table of it)."""

    def __init__(self, ruleset: RuleSet, rule_id: str, raw: dict[str, Any] | None = None, where: str = "") -> None:
        self.ruleset = ruleset
        self.rule_id = rule_id
        self.raw = ruleset.params(rule_id) if raw is None else raw
        self.where = where or f"{ruleset.source}: [rules.{rule_id!r}]"
        if not isinstance(self.raw, dict):
            raise RuleSetError(f"{self.where} must be a table")

    def error(self, key: str, expected: str) -> RuleSetError:
        got = repr(self.raw[key]) if key in self.raw else "nothing"
        return RuleSetError(f"{self.where} needs {key} = {expected}, got {got}")

    def _get(self, key: str, default: Any, expected: str) -> Any:
        if key in self.raw:
            return self.raw[key]
        if default is not None:
            return default
        raise self.error(key, expected)

    def table(self, key: str) -> ParamReader:
        expected = "a table"
        value = self._get(key, None, expected)
        if not isinstance(value, dict):
            raise self.error(key, expected)
        return ParamReader(self.ruleset, self.rule_id, value, f"{self.where[:-1]}.{key}]")

    def decimal(self, key: str, default: str | None = None) -> Decimal:
        """A positive amount; strings are preferred in the file so no float rounding creeps in."""
        expected = 'a positive number (string, e.g. "30000")'
        value = self._get(key, default, expected)
        if isinstance(value, bool):
            raise self.error(key, expected)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.error(key, expected) from None
        if not number.is_finite() or number <= 0:
            raise self.error(key, expected)
        return number

    def integer(self, key: str, default: int | None = None, minimum: int = 1) -> int:
        expected = f"an integer >= {minimum}"
        value = self._get(key, default, expected)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(key, expected)
        return value

    def fraction(self, key: str, default: float | None = None) -> float:
        expected = "a number in (0, 1]"
        value = self._get(key, default, expected)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise self.error(key, expected)
        return float(value)

    def days(self, key: str, default: int | None = None) -> timedelta:
        return timedelta(days=self.integer(key, default))

    def hours(self, key: str, default: int | None = None, minimum: int = 0) -> timedelta:
        return timedelta(hours=self.integer(key, default, minimum=minimum))

    def boolean(self, key: str, default: bool | None = None) -> bool:
        value = self._get(key, default, "true or false")
        if not isinstance(value, bool):
            raise self.error(key, "true or false")
        return value

    def severity(self, key: str = "severity", default: str | None = None) -> str:
        expected = f"one of {', '.join(SEVERITIES)}"
        value = self._get(key, default, expected)
        if value not in SEVERITIES:
            raise self.error(key, expected)
        return value

    def string(self, key: str, default: str | None = None) -> str:
        value = self._get(key, default, "a non-empty string")
        if not isinstance(value, str) or not value:
            raise self.error(key, "a non-empty string")
        return value

    def strings(
        self, key: str, allowed: Iterable[str] | None = None, default: list[str] | None = None
    ) -> tuple[str, ...]:
        """A non-empty list of non-empty strings, each in ``allowed`` when given."""
        allowed = tuple(allowed) if allowed is not None else None
        expected = f"a non-empty list of {' / '.join(allowed) if allowed else 'non-empty strings'}"
        value = self._get(key, default, expected)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
            or (allowed is not None and not set(value) <= set(allowed))
        ):
            raise self.error(key, expected)
        return tuple(value)
