"""Binary systemd journal files (``/var/log/journal/<machine-id>/system*.journal``), read
through ``journalctl --file … -o json``: the same journald JSON records a ``journalctl -o
json`` export holds, which the grammar already reads (MESSAGE, _HOSTNAME,
__REALTIME_TIMESTAMP). The journal's format is systemd's own and versioned; its tool is the
reader, as on the host itself.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

MAGIC = b"LPKSHHRH"  # the first bytes of every journal file (systemd's journal-def.h)


class JournalUnreadable(Exception):
    """The file is a binary journal and ``journalctl`` is not there to read it."""


def is_journal(head: bytes) -> bool:
    """Whether the first bytes of a file are a systemd journal's."""
    return head.startswith(MAGIC)


@contextmanager
def exported(path: str, problems: list[str]) -> Iterator[IO[bytes]]:
    """The journal at ``path`` as journald JSON lines, one record a line, oldest first.
    What ``journalctl`` says on standard error (a corrupt or truncated file: it reads what
    it can) is appended to ``problems``. Raises :class:`JournalUnreadable` without
    journalctl."""
    tool = shutil.which("journalctl")
    if tool is None:
        raise JournalUnreadable("a binary systemd journal; reading it needs journalctl "
                                "(Debian/Ubuntu package systemd)")
    try:
        proc = subprocess.Popen([tool, "--file", path, "--output", "json", "--no-pager",
                                 "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise JournalUnreadable(f"journalctl cannot be started: {exc.strerror}") from None
    with proc:
        assert proc.stdout is not None and proc.stderr is not None
        yield proc.stdout
        proc.stdout.close()
        said = proc.stderr.read().decode("utf-8", "replace").strip()
    if proc.returncode != 0 or said:
        problems.append(said.splitlines()[-1] if said else
                        f"journalctl exited with status {proc.returncode}")
