"""deploy/Dockerfile builds the same distribution as pyproject.toml describes."""

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_dockerfile_copies_every_folder_the_build_packages():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    folders = set(project["tool"]["setuptools"]["package-dir"].values())
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    copied = {src for line in re.findall(r"^COPY (.+)$", dockerfile, re.MULTILINE) for src in line.split()[:-1]}
    assert folders - copied == set(), "deploy/Dockerfile must COPY these package folders"
    assert {"pyproject.toml", "constraints.txt", project["project"]["readme"]} <= copied
