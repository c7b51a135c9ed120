"""Loading the versioned rule-set file (thresholds and windows as data, not code)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_RULESET = Path(__file__).parent / "rulesets" / "default.toml"


class RuleSetError(ValueError):
    """The rule-set file is missing, malformed or lacks a parameter a rule needs."""


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""

    def params(self, rule_id: str) -> dict[str, Any]:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise RuleSetError(f"{self.source}: no [rules.{rule_id!r}] section") from None


def load_ruleset(path: str | Path | None = None) -> RuleSet:
    """Read a rule-set TOML file; ``None`` or empty means the one shipped with the project."""
    path = Path(path) if path else DEFAULT_RULESET
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleSetError(f"rule-set file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(f"{path}: invalid TOML: {exc}") from None
    version = doc.get("version")
    if not isinstance(version, str) or not version:
        raise RuleSetError(f"{path}: a non-empty string `version` is required")
    rules = doc.get("rules", {})
    if not isinstance(rules, dict):
        raise RuleSetError(f"{path}: `rules` must be a table of rule sections")
    return RuleSet(version=version, rules=rules, source=str(path))
