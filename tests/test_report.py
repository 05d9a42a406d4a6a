"""The HTML report: embedded data, escaping, size at fleet scale, and a real browser."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from loganalyzer.analysis.migrations import Declared, Options, analyse
from loganalyzer.cli import app
from loganalyzer.logs.read import collect
from loganalyzer.output.migrations_out import public
from loganalyzer.report.data import (
    PAGE_KEYS,
    compact,
    expand,
    pack,
    pack_logs,
    page_row,
    script_json,
    unpack,
)
from loganalyzer.report.render import build_page, write
from tests.browser import hover_text, page_for
from tests.conftest import REPO
from tests.scenarios import VM1, host_logs, script

runner = CliRunner()
HOSTILE = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


@pytest.fixture(scope="module")
def sample():
    events = collect([str(REPO / "sample_logs")])
    rows = analyse(events.records(), Options(declared=Declared(
        files=[str(REPO / "sample_logs" / "nova.conf")])))
    return rows, events


def test_embedded_data_is_the_migrations_contract(sample):
    rows, _ = sample
    packed = json.loads(json.dumps(compact(pack(rows)), default=str))
    unpacked = unpack(expand(packed))
    assert [{k: v for k, v in r.items() if k not in PAGE_KEYS} for r in unpacked] == \
        json.loads(json.dumps([public(r) for r in rows], default=str))
    # what the page adds: the duration (whole here), the error class, both hosts' log lines
    assert all(r["duration"]["whole"] for r in unpacked)
    cancelled = next(r for r in unpacked if r["outcome"] == "cancelled")
    original = next(r for r in rows if r["outcome"] == "cancelled")
    assert cancelled["error_class"] == original["error_class"] == "timeout"  # the analysis's
    logs = pack_logs(rows)
    both = next(i for i, r in enumerate(unpacked) if r["switchover"])  # both hosts' lines
    assert {unpacked[both]["source_host"], unpacked[both]["dest_host"]} <= {
        logs["hosts"][line[1]] for line in logs["lines"][both]}
    assert all(logs["files"][line[5]] and isinstance(line[6], int) for lines in logs["lines"]
               for line in lines if line[0] is not None)  # every log line says file:line
    longest = max(logs["lines"], key=len)  # repeated monitor lines: first and last few, said
    assert any("more 'progress' lines not embedded" in line[4] for line in longest)
    few = pack_logs(rows, budget=1)  # over the budget: migrations that need action first
    assert few["left_out"] == len(rows) - 1
    kept = next(i for i, lines in enumerate(few["lines"]) if lines is not None)
    assert unpacked[kept]["outcome"] == "cancelled" or unpacked[kept]["ramp_verdict"] == \
        "mismatch"
    assert len(expand(packed)["ramps"]) < len(rows)  # shared ramps stored once
    assert len(json.dumps(packed)) < 0.6 * len(json.dumps([page_row(r) for r in rows],
                                                          default=str))



@pytest.mark.parametrize("value", [
    [], {}, "~s", {"~s": "not a reference", "x": 1}, [{"a": 1}, {"a": 2, "b": 3}],
    [{"a": "repeated long text", "b": None}, {"a": "repeated long text", "b": [1, {"c": 2}]}],
    {"list": [[1, 2], [3]], "text": "x" * 40, "again": "x" * 40},
    ["~d", 0, 1], ["~l"], [["~s", 1]], {"a": {"b": {"c": ["~x"]}}}, [{"~c": 1}],
])
def test_compact_round_trip(value):
    assert expand(json.loads(json.dumps(compact(value)))) == value


def test_script_json_cannot_close_its_element():
    text = script_json({"error": HOSTILE, "line": "a\u2028b", "amp": "x&y"})
    assert "</" not in text and "<" not in text and "\u2028" not in text
    assert json.loads(text) == {"error": HOSTILE, "line": "a\u2028b", "amp": "x&y"}


def hostile_logs(tmp_path):
    """A migration whose failure text and host name carry markup."""
    s = script(instance=VM1, converge=None, duration=400, failure=HOSTILE,
               source_host="evil<b>host</b>")
    s.converge_at = 300.0
    from loganalyzer.simulate.narrate import narrate

    for host, text in host_logs([(s, narrate(s))], debug=False).items():
        folder = tmp_path / "logs" / re.sub(r"[^\w-]", "_", host)
        folder.mkdir(parents=True)
        (folder / "nova-compute.log").write_text(text)
    return str(tmp_path / "logs")


def test_report_command_and_escaping(tmp_path):
    logs = hostile_logs(tmp_path)
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", logs, "--host", f"{logs}/evil_b_host__b_=evil<b>",
                                 "-o", str(out), "--title", "Review <i>42</i>"])
    assert result.exit_code == 0, result.output
    assert f"{out}: 1 migrations (failed 1)" in result.stdout
    html = out.read_text()
    assert HOSTILE not in html and "<img src=x" not in html
    assert "Review &lt;i&gt;42&lt;/i&gt;" in html
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=", html, re.I)
    assert html.count("<script") == 4  # data, meta, plotly.js once, the page's script
    assert "Content-Security-Policy" in html

    with page_for(str(out)) as (page, seen):
        assert page.evaluate("window.__pwned") is None
        page.click("#migrations-body tr")
        page.wait_for_selector("#drill-chart svg")
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert HOSTILE in page.inner_text("#drill-title")  # shown as text
        assert HOSTILE in page.inner_text("#drill-log-body")
        assert "evil<b> → " in page.inner_text("#migrations-body")  # the --host name, as text
        page.keyboard.press("Escape")
        page.check("#drift-all")  # a host link carries the name intact through the address
        page.click("#drift a[href^='#host=evil']")
        assert page.input_value("#filter-host") == "evil<b>"
        hover = hover_text(page, "#chart-timeline")
        assert "evil<b>" in hover and "undefined" not in hover and "NaN" not in hover
        assert page.evaluate("window.__pwned") is None
        assert not seen["dialogs"] and not seen["errors"] and not seen["network"]


def test_sample_report_in_a_browser(tmp_path, sample):
    rows, events = sample
    html, _ = build_page(rows, events, "sample", None, "test")
    path = tmp_path / "sample.html"
    write(str(path), html)
    with page_for(str(path)) as (page, seen):
        charts = page.evaluate("Array.from(document.querySelectorAll('.charts .chart'))"
                               ".map(d => d.querySelectorAll('svg').length)")
        assert len(charts) == 3 and all(n > 0 for n in charts)
        rows_all = page.locator("#migrations-body tr").count()
        assert rows_all == len(rows) == 7
        page.select_option("#filter-outcome", "cancelled")
        assert page.locator("#migrations-body tr").count() == 1
        page.select_option("#filter-outcome", "")
        page.select_option("#filter-verdict", "mismatch")
        assert page.locator("#migrations-body tr").count() == 2
        page.select_option("#filter-verdict", "")
        page.fill("#filter-search", "5d1b2c3a")
        assert page.locator("#migrations-body tr").count() == 2
        page.fill("#filter-search", "")
        page.click("th[data-sort='duration'] button")
        assert page.get_attribute("th[data-sort='duration']", "aria-sort") == "ascending"
        first = page.locator("#migrations-body tr").first.locator("td").nth(3).inner_text()
        assert float(first) == round(min(r["duration_s"] for r in rows), 1)
        page.click("th[data-sort='duration'] button")
        assert page.get_attribute("th[data-sort='duration']", "aria-sort") == "descending"
        assert page.is_hidden("#drill")
        page.select_option("#filter-verdict", "mismatch")
        page.locator("#migrations-body tr").first.click()
        page.wait_for_selector("#drill-chart svg")
        assert page.locator("#drill-findings li").count() > 0
        assert page.evaluate("document.querySelector('#drill-chart .modebar') === null || "
                             "!document.querySelector('#drill-chart [data-title*=\"Cloud\"]')")
        assert not seen["console"] and not seen["errors"] and not seen["network"]


def test_fleet_size_report_stays_small(tmp_path, sample):
    rows, events = sample
    many = []
    base = [public(r) for r in rows]
    for i in range(10_000):
        row = copy.deepcopy(base[i % len(base)])
        row["instance"] = f"{i:08x}-0000-4000-8000-000000000000"
        many.append(row)
    html, _ = build_page(many, events, "fleet", None, "test")
    assert len(html.encode()) < 15 * 1024 * 1024
    path = tmp_path / "fleet.html"
    write(str(path), html)
    with page_for(str(path)) as (page, seen):
        assert "10000 of 10000 migrations" in page.inner_text("#migrations-count")
        assert page.locator("#migrations-body tr").count() == 50  # paged, never cut
        pages = int(re.search(r"of (\d+)\)", page.inner_text("#page-info")).group(1))
        assert pages == 200
        page.evaluate("n => { for (let i = 0; i < n; i++) "
                      "document.getElementById('page-next').click(); }", pages - 1)
        assert "rows 9951–10000 of 10000" in page.inner_text("#page-info")
        assert not seen["errors"]


def test_committed_sample_report_is_what_the_readme_command_writes(tmp_path):
    """README: `loganalyzer report sample_logs --config sample_logs/nova.conf -o
    reports/sample.html` run from the repository reproduces the committed file."""
    out = tmp_path / "sample.html"
    proc = subprocess.run(
        [sys.executable, "-m", "loganalyzer", "report", "sample_logs", "--config",
         "sample_logs/nova.conf", "-o", str(out)], cwd=REPO, capture_output=True, text=True,
        check=False)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == (REPO / "reports" / "sample.html").read_bytes()


def test_png_export(tmp_path, sample):
    pytest.importorskip("kaleido")
    from tests.browser import chromium_path

    if chromium_path() is None:
        pytest.skip("no Chromium for kaleido")
    os.environ.setdefault("BROWSER_PATH", chromium_path() or "")
    result = runner.invoke(app, ["report", str(REPO / "sample_logs"), "-o",
                                 str(tmp_path / "r.html"), "--png", str(tmp_path / "png")])
    assert result.exit_code == 0, result.output
    pngs = sorted(os.listdir(tmp_path / "png"))
    assert pngs == ["durations.png", "final-downtime.png", "timeline.png"]
    for name in pngs:
        assert (tmp_path / "png" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
