"""The report page in a real headless Chromium: the headline on the first screen naming exactly
the drifted hosts, deep links and Back, a keyboard-only path to a drill-down, nothing empty
(NaN/null/undefined) in any drill-down or hover, print at A4, dark mode, CSV download, no
network request and no console error."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from loganalyzer.api import settings_from
from loganalyzer.config.load import load_config
from loganalyzer.config.prediction import resolve_model
from loganalyzer.simulate.fleet import random_fleet
from tests.browser import page_for
from tests.conftest import REPO

EMPTY = re.compile(r"\b(NaN|null|undefined|None)\b")
FLEET = (10, 40, 0.3)  # hosts, migrations, drift fraction of `simulate --fleet`


def run_cli(*args: str, cwd: Path = REPO) -> str:
    proc = subprocess.run([sys.executable, "-m", "loganalyzer", *args], cwd=cwd,
                          capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """A simulated fleet with drifted hosts, and the hosts that drifted and show it (the
    source of at least one migration: a destination never logs the ramp)."""
    hosts_n, migrations_n, drift = FLEET
    out = tmp_path_factory.mktemp("fleet")
    run_cli("simulate", "--fleet", str(hosts_n), "--migrations", str(migrations_n), "--drift",
            str(drift), "--out", str(out))
    model = resolve_model(None, None, None)
    deployed = settings_from(load_config(model.release, [], [], {}))
    hosts, migrations = random_fleet(hosts_n, migrations_n, 0, drift, False, deployed)
    sources = {m.source for m in migrations}
    drifted = {h.name for h in hosts if h.boots[0][1] != deployed and h.name in sources}
    assert drifted and len(drifted) < hosts_n  # the fleet is a real test: some, not all
    return out, drifted, {h.name for h in hosts}


@pytest.fixture(scope="module")
def sample_page(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "sample.html"
    run_cli("report", "sample_logs", "--config", "sample_logs/nova.conf", "-o", str(out))
    return out


def clean(seen):
    assert not seen["console"], seen["console"]
    assert not seen["errors"], seen["errors"]
    assert not seen["network"], seen["network"]
    assert not seen["dialogs"], seen["dialogs"]


@pytest.mark.parametrize("with_config", [True, False], ids=["--config", "fleet-majority"])
def test_headline_names_exactly_the_drifted_hosts_on_the_first_screen(tmp_path, fleet,
                                                                      with_config):
    logs, drifted, all_hosts = fleet
    out = tmp_path / "fleet.html"
    config = ["--config", str(logs / "nova.conf")] if with_config else []
    run_cli("report", str(logs), *config, "-o", str(out))
    with page_for(str(out), width=1366, height=768) as (page, seen):
        box = page.locator("#headline").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768  # fully on the first screen
        text = page.inner_text("#headline")
        named = {h for h in all_hosts if re.search(rf"\b{re.escape(h)}\b", text)}
        assert named == drifted
        assert ("declared configuration" in text) == with_config
        assert ("majority" in text) == (not with_config)
        # the drift table shows the drifted hosts only, until asked for all
        shown = page.locator("#drift tbody tr:visible").all_inner_texts()
        assert {t.split()[0] for t in shown} == drifted
        page.check("#drift-all")
        assert page.locator("#drift tbody tr:visible").count() > len(drifted)
        clean(seen)


def test_unused_configuration_file_is_mentioned(sample_page):
    html = sample_page.read_text()
    assert "sample_logs/nova-drifted.conf" in html  # lies among the inputs, not given


def test_deep_links_back_and_focus(sample_page):
    with page_for(str(sample_page), "#m=5d1b2c3a") as (page, seen):
        # a prefix opens the instance's last migration (of two), in view
        assert page.is_visible("#drill")
        assert "migration 2 of 2" in page.inner_text("#drill-title")
        assert "compute-3 → compute-1" in page.inner_text("#drill-title")
        box = page.locator("#drill").bounding_box()
        assert box["y"] >= 0 and box["y"] < 1000 and box["x"] + box["width"] <= 1400
        page.click("#drill-close")
        assert page.is_hidden("#drill") and "m=" not in page.evaluate("location.hash")
        reopen(page, sample_page, "#m=5D1B2C3A&n=1")
        assert "migration 1 of 2" in page.inner_text("#drill-title")
        assert "compute-1 → compute-2" in page.inner_text("#drill-title")
        reopen(page, sample_page, "#host=compute-4")
        assert page.input_value("#filter-host") == "compute-4"
        assert page.locator("#migrations-body tr").count() == 2
        assert "2 of 7" in page.inner_text("#migrations-count")
        # the address follows what is open, and Back closes it again
        page.locator("#migrations-body tr button.open").first.click()
        assert page.is_visible("#drill")
        hash_open = page.evaluate("location.hash")
        assert "host=compute-4" in hash_open and re.search(r"m=[0-9a-f-]{36}&n=1", hash_open)
        page.go_back()
        page.wait_for_function("document.getElementById('drill').hidden")
        assert page.evaluate("location.hash") == "#host=compute-4"
        page.go_forward()
        page.wait_for_function("!document.getElementById('drill').hidden")
        # a filter change is written to the address too
        page.keyboard.press("Escape")
        page.select_option("#filter-outcome", "completed")
        assert "outcome=completed" in page.evaluate("location.hash")
        # an instance nobody migrated says so instead of opening something else
        page.evaluate("location.hash = '#m=ffffffff'")
        page.wait_for_function("document.getElementById('migrations-count').textContent"
                               ".includes('No migration')")
        assert page.is_hidden("#drill")
        clean(seen)


def reopen(page, path, hash):
    """Load the report afresh at ``hash`` in the same browser."""
    page.goto("about:blank")
    page.goto(f"file://{path}{hash}")
    page.wait_for_load_state("load")


def test_keyboard_only_path_to_a_drill_down(sample_page):
    with page_for(str(sample_page)) as (page, seen):
        presses = 0
        while not page.evaluate("document.activeElement.classList.contains('open')"):
            presses += 1
            assert presses < 40, "Tab did not reach a migration row (toolbars in the way?)"
            page.keyboard.press("Tab")
        row = page.evaluate("document.activeElement.closest('tr').dataset.index")
        page.keyboard.press("Enter")
        assert page.is_visible("#drill")
        assert page.evaluate("document.activeElement.id") == "drill-title"
        page.keyboard.press("Escape")
        assert page.is_hidden("#drill")
        assert page.evaluate("document.activeElement.closest('tr').dataset.index") == row
        # sort headers are buttons: reachable and announced
        page.focus("th[data-sort='outcome'] button")
        page.keyboard.press("Enter")
        assert page.get_attribute("th[data-sort='outcome']", "aria-sort") == "ascending"
        clean(seen)


PLOTLY_TEXT = """id => {
  const div = document.getElementById(id);
  const out = [];
  (div.data || []).forEach(t => {
    [t.name, t.hovertemplate].forEach(v => { if (v) out.push(String(v)); });
    [t.hovertext, t.text].forEach(v => { if (Array.isArray(v)) v.forEach(x => out.push(String(x)));
                                         else if (v) out.push(String(v)); });
  });
  ((div.layout || {}).annotations || []).forEach(a => out.push(String(a.text)));
  out.push(String(((div.layout || {}).title || {}).text));
  return out.join("\\n");
}"""


def every_drill_down_is_filled(path: str) -> int:
    """Open every migration by its link; no NaN/null/undefined in the panel, its chart's
    hovers and labels, or the fleet charts' hovers."""
    opened = 0
    with page_for(path) as (page, seen):
        for chart in ("chart-timeline", "chart-durations", "chart-final-downtime"):
            assert not EMPTY.search(page.evaluate(PLOTLY_TEXT, chart))
        assert not EMPTY.search(page.inner_text("body"))
        total = page.evaluate("window.__report.rows()")
        for index in range(total):
            page.evaluate("i => window.__report.open(i)", index)
            page.wait_for_selector("#drill-chart svg")
            text = page.inner_text("#drill")
            assert not EMPTY.search(text), (index, EMPTY.search(text))
            assert not EMPTY.search(page.evaluate(PLOTLY_TEXT, "drill-chart")), index
            opened += 1
        clean(seen)
    return opened


