"""Earlier versions of the schema tree, read from a directory or from git history."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

from iprx.schemas.catalog import SCHEMA_DIR, load_directory
from iprx.schemas.errors import SchemaError
from iprx.schemas.evolution import SchemaSet


class HistoryUnavailable(SchemaError):
    """The requested earlier version cannot be read (no git, unknown revision, shallow clone...)."""

    def __init__(self, reason: str) -> None:
        super().__init__("history.unavailable", reason)


def from_directory(path: Path) -> list[SchemaSet]:
    """The schemas in ``path``: a schemas/avro folder itself, or a checkout that contains one."""
    folder = path / "schemas" / "avro" if (path / "schemas" / "avro").is_dir() else path
    if not folder.is_dir() or not any(folder.glob("*.avsc")):
        raise HistoryUnavailable(f"{path} holds no .avsc files (neither directly nor under schemas/avro)")
    return [SchemaSet(str(path), {name: s.expanded for name, s in load_directory(folder).items()})]


def from_git(revision: str, transitive: bool, schema_dir: Path = SCHEMA_DIR) -> list[SchemaSet]:
    """The schemas at ``revision``, or with ``transitive`` at every commit up to it that changed them.

    Oldest first. A revision that has no schema directory contributes nothing.
    """
    top = Path(_git(schema_dir, "rev-parse", "--show-toplevel"))
    relative = schema_dir.resolve().relative_to(top.resolve()).as_posix()
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if transitive:
        commits = _git(top, "rev-list", "--reverse", commit, "--", relative).split()
        commits = commits or [commit]
    else:
        commits = [commit]
    sets = []
    for sha in commits:
        schemas = _schemas_at(top, sha, relative)
        if schemas:
            sets.append(SchemaSet(f"{revision}@{sha[:10]}" if sha != commit else f"{revision} ({sha[:10]})", schemas))
    return sets


def is_shallow(path: Path = SCHEMA_DIR) -> bool:
    """True in a shallow clone, where older commits are missing."""
    return _git(path, "rev-parse", "--is-shallow-repository") == "true"


def _schemas_at(top: Path, sha: str, relative: str) -> dict:
    try:
        archive = subprocess.run(
            ["git", "-C", str(top), "archive", "--format=tar", sha, "--", relative],
            check=True,
            capture_output=True,
        ).stdout
    except subprocess.CalledProcessError:
        return {}  # the directory does not exist at that commit
    with tempfile.TemporaryDirectory(prefix="iprx-schemas-") as tmp, tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp, filter="data")
        folder = Path(tmp) / relative
        try:
            return {name: s.expanded for name, s in load_directory(folder).items()}
        except SchemaError as exc:
            raise HistoryUnavailable(f"commit {sha[:10]}: {exc.reason}") from None


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise HistoryUnavailable("git is not installed") from None
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else f"exit {exc.returncode}"
        if args[:2] == ("rev-parse", "--verify"):
            detail = f"unknown revision {args[-1].removesuffix('^{commit}')!r}"
        raise HistoryUnavailable(f"git {args[0]}: {detail}") from None
    return done.stdout.strip()
