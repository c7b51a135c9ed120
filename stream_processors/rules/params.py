"""Rule parameters: what every rule has, and reading a rule's section of the rule set with an error
that names the file, section and key."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from iprx.stream_processors.ruleset import RuleSet, RuleSetError

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


@dataclass(frozen=True, kw_only=True)
class RuleParams:
    """The parameters every rule has; a rule's ``Params`` subclasses this and adds its own."""

    ruleset_version: str  # recorded by every signal
    severity: str  # the severity of its signals (a rule may grade some differently, see its module)


@dataclass(frozen=True, kw_only=True)
class StatefulParams(RuleParams):
    """The parameters every stateful rule has."""

    grace: timedelta  # how long event time waits for late events (stream_processors.eventtime)


class ParamReader:
    """Typed, validated access to ``[rules."<rule id>"]`` (or a sub-table of it)."""

    def __init__(self, ruleset: RuleSet, rule_id: str, raw: dict[str, Any] | None = None, where: str = "") -> None:
        self.ruleset = ruleset
        self.rule_id = rule_id
        self.raw = ruleset.params(rule_id) if raw is None else raw
        self.where = where or f"{ruleset.source}: [rules.{rule_id!r}]"
        if not isinstance(self.raw, dict):
            raise RuleSetError(f"{self.where} must be a table")

    def common(self, params: type[RuleParams], severity: str | None = None) -> dict[str, Any]:
        """The fields ``params`` inherits from :class:`RuleParams` (and :class:`StatefulParams`).

        ``severity`` is the default when the section has none; without one the section must say.
        """
        fields: dict[str, Any] = {"ruleset_version": self.ruleset.version, "severity": self.severity(default=severity)}
        if issubclass(params, StatefulParams):
            fields["grace"] = self.hours("grace_hours")
        return fields

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
        return self.choice(key, SEVERITIES, default)

    def string(self, key: str, default: str | None = None) -> str:
        value = self._get(key, default, "a non-empty string")
        if not isinstance(value, str) or not value:
            raise self.error(key, "a non-empty string")
        return value

    def choice(self, key: str, allowed: Iterable[str], default: str | None = None) -> str:
        allowed = tuple(allowed)
        expected = f"one of {', '.join(allowed)}"
        value = self._get(key, default, expected)
        if value not in allowed:
            raise self.error(key, expected)
        return value

    def strings(
        self,
        key: str,
        allowed: Iterable[str] | None = None,
        default: list[str] | None = None,
        may_be_empty: bool = False,
    ) -> tuple[str, ...]:
        """A list of non-empty strings, each in ``allowed`` when given; non-empty unless ``may_be_empty``."""
        allowed = tuple(allowed) if allowed is not None else None
        expected = (
            f"a {'' if may_be_empty else 'non-empty '}list of {' / '.join(allowed) if allowed else 'non-empty strings'}"
        )
        value = self._get(key, default, expected)
        if (
            not isinstance(value, list)
            or (not value and not may_be_empty)
            or not all(isinstance(v, str) and v for v in value)
            or (allowed is not None and not set(value) <= set(allowed))
        ):
            raise self.error(key, expected)
        return tuple(value)
