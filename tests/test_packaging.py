"""The distribution has a name of its own on the package index (``loganalyzer`` there is an
unrelated project); the import package and the command stay ``loganalyzer``."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO

NAME = "nova-loganalyzer"


def project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def test_the_distribution_is_not_named_after_someone_elses_project():
    meta = project()
    assert meta["name"] == NAME
    assert meta["scripts"] == {"loganalyzer": "loganalyzer.cli:main"}
    assert meta["optional-dependencies"]["all"] == [f"{NAME}[test,dask,images,zstd]"]


def test_every_install_line_names_the_distribution():
    lines = [line for line in (REPO / "README.md").read_text().splitlines()
             if "pip install" in line]
    assert lines
    for line in lines:
        for spec in re.findall(r"pip install (?:-e )?'?([\w.\-]+)(?:\[|'|\s|$)", line):
            assert spec in (NAME, ".", "s3fs", "-e"), line
    code = "".join(p.read_text() for p in (REPO / "loganalyzer").rglob("*.py"))
    assert "'loganalyzer[" not in code
