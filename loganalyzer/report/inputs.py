"""What the report says about its inputs beyond the logs read: configuration files lying in
the input folders that the analysis did not use (a ``nova.conf`` next to the logs is easy to
forget to pass with ``--config``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

CONFIG_NAME = re.compile(r"\.conf$|^nova[\w.-]*\.conf(?:\.\w+)?$")
MAX_ENTRIES = 20_000  # a walk this long is cut short (and said)
HEAD_BYTES = 65_536


def _root(paths: Sequence[str]) -> str | None:
    on_disk = [os.path.dirname(p) or "." for p in paths if p and os.path.isfile(p)]
    if not on_disk:
        return None
    if any(os.path.isabs(p) for p in on_disk):  # said as given: relative stays relative
        on_disk = [os.path.abspath(p) for p in on_disk]
    return os.path.commonpath(on_disk) or "."


def _is_nova_conf(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return False
    return b"[libvirt]" in head or b"live_migration" in head or b"compute_driver" in head


def unused_configs(files: Iterable[Any], used: Iterable[str], top: str | None = None,
                   ) -> dict[str, Any]:
    """nova configuration files under the folder holding all the logs read (``top``: that
    folder, found from ``files``) that are not among ``used``."""
    paths = [getattr(f, "path", None) or (f.get("path") if isinstance(f, Mapping) else None)
             for f in files]
    root = top or _root([p for p in paths if p])
    if root is None:
        return {"root": None, "files": [], "cut": False}
    used_real = {os.path.realpath(u) for u in used if u and os.path.exists(u)}
    found, entries, cut = [], 0, False
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        entries += len(names) + len(dirs)
        if entries > MAX_ENTRIES:
            cut = True
            break
        for name in sorted(names):
            path = os.path.join(folder, name)
            if CONFIG_NAME.search(name) and os.path.realpath(path) not in used_real \
                    and _is_nova_conf(path):
                found.append(path)
    return {"root": root, "files": found, "cut": cut}


def used_configs(rows: Iterable[Mapping[str, Any]], sources: str) -> list[str]:
    """The configuration files the analysis took values from, and those named in
    ``sources`` (the report's "declared: a, b" sentence)."""
    used = {s.strip() for s in sources.removeprefix("declared:").split(",")}
    for row in rows:
        for setting in (row.get("config") or {}).values():
            source = (setting or {}).get("source")
            if source:
                used.add(str(source))
    return sorted(u for u in used if u and os.path.exists(u))
