"""Schema evolution checks in the Confluent compatibility modes, using the avro library's checker.

The verdict for each reader/writer pair is the avro library's (``avro.compatibility``); this module
picks the pairs a mode asks for and locates each incompatible change at a field path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType, lookup_writer_field

MODES = (
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
)
# Events are replayed from the start of a topic and consumers upgrade at their own pace: every
# version must read every other.
PROJECT_MODE = "FULL_TRANSITIVE"


@dataclass(frozen=True)
class SchemaSet:
    """The expanded schemas of one earlier version of the tree (a commit or a directory)."""

    label: str
    schemas: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Incompatibility:
    schema: str  # full name
    against: str  # label of the earlier version
    role: str  # what the current schema could not do: "read" old data, or have its data be "read" by old readers
    path: str  # dotted field path, [] for array items, {} for map values; "" for the whole schema
    kind: str  # avro.compatibility's incompatibility type, or schema_removed
    reason: str

    def __str__(self) -> str:
        where = f"{self.schema}.{self.path}" if self.path else self.schema
        if self.role == "read":
            direction = f"the current schema cannot read data written with {self.against}"
        elif self.role == "be read":
            direction = f"readers on {self.against} cannot read data written with the current schema"
        else:
            direction = f"compared with {self.against}"
        return f"{where}: {self.reason} ({self.kind}; {direction})"


def check(current: Mapping[str, Mapping[str, Any]], earlier: Sequence[SchemaSet], mode: str) -> list[Incompatibility]:
    """Incompatible changes of ``current`` against ``earlier`` (oldest first) under ``mode``.

    Non-transitive modes compare with the latest earlier version only, as a schema registry does.
    A schema present in the latest earlier version but missing now is reported as removed.
    """
    if mode not in MODES:
        raise ValueError(f"unknown compatibility mode {mode!r}; choose one of {', '.join(MODES)}")
    if mode == "NONE" or not earlier:
        return []
    versions = list(earlier) if mode.endswith("_TRANSITIVE") else [earlier[-1]]
    base = mode.removesuffix("_TRANSITIVE")
    found: list[Incompatibility] = []
    for name in sorted(set(earlier[-1].schemas) - set(current)):
        found.append(Incompatibility(name, earlier[-1].label, "exist", "", "schema_removed", "the schema was removed"))
    for name in sorted(current):
        new = _parse(current[name])
        seen: set[str] = set()
        for version in reversed(versions):
            if name not in version.schemas:
                continue
            # Not the canonical form: it drops defaults, and defaults decide compatibility.
            key = json.dumps(version.schemas[name], sort_keys=True)
            if key in seen:
                continue  # the same version again, e.g. in several commits
            seen.add(key)
            old = _parse(version.schemas[name])
            if base in ("BACKWARD", "FULL"):
                found += [
                    Incompatibility(name, version.label, "read", path, kind, reason)
                    for path, kind, reason in diagnose(reader=new, writer=old)
                ]
            if base in ("FORWARD", "FULL"):
                found += [
                    Incompatibility(name, version.label, "be read", path, kind, reason)
                    for path, kind, reason in diagnose(reader=old, writer=new)
                ]
    return found


def is_compatible(reader: avro.schema.Schema, writer: avro.schema.Schema) -> bool:
    """The avro library's verdict: can ``reader`` read everything ``writer`` may write?"""
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    return result.compatibility is SchemaCompatibilityType.compatible


def diagnose(reader: avro.schema.Schema, writer: avro.schema.Schema, path: str = "") -> list[tuple[str, str, str]]:
    """``(field path, kind, reason)`` for every place where ``reader`` cannot read ``writer``'s data."""
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    found: list[tuple[str, str, str]] = []
    if reader.type == writer.type == "record" and reader.fullname == writer.fullname:
        for field in reader.fields:
            sub = _join(path, field.name)
            match = lookup_writer_field(writer_schema=writer, reader_field=field)
            if match is not None:
                found += diagnose(field.type, match.type, sub)
            elif field.name in result.messages:
                found.append(
                    (
                        sub,
                        "reader_field_missing_default_value",
                        f"field {field.name} is missing in the writer's data and has no default in the reader",
                    )
                )
    elif reader.type == writer.type == "array":
        found += diagnose(reader.items, writer.items, f"{path}[]")
    elif reader.type == writer.type == "map":
        found += diagnose(reader.values, writer.values, path + "{}")
    elif "union" in (reader.type, writer.type):
        found += _diagnose_union(reader, writer, path)
    if not found:
        # The library's own words, at the deepest path we can name.
        kinds = ",".join(sorted({i.value for i in result.incompatibilities}))
        found.append((path, kinds, "; ".join(sorted(result.messages))))
    return found


def _diagnose_union(reader: avro.schema.Schema, writer: avro.schema.Schema, path: str) -> list[tuple[str, str, str]]:
    writer_branches = writer.schemas if writer.type == "union" else [writer]
    reader_branches = reader.schemas if reader.type == "union" else [reader]
    found: list[tuple[str, str, str]] = []
    for branch in writer_branches:
        if any(is_compatible(r, branch) for r in reader_branches):
            continue
        # Look inside the reader's branch of the same kind and name, the one a change usually broke.
        same = [
            r
            for r in reader_branches
            if r.type == branch.type and getattr(r, "fullname", None) == getattr(branch, "fullname", None)
        ]
        if same and branch.type in ("record", "array", "map", "enum"):
            found += diagnose(same[0], branch, path)
        else:
            label = getattr(branch, "fullname", None) or branch.type
            found.append((path, "missing_union_branch", f"the reader has no branch that can read {label}"))
    return found


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _parse(expanded: Mapping[str, Any]) -> avro.schema.Schema:
    return avro.schema.parse(json.dumps(expanded))
