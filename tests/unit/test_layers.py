"""The layering of iprx/__init__.py holds: no import runs upward, the libraries never import each other.

An AST walk over every module (function-local imports included, so a lazy import cannot hide an
upward dependency) and the package list of pyproject.toml, which a wheel is built from.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Layer of each subpackage of `iprx` (its folder in the repository); a module may import its own
# layer's package and lower layers only. Packages of one layer do not import each other.
LAYERS: dict[str, int] = {
    "schemas": 0,
    "kernel": 1,
    "producers": 2,
    "stream_processors": 2,
    "sinks": 2,
    "pipeline": 3,
    "simulation": 4,
    "bench": 5,
    "cli": 6,
}
ROOT_MODULES = {"iprx/__init__.py", "iprx/__main__.py"}  # the import root: may start the command line


def _imports(path: Path) -> set[str]:
    """Every ``iprx.<package>`` that the module at ``path`` imports, anywhere in its body."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "iprx" and len(parts) > 1 and parts[1] in LAYERS:
                found.add(parts[1])
            elif parts[0] in LAYERS:  # the pre-v2 top-level names must not come back
                found.add(f"top-level {parts[0]}")
    return found


def _modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_imports_only_run_downward(package: str) -> None:
    violations = []
    for path in _modules(package):
        for target in _imports(path):
            if target.startswith("top-level") or (target != package and LAYERS[target] >= LAYERS[package]):
                violations.append(f"{path.relative_to(REPO)} imports iprx.{target}")
    assert not violations, "imports against the layering:\n" + "\n".join(violations)


def test_the_walk_sees_lazy_and_upward_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from iprx.cli.main import main\n    import iprx.sinks.runner\n")
    assert _imports(module) == {"cli", "sinks"}


def test_the_root_package_only_starts_the_command_line() -> None:
    for path in (REPO / "iprx").rglob("*.py"):
        assert str(path.relative_to(REPO)) in ROOT_MODULES
    assert _imports(REPO / "iprx" / "__main__.py") == {"cli"}


def test_every_package_folder_is_in_the_distribution() -> None:
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    mapping = setuptools["package-dir"]
    assert set(mapping) == {"iprx", "iprx.deploy", *(f"iprx.{p}" for p in LAYERS)}
    assert all(mapping[f"iprx.{p}"] == p for p in LAYERS)
    expected = {"iprx", "iprx.deploy"}
    for package in LAYERS:
        for init in (REPO / package).rglob("__init__.py"):
            expected.add(".".join(["iprx", *init.parent.relative_to(REPO).parts]))
    assert set(setuptools["packages"]) == expected
