"""Developer commands that write into the source checkout refuse, with one line, from an installed copy."""

import pytest
from iprx.cli import main as cli
from iprx.cli.checkout import REPO_ROOT, source_checkout


def test_this_test_run_is_a_source_checkout():
    assert source_checkout() == REPO_ROOT
    assert (REPO_ROOT / "docs" / "schemas.md").is_file()


@pytest.fixture
def installed(monkeypatch):
    """Behave as a wheel does: no repository around the package."""
    monkeypatch.setattr(cli, "source_checkout", lambda: None)


@pytest.mark.parametrize("command", [["schemas", "docs"], ["schemas", "docs", "--check"], ["schemas", "snapshot"]])
def test_writing_commands_fail_clearly_outside_a_checkout(installed, command, capsys):
    assert cli.main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: `iprx {' '.join(command[:2])}` writes into the source checkout")
    assert "Traceback" not in err


def test_docs_to_an_explicit_file_works_outside_a_checkout(installed, tmp_path, capsys):
    target = tmp_path / "schemas.md"
    assert cli.main(["schemas", "docs", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == (cli.DOCS_DIR / "schemas.md").read_text(encoding="utf-8")
    assert cli.main(["schemas", "docs", "--output", "-"]) == 0
    assert "### `iprx.seizure.SeizureRecorded`" in capsys.readouterr().out
