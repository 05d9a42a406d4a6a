"""The house shows its layers: imports point down (import-linter's contract in pyproject.toml)
and no two modules import each other, directly or in a circle."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import REPO

grimp = pytest.importorskip("grimp")


def test_the_layer_contract_is_kept():
    tool = shutil.which("lint-imports")
    if tool is None:
        pytest.skip("import-linter is not installed (test extra)")
    proc = subprocess.run([tool], cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def cycles(graph) -> list[list[str]]:
    """Every strongly connected set of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.find_modules_directly_imported_by(node):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_circles():
    graph = grimp.build_graph("loganalyzer", include_external_packages=False)
    # The package root re-exports the API lazily; it is the entry, not a layer.
    for module in list(graph.modules):
        if module == "loganalyzer":
            graph.remove_module(module)
    assert cycles(graph) == []
