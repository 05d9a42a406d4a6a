"""JSON output: indented when small, one list element a line when a list is long; always
the same data."""

from __future__ import annotations

import io
import json

from loganalyzer.output.common import LONG_LIST, write_json


def written(data) -> str:
    out = io.StringIO()
    write_json(data, out)
    return out.getvalue()


def test_small_documents_are_indented():
    data = {"ok": True, "failing": [{"a": 1}], "text": "<é>"}
    text = written(data)
    assert json.loads(text) == data
    assert '\n  "failing": [\n    {\n      "a": 1' in text and "<é>" in text


def test_long_lists_are_one_element_a_line():
    rows = [{"instance": f"vm-{i}", "steps": [[0, 50], [150, 95]], "note": None}
            for i in range(LONG_LIST + 1)]
    data = {"migrations": rows, "warnings": ["a", "b"], "empty": []}
    text = written(data)
    assert json.loads(text) == data
    lines = text.splitlines()
    assert sum(line.startswith('  {"instance": "vm-') for line in lines) == len(rows)
    assert json.loads(written(rows)) == rows
