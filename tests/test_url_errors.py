"""fsspec URLs that cannot be read (issue 13: B18, D29): one warning naming the URL and why,
exit 2 when nothing else was read, never a backend's traceback."""

from __future__ import annotations

import tarfile
import zipfile

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from tests.conftest import REPO

runner = CliRunner()
pytest.importorskip("fsspec")
LOG = REPO / "sample_logs" / "sosreport-compute-1" / "var" / "log" / "nova" / "nova-compute.log"


def unreadable(url: str, reason: str) -> None:
    result = runner.invoke(app, ["scan", url, "-q"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"loganalyzer: warning: {url}: cannot read: {reason}",
                                          f"loganalyzer: no input could be read: {url}"], \
        result.stderr


def test_zip_url_onto_a_tarball(tmp_path):
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(LOG, arcname="nova-compute.log")
    unreadable(f"zip://x::file://{archive}", "File is not a zip file (BadZipFile)")


def test_a_member_missing_from_a_zip_and_a_missing_memory_file(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(LOG, "nova-compute.log")
    unreadable(f"zip://missing.log::file://{archive}", "no such file or folder")
    unreadable("memory:///nowhere/nova-compute.log", "no such file or folder")
    found = runner.invoke(app, ["scan", f"zip://nova-compute.log::file://{archive}", "-q",
                                "-f", "json"])
    assert found.exit_code == 0, found.output
