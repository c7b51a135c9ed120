"""Compatibility verdicts per mode on hand-made changes, the `iprx schemas` commands, and the check of
the committed history that keeps an incompatible change from landing unnoticed."""

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from iprx.cli.main import DOCS_DIR, main
from iprx.schemas import default_catalog
from iprx.schemas.catalog import SCHEMA_DIR
from iprx.schemas.docs import render
from iprx.schemas.evolution import MODES, PROJECT_MODE, SchemaSet, check
from iprx.schemas.revisions import HistoryUnavailable, from_directory, from_git, is_shallow

REPO = Path(__file__).resolve().parents[2]


def record(*fields):
    return {"type": "record", "name": "R", "namespace": "t", "fields": list(fields)}


A = {"name": "a", "type": "string"}
B_INT = {"name": "b", "type": "int"}
B_INT_DEFAULT = {"name": "b", "type": "int", "default": 0}
B_LONG = {"name": "b", "type": "long"}
COLOUR = {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN"]}
COLOUR_DEFAULT = dict(COLOUR, default="RED")


def enum_field(enum):
    return {"name": "c", "type": enum}


# (change, old schema, new schema, the modes under which the change is compatible)
CHANGES = [
    ("add field with default", record(A), record(A, B_INT_DEFAULT), set(MODES)),
    ("add field without default", record(A), record(A, B_INT), {"FORWARD", "FORWARD_TRANSITIVE", "NONE"}),
    ("remove field with default", record(A, B_INT_DEFAULT), record(A), set(MODES)),
    ("remove field without default", record(A, B_INT), record(A), {"BACKWARD", "BACKWARD_TRANSITIVE", "NONE"}),
    ("promote int to long", record(A, B_INT), record(A, B_LONG), {"BACKWARD", "BACKWARD_TRANSITIVE", "NONE"}),
    ("narrow long to int", record(A, B_LONG), record(A, B_INT), {"FORWARD", "FORWARD_TRANSITIVE", "NONE"}),
    (
        "add enum symbol, no default",
        record(enum_field(COLOUR)),
        record(enum_field(dict(COLOUR, symbols=["RED", "GREEN", "BLUE"]))),
        {"BACKWARD", "BACKWARD_TRANSITIVE", "NONE"},
    ),
    (
        "add enum symbol, old readers have a default",
        record(enum_field(COLOUR_DEFAULT)),
        record(enum_field(dict(COLOUR_DEFAULT, symbols=["RED", "GREEN", "BLUE"]))),
        set(MODES),
    ),
    ("change string to int", record(A), record({"name": "a", "type": "int"}), {"NONE"}),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("change", "old", "new", "compatible_in"), CHANGES, ids=[c[0] for c in CHANGES])
def test_verdict_of_each_change_in_each_mode(change, old, new, compatible_in, mode):
    problems = check({"t.R": new}, [SchemaSet("v1", {"t.R": old})], mode)
    assert (not problems) == (mode in compatible_in), [str(p) for p in problems]


# v1 -> v2 -> v3 where v3 is compatible with v2 but not with v1.
TRANSITIVE_CASES = {
    # v3 drops b's default: it reads v2 data (which has b) but not v1 data (which lacks it).
    "BACKWARD": (record(A), record(A, B_INT_DEFAULT), record(A, B_INT)),
    # v3 drops b: v2 readers fill in their default, v1 readers have none.
    "FORWARD": (record(A, B_INT), record(A, B_INT_DEFAULT), record(A)),
}


@pytest.mark.parametrize("base", ["BACKWARD", "FORWARD", "FULL"])
def test_transitive_modes_check_every_earlier_version(base):
    v1, v2, v3 = TRANSITIVE_CASES["BACKWARD" if base == "FULL" else base]
    earlier = [SchemaSet("v1", {"t.R": v1}), SchemaSet("v2", {"t.R": v2})]
    if base != "FULL":
        assert check({"t.R": v3}, earlier, base) == []
    transitive = check({"t.R": v3}, earlier, f"{base}_TRANSITIVE")
    assert transitive and {p.against for p in transitive} == {"v1"}


def test_each_incompatible_change_names_its_field_path_and_reason():
    old = copy.deepcopy(default_catalog().get("iprx.seizure.SeizureRecorded").expanded)
    new = copy.deepcopy(old)
    new["fields"][0]["type"]["fields"].append({"name": "tenant", "type": "string"})  # header, no default
    exporter = next(f for f in new["fields"] if f["name"] == "exporter")
    party = exporter["type"][1]
    next(f for f in party["fields"] if f["name"] == "country")["type"] = "int"
    problems = check({"s.S": new}, [SchemaSet("v1", {"s.S": old})], "BACKWARD")
    found = {(p.path, p.kind) for p in problems}
    # Party is defined once and used by all three parties, so the change shows at each.
    assert found == {("header.tenant", "reader_field_missing_default_value")} | {
        (f"{party}.country", "missing_union_branch") for party in ("exporter", "consignee", "declarant")
    }
    text = "\n".join(map(str, problems))
    assert "s.S.header.tenant: field tenant is missing in the writer's data and has no default" in text
    assert "cannot read data written with v1" in text


def test_removing_a_schema_is_reported():
    problems = check({}, [SchemaSet("v1", {"t.R": record(A)})], "BACKWARD")
    assert [(p.schema, p.kind) for p in problems] == [("t.R", "schema_removed")]


def _git(cwd, *args):
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


@pytest.fixture
def schema_repo(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    folder = tmp_path / "repo" / "schemas" / "avro"
    folder.mkdir(parents=True)
    _git(folder.parents[1], "init", "-q")
    _git(folder.parents[1], "config", "user.email", "t@example.invalid")
    _git(folder.parents[1], "config", "user.name", "t")

    def commit(schema, message):
        (folder / "t.R.avsc").write_text(json.dumps(schema))
        _git(folder.parents[1], "add", "-A")
        _git(folder.parents[1], "commit", "-qm", message)

    return folder, commit


def test_git_history_is_read_per_commit(schema_repo):
    folder, commit = schema_repo
    commit(record(A), "v1")
    commit(record(A, B_INT_DEFAULT), "v2")
    assert [len(s.schemas) for s in from_git("HEAD", transitive=True, schema_dir=folder)] == [1, 1]
    assert len(from_git("HEAD", transitive=False, schema_dir=folder)) == 1
    now = {"t.R": record(A, B_INT)}  # drops b's default: fine against v2, not against v1
    assert check(now, from_git("HEAD", transitive=False, schema_dir=folder), "BACKWARD") == []
    problems = check(now, from_git("HEAD", transitive=True, schema_dir=folder), "BACKWARD_TRANSITIVE")
    assert [p.path for p in problems] == ["b"] and problems[0].against.startswith("HEAD@")
    with pytest.raises(HistoryUnavailable, match="unknown revision"):
        from_git("no-such-branch", transitive=False, schema_dir=folder)


def test_cli_check_against_a_directory(tmp_path, capsys):
    earlier = tmp_path / "earlier"
    shutil.copytree(SCHEMA_DIR, earlier)
    assert main(["schemas", "check", "--against", str(earlier)]) == 0
    signal = json.loads((earlier / "iprx.signal.Signal.avsc").read_text())
    signal["fields"].append({"name": "extra", "type": "string"})  # old readers need it, new data lacks it
    (earlier / "iprx.signal.Signal.avsc").write_text(json.dumps(signal))
    capsys.readouterr()
    assert main(["schemas", "check", "--against", str(earlier), "--mode", "FORWARD"]) == 1
    out, err = capsys.readouterr()
    assert "iprx.signal.Signal.extra: field extra is missing" in out
    assert "1 incompatible change(s) under FORWARD" in err
    assert main(["schemas", "check", "--against", str(earlier), "--mode", "BACKWARD"]) == 0
    with pytest.raises(HistoryUnavailable):
        from_directory(tmp_path / "empty")


def test_cli_reports_an_unknown_revision_as_an_error(capsys):
    assert main(["schemas", "check", "--against", "no-such-revision-xyz"]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_committed_history_is_compatible_with_the_tree():
    """Every version of the schemas ever committed must stay readable and able to read the tree's."""
    try:
        if is_shallow():
            pytest.skip("shallow clone: the earlier commits are not here; clone with full history to check")
        earlier = from_git("HEAD", transitive=True)
    except HistoryUnavailable as exc:
        pytest.skip(f"no git history to check against: {exc.reason}")
    current = {s.name: s.expanded for s in default_catalog()}
    problems = check(current, earlier, PROJECT_MODE)
    assert not problems, "\n".join(map(str, problems))


def test_show_prints_the_schema_and_its_fingerprint(capsys):
    assert main(["schemas", "show", "iprx.seizure.SeizureRecorded"]) == 0
    out = capsys.readouterr().out
    fp = default_catalog().get("iprx.seizure.SeizureRecorded").fingerprint.hex()
    assert f"CRC-64-AVRO fingerprint {fp}" in out
    assert json.loads(out[: out.index("\n# ")])["name"] == "iprx.seizure.SeizureRecorded"
    assert main(["schemas", "show", "iprx.nope.Nope"]) == 2


def test_committed_reference_docs_are_up_to_date():
    assert (DOCS_DIR / "schemas.md").read_text(encoding="utf-8") == render(default_catalog()), "run `iprx schemas docs`"
    text = (DOCS_DIR / "schemas.md").read_text(encoding="utf-8")
    for schema in default_catalog():
        assert f"### `{schema.name}`" in text
    assert "(docs/schemas.md)" in (REPO / "README.md").read_text(encoding="utf-8")
