"""Records published schema versions under schemas/history so old messages stay decodable."""

from __future__ import annotations

import json
from pathlib import Path

from iprx.schemas.catalog import HISTORY_DIR, SCHEMA_DIR, load_directory, load_history


def snapshot(directory: Path = SCHEMA_DIR, history: Path = HISTORY_DIR) -> list[tuple[str, int]]:
    """Write ``history/<name>/v<N+1>.avsc`` for every schema whose canonical form is not published yet.

    Returns the (name, version) pairs written. Idempotent: an unchanged tree writes nothing.
    """
    published = load_history(history)
    written = []
    for name, current in load_directory(directory).items():
        versions = published.get(name, [])
        if any(v.fingerprint == current.fingerprint for v in versions):
            continue
        number = (versions[-1].version or 0) + 1 if versions else 1
        target = history / name / f"v{number}.avsc"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(current.expanded, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append((name, number))
    return written
