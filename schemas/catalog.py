"""Loads the .avsc files under schemas/avro once and indexes them by name and fingerprint."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastavro import parse_schema
from fastavro.schema import fingerprint, load_schema, to_parsing_canonical_form

SCHEMA_DIR = Path(__file__).parent / "avro"


@dataclass(frozen=True)
class LoadedSchema:
    name: str
    parsed: Any  # fastavro's parsed form, ready for schemaless_reader/writer
    canonical: str  # Avro Parsing Canonical Form
    fingerprint: bytes  # CRC-64-AVRO of the canonical form, little-endian as on the wire


class SchemaCatalog:
    """All schemas of the project; files are named ``<namespace>.<name>.avsc``."""

    def __init__(self, directory: Path = SCHEMA_DIR) -> None:
        self._by_name: dict[str, LoadedSchema] = {}
        self._by_fingerprint: dict[bytes, LoadedSchema] = {}
        for path in sorted(directory.glob("*.avsc")):
            # load_schema resolves references to other named types from sibling files.
            expanded = load_schema(path, _write_hint=False)
            canonical = to_parsing_canonical_form(expanded)
            loaded = LoadedSchema(
                name=path.stem,
                parsed=parse_schema(expanded),
                canonical=canonical,
                fingerprint=bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO")),
            )
            self._by_name[loaded.name] = loaded
            self._by_fingerprint[loaded.fingerprint] = loaded

    def get(self, name: str) -> LoadedSchema:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no schema named {name!r}; known: {', '.join(sorted(self._by_name))}") from None

    def by_fingerprint(self, fp: bytes) -> LoadedSchema | None:
        return self._by_fingerprint.get(fp)

    def names(self) -> list[str]:
        return sorted(self._by_name)


@functools.cache
def default_catalog() -> SchemaCatalog:
    """The catalog of the schemas shipped with the project, parsed once per process."""
    return SchemaCatalog()
