"""Loads the .avsc files under schemas/avro once and indexes every published version by fingerprint."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastavro import parse_schema
from fastavro.schema import SchemaParseException, UnknownType, fingerprint, load_schema, to_parsing_canonical_form
from iprx.schemas.compiled import Decoder, Encoder, compile_decoder, compile_encoder
from iprx.schemas.errors import SchemaError

SCHEMA_DIR = Path(__file__).parent / "avro"
HISTORY_DIR = Path(__file__).parent / "history"


@dataclass(frozen=True)
class LoadedSchema:
    name: str
    parsed: Any  # fastavro's parsed form, ready for schemaless_reader/writer
    canonical: str  # Avro Parsing Canonical Form
    fingerprint: bytes  # CRC-64-AVRO of the canonical form, little-endian as on the wire
    # The schema with every referenced named type inlined (docs and logical types kept): stands alone.
    expanded: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    version: int | None = None  # published version number, None if not (yet) in the history

    @property
    def json(self) -> str:
        """The expanded schema as JSON text, e.g. for a schema registry."""
        return json.dumps(self.expanded, separators=(",", ":"))

    # Generated on first use (cached_property writes the instance dict, which a frozen dataclass allows).
    @functools.cached_property
    def encoder(self) -> Encoder | None:
        """The generated Avro writer of this schema (see ``iprx.schemas.compiled``), if it has one."""
        return compile_encoder(self.expanded) if self.expanded else None

    @functools.cached_property
    def decoder(self) -> Decoder | None:
        """The generated Avro reader of bodies written with this schema, if it has one."""
        return compile_decoder(self.expanded) if self.expanded else None


def compile_schema(name: str, expanded: Mapping[str, Any], version: int | None = None) -> LoadedSchema:
    """Parse an expanded schema once and compute its canonical form and fingerprint."""
    canonical = to_parsing_canonical_form(expanded)
    return LoadedSchema(
        name=name,
        # A fresh namespace of named types per schema: versions of one type must not collide.
        parsed=parse_schema(expanded, named_schemas={}),
        canonical=canonical,
        fingerprint=bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO")),
        expanded=expanded,
        version=version,
    )


def load_directory(directory: Path) -> dict[str, LoadedSchema]:
    """Every ``<namespace>.<name>.avsc`` in ``directory``, references to sibling files resolved."""
    loaded: dict[str, LoadedSchema] = {}
    for path in sorted(directory.glob("*.avsc")):
        try:
            # load_schema resolves references to other named types from sibling files.
            expanded = load_schema(path, _write_hint=False)
        except (SchemaParseException, UnknownType, ValueError, KeyError, OSError) as exc:
            raise SchemaError("schema.invalid", f"{path.name}: {exc}") from None
        name = full_name(expanded)
        if name != path.stem:
            raise SchemaError("schema.misnamed", f"{path.name} defines {name}; name the file {name}.avsc")
        loaded[name] = compile_schema(name, expanded)
    return loaded


def load_history(directory: Path) -> dict[str, list[LoadedSchema]]:
    """Published versions: ``<directory>/<full name>/v<N>.avsc``, each an expanded, standalone schema."""
    history: dict[str, list[LoadedSchema]] = {}
    if not directory.is_dir():
        return history
    for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
        versions = []
        for path in folder.glob("v*.avsc"):
            try:
                number = int(path.stem[1:])
                expanded = json.loads(path.read_text(encoding="utf-8"))
                versions.append(compile_schema(folder.name, expanded, number))
            except (ValueError, SchemaParseException, UnknownType) as exc:
                raise SchemaError("schema.invalid", f"history {folder.name}/{path.name}: {exc}") from None
        history[folder.name] = sorted(versions, key=lambda s: s.version or 0)
    return history


class SchemaCatalog:
    """All schemas of the project, current and published, indexed by full name and fingerprint.

    Files are named ``<namespace>.<name>.avsc``; published versions live in ``history/``. A message
    written with any published version decodes into the current schema of the same name.
    """

    def __init__(self, directory: Path = SCHEMA_DIR, history: Path | None = HISTORY_DIR) -> None:
        self.directory = directory
        self._by_name: dict[str, LoadedSchema] = {}
        self._by_fingerprint: dict[bytes, LoadedSchema] = {}
        self._versions: dict[str, list[LoadedSchema]] = {}
        published = load_history(history) if history is not None else {}
        for name, versions in published.items():
            self._versions[name] = versions
            for old in versions:
                self._by_fingerprint[old.fingerprint] = old
        for name, current in load_directory(directory).items():
            same = next((v for v in published.get(name, []) if v.fingerprint == current.fingerprint), None)
            if same is not None:
                current = compile_schema(name, current.expanded, same.version)
            self._by_name[name] = current
            # The current schema wins over a history entry with the same fingerprint: it has the docs.
            self._by_fingerprint[current.fingerprint] = current

    def get(self, name: str) -> LoadedSchema:
        """The current schema named ``name``; ``KeyError`` naming the known ones otherwise."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no schema named {name!r}; known: {', '.join(sorted(self._by_name))}") from None

    def by_fingerprint(self, fp: bytes) -> LoadedSchema | None:
        """The current or published schema with this CRC-64-AVRO fingerprint (wire byte order)."""
        return self._by_fingerprint.get(fp)

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def versions(self, name: str) -> list[LoadedSchema]:
        """Published versions of ``name``, oldest first (empty if it was never published)."""
        return list(self._versions.get(name, []))

    def __iter__(self) -> Iterator[LoadedSchema]:
        return iter(self._by_name[n] for n in self.names())


def full_name(schema: Mapping[str, Any]) -> str:
    """The full name of a named schema: its name qualified by its namespace."""
    name = str(schema.get("name", ""))
    namespace = schema.get("namespace")
    return name if "." in name or not namespace else f"{namespace}.{name}"


@functools.cache
def default_catalog() -> SchemaCatalog:
    """The catalog of the schemas shipped with the project, parsed once per process."""
    return SchemaCatalog()
