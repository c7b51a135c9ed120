"""Where the source checkout is, for the developer commands that write into it.

From an editable install this package's folder is ``<repo>/cli``; from a wheel it is
``site-packages/iprx/cli``, where there is no repository to write docs or schema history into.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def source_checkout() -> Path | None:
    """The repository root if ipr-exchange runs from its source checkout, else None (an installed wheel)."""
    return REPO_ROOT if (REPO_ROOT / "pyproject.toml").is_file() else None


def not_a_checkout(command: str) -> str:
    """The error for ``command`` run from an installed copy."""
    return (
        f"error: `{command}` writes into the source checkout, but ipr-exchange runs from an installed copy "
        f"({REPO_ROOT}); run it from a checkout (pip install --editable .)"
    )
