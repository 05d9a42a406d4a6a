"""Finding codes live in one registry (findings.CODES): nothing emits a code missing there, the
README lists every code, and a code's registered severity is the one it is emitted with."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.findings import CODES, SEVERITIES, markdown_table
from tests.conftest import REPO

LITERAL = re.compile(r'Finding\(\s*"([a-z0-9-]+)",\s*"(info|warning|error)"')


def test_every_code_in_the_source_is_registered_with_its_severity():
    seen = {}
    for path in (REPO / "loganalyzer").rglob("*.py"):
        for code, severity in LITERAL.findall(path.read_text()):
            seen[code] = severity
            assert code in CODES, f"{path.name}: {code} is not in findings.CODES"
    assert len(seen) >= 20  # the pattern still finds the emitting calls
    assert all(c.severity in SEVERITIES for c in CODES.values())


def test_codes_emitted_on_the_samples_are_registered():
    samples = str(REPO / "sample_logs")
    out = CliRunner().invoke(app, ["migrations", samples, "--config",
                                   f"{samples}/nova-drifted.conf", "-q", "-f", "json"])
    emitted = {f["code"] for m in json.loads(out.stdout)["migrations"] for f in m["findings"]}
    assert emitted and emitted <= set(CODES)


def test_readme_holds_the_registry_table():
    text = (REPO / "README.md").read_text()
    missing = [code for code in CODES if f"`{code}`" not in text]
    assert not missing, f"README's finding-code table lacks {missing}"
    assert markdown_table() in text, "README's table differs from findings.markdown_table()"