def test_no_empty_value_in_any_sample_drill_down(sample_page):
    assert every_drill_down_is_filled(str(sample_page)) == 7


def test_no_empty_value_in_any_real_log_drill_down(tmp_path, real_logs):
    out = tmp_path / "real.html"
    run_cli("report", str(real_logs), "-o", str(out))
    assert every_drill_down_is_filled(str(out)) > 0


def test_print_is_a4_portrait_without_toolbars(sample_page, tmp_path):
    with page_for(str(sample_page), "#m=c381e88f", width=794, height=1123) as (page, seen):
        page.emulate_media(media="print")
        for selector in (".filters", ".pager", "#drill-close", "#csv"):
            assert page.is_hidden(selector), selector
        assert page.evaluate("Array.from(document.querySelectorAll('.modebar'))"
                             ".every(m => getComputedStyle(m).display === 'none')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 794
        for table in ("#migrations", "#drift", "#drill-log"):
            assert page.locator(table).bounding_box()["width"] <= 794, table
        # the open drill-down prints expanded, in the flow of the page
        assert page.evaluate("getComputedStyle(document.getElementById('drill')).position") \
            == "static"
        pdf = page.pdf(format="A4")
        assert pdf[:5] == b"%PDF-"
        clean(seen)


def luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


TEXT_CLASSES = ("outcome-completed", "outcome-cancelled", "outcome-failed", "outcome-unknown",
                "verdict-match", "verdict-mismatch", "muted")


def test_colours_follow_the_scheme_with_enough_contrast(sample_page):
    with page_for(str(sample_page)) as (page, seen):
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            background = page.evaluate(
                "getComputedStyle(document.documentElement).backgroundColor")
            assert (luminance(background) < 0.05) == (scheme == "dark")
            for cls in TEXT_CLASSES:
                colour = page.evaluate("c => { const s = document.createElement('span'); "
                                       "s.className = c; document.body.appendChild(s); "
                                       "return getComputedStyle(s).color; }", cls)
                assert contrast(colour, background) >= 4.5, (scheme, cls, colour, background)
            link = page.evaluate("getComputedStyle(document.querySelector('#headline a')).color")
            assert contrast(link, background) >= 4.5
            # the charts are redrawn in the scheme's colours
            page.wait_for_function("c => getComputedStyle(document.querySelector("
                                   "'#chart-timeline .gtitle')).fill === c",
                                   arg=page.evaluate("getComputedStyle(document.body).color"))
        clean(seen)


def test_1366_wide_without_horizontal_scroll_verdict_visible(sample_page):
    with page_for(str(sample_page), width=1366, height=768) as (page, seen):
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        box = page.locator("th[data-sort='ramp_verdict']").bounding_box()
        assert box["x"] + box["width"] <= 1366
        clean(seen)


def test_csv_download_of_the_filtered_table(sample_page):
    with page_for(str(sample_page), "#outcome=cancelled", downloads=True) as (page, seen):
        with page.expect_download() as info:
            page.click("#csv")
        text = Path(info.value.path()).read_text()
        lines = text.strip().splitlines()
        assert lines[0].startswith("instance,n,source_host")
        assert len(lines) == 2 and ",cancelled," in lines[1] and "libvirtError" in lines[1]
        clean(seen)


def test_clicking_chart_elements_opens_their_migration(sample_page):
    with page_for(str(sample_page)) as (page, seen):
        # the timeline's start markers, in start order: the first opens the first migration
        point = page.locator("#chart-timeline .scatterlayer .trace:last-child .point").first
        point.scroll_into_view_if_needed()
        box = point.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("!document.getElementById('drill').hidden")
        assert "m=" in page.evaluate("location.hash")
        page.keyboard.press("Escape")
        # the top bar of the downtime chart: the migration with that host's highest value
        bar = page.locator("#chart-final-downtime .barlayer .point").last
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
        page.wait_for_function("!document.getElementById('drill').hidden")
        assert "compute-4" in page.inner_text("#drill-title")
        clean(seen)


def test_a_duration_bin_filters_the_table_and_the_address(sample_page):
    with page_for(str(sample_page)) as (page, seen):
        bar = page.locator("#chart-durations .barlayer .trace:first-child .point").last
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
        # the longest completed bin (10^2.7–10^2.8 s) holds 502, 615 and 616 s: it filters to
        # that range, which also holds the cancelled 601 s migration
        page.wait_for_function("!document.getElementById('filter-dur').hidden")
        assert page.locator("#migrations-body tr").count() == 4
        assert "dur=501.754-616.256" in page.evaluate("location.hash")
        assert "502–616 s" in page.inner_text("#filter-dur")
        assert page.is_hidden("#drill")
        page.click("#filter-dur")
        assert page.locator("#migrations-body tr").count() == 7
        clean(seen)
