"""Golden files: ``migrations --format json`` of the sample logs and of several real logs,
committed under tests/golden/ and compared by test_golden.py (a change in any answer shows
as a readable diff of one migration's fields).

Regenerate after an intended change, and review the diff before committing:

    python -m tests.golden
"""

from __future__ import annotations

import json
import sys

from typer.testing import CliRunner

from loganalyzer.cli import app
from tests.conftest import REPO, shared_dir

GOLDEN = REPO / "tests" / "golden"
SAMPLES = REPO / "sample_logs"

# name -> (paths relative to sample_logs/ or real_logs/, extra arguments)
CASES: dict[str, tuple[str, list[str], list[str]]] = {
    "sample_logs": ("samples", ["."], ["--config", str(SAMPLES / "nova.conf")]),
    "rocky-timeout-abort": ("real", ["pastebin_3mxSVnRR_rocky_live-migration-timeout-abort.log"],
                            []),
    "juno-two-hosts": ("real", ["os-log-merger_juno_hp-ms-01-c29_nova-compute.log",
                                "os-log-merger_juno_hp-ms-01-c30_nova-compute.log"], []),
    "queens-post-copy": ("real", ["pastebin_cY82PP34_queens_post-copy-switch.log"], []),
    "queens-rocky-post-copy-failure": (
        "real", ["lamtov_queens-rocky_live-migration-postcopy-failure.log"], []),
    "ussuri-node": ("real", ["hotsos_ussuri_nova-compute.log.1"], []),
    "lp1860743-failure": ("real", ["hotsos_lp1860743_live-migration-failure.log"], []),
}


def paths_of(case: str) -> list[str] | None:
    """The case's input paths, or None when its folder is absent (no ../shared)."""
    kind, names, _ = CASES[case]
    if kind == "samples":
        return [str(SAMPLES / n) for n in names]
    shared = shared_dir()
    if shared is None:
        return None
    return [str(shared / "real_logs" / n) for n in names]


def relative(text: str) -> str:
    """Absolute paths made relative, so the files do not depend on the checkout's place."""
    shared = shared_dir()
    text = text.replace(str(SAMPLES) + "/", "sample_logs/")
    if shared is not None:
        text = text.replace(str(shared / "real_logs") + "/", "real_logs/")
    return text


def current(case: str) -> list[dict] | None:
    """The case's migrations as ``migrations --format json`` writes them now."""
    paths = paths_of(case)
    if paths is None:
        return None
    out = CliRunner().invoke(app, ["migrations", *paths, *CASES[case][2], "-q", "-f", "json",
                                   "--engine", "local"])
    if out.exit_code != 0:
        raise RuntimeError(f"{case}: exit {out.exit_code}: {out.output}")
    return json.loads(relative(out.stdout))["migrations"]


def write(case: str, migrations: list[dict]) -> None:
    """One migration a block, keys sorted, for diffs a person can read."""
    text = "[\n" + ",\n".join(json.dumps(m, indent=1, sort_keys=True) for m in migrations)
    (GOLDEN / f"{case}.json").write_text(text + "\n]\n", encoding="utf-8")


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for case in CASES:
        migrations = current(case)
        if migrations is None:
            print(f"{case}: skipped (no ../shared/real_logs)", file=sys.stderr)
            continue
        write(case, migrations)
        print(f"{case}: {len(migrations)} migrations")


if __name__ == "__main__":
    main()
