"""Following the systemd journal: ``journalctl --follow --output json`` (optionally
``--unit``s, or ``--file``s such as the ones systemd-journal-remote writes), its records
scanned as the journald JSON every other command reads. The cursor of the last record read
is kept in the state, and a restart resumes ``--after-cursor`` it.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from loganalyzer.watch.follow import Chunk, Tracked

BATCH_LINES = 20_000  # records scanned as one chunk at most
RESTART_AFTER_S = 5.0  # journalctl exited: started again after this long


class JournalFollower:
    """``journalctl -f -o json`` in a child process, read by a thread into a queue."""

    def __init__(self, units: Sequence[str], files: Sequence[str], start_at: str,
                 follow: bool = True) -> None:
        self.units = list(units)
        self.files = list(files)
        self.start_at = start_at
        self.follow = follow  # False (--once): read to the journal's end, then stop
        self.exhausted = False
        self.failed = False  # journalctl missing, not started, or ended with an error
        self.cursor: str | None = None
        name = self.files[0] if len(self.files) == 1 else "journal" + (
            ":" + ",".join(self.units) if self.units else "")
        self.tracked = Tracked(name, 0, 0, host=None, host_source="journal")
        self.proc: subprocess.Popen[bytes] | None = None
        self.lines: queue.Queue[bytes | None] = queue.Queue(maxsize=100_000)
        self.warnings: list[str] = []
        self._stopped_at: float | None = None
        self._reader: threading.Thread | None = None

    def to_json(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "lines": self.tracked.lines}

    def restore(self, data: dict[str, Any]) -> None:
        cursor = data.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise TypeError(f"cursor: {cursor!r}")
        self.cursor = cursor
        self.tracked.lines = int(data.get("lines") or 0)

    def command(self) -> list[str]:
        tool = shutil.which("journalctl") or "journalctl"
        args = [tool, *(["--follow"] if self.follow else []), "--output", "json",
                "--no-pager", "--quiet"]
        for unit in self.units:
            args += ["--unit", unit]
        for path in self.files:  # a folder of journals (journal-remote's), or one file
            args += ["--directory" if os.path.isdir(path) else "--file", path]
        if self.cursor:
            args += ["--after-cursor", self.cursor]
        else:
            args += ["--lines", "all" if self.start_at == "beginning" or not self.follow
                     else "0"]
        return args

    def start(self) -> None:
        if shutil.which("journalctl") is None:
            self.warnings.append("--journal: journalctl is not installed (Debian/Ubuntu "
                                 "package systemd); the journal is not followed")
            self.exhausted = self.failed = True
            return
        try:
            self.proc = subprocess.Popen(self.command(), stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        except OSError as exc:
            self.warnings.append(f"--journal: journalctl cannot be started: {exc.strerror}")
            self.exhausted = self.failed = True
            return
        self._reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True)
        self._reader.start()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.put(line)
        self.lines.put(None)  # the end of this journalctl

    def poll(self) -> Iterator[Chunk]:
        """The records journalctl printed since the last poll."""
        batch: list[bytes] = []
        ended = False
        while len(batch) < BATCH_LINES:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is None:
                ended = True
                break
            batch.append(line if line.endswith(b"\n") else line + b"\n")
        if batch:
            self._remember_cursor(batch[-1])
            first = self.tracked.lines
            self.tracked.lines += len(batch)
            yield Chunk(self.tracked, b"".join(batch), first)
        if ended:
            self._ended()
        if self.proc is None and self._stopped_at is not None and \
                time.monotonic() - self._stopped_at >= RESTART_AFTER_S:
            self._stopped_at = None
            self.start()

    def _remember_cursor(self, line: bytes) -> None:
        try:
            cursor = json.loads(line).get("__CURSOR")
        except ValueError:
            return
        if isinstance(cursor, str):
            self.cursor = cursor

    def _ended(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.wait()
        said = proc.stderr.read().decode("utf-8", "replace").strip() if proc.stderr else ""
        if not self.follow:
            self.exhausted = True
            self.failed = proc.returncode != 0
            if proc.returncode != 0 or said:
                self.warnings.append(f"--journal: journalctl exited with status "
                                     f"{proc.returncode}" + (f" ({said.splitlines()[-1]})"
                                                             if said else ""))
            return
        self.warnings.append(f"--journal: journalctl exited with status {proc.returncode}"
                             + (f" ({said.splitlines()[-1]})" if said else "")
                             + f"; started again in {RESTART_AFTER_S:.0f} s")
        self._stopped_at = time.monotonic()

    def drain_warnings(self) -> list[str]:
        out, self.warnings = self.warnings, []
        return out

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
