"""Why an fsspec URL could not be read, in words: fsspec and its filesystems raise whatever
their backend raises (``BadZipFile`` from ``zip://``, ``FileNotFoundError`` whose text is
only the path, ``ValueError`` for an unknown protocol, client errors of object stores)."""

from __future__ import annotations

REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (FileNotFoundError, "no such file or folder"),
    (IsADirectoryError, "it is a folder, not a file"),
    (NotADirectoryError, "a part of the path is not a folder"),
    (PermissionError, "permission denied"),
    (TimeoutError, "timed out"),
)
LIMIT = 200  # characters of a backend's own message kept


def describe(exc: BaseException) -> str:
    """One line saying why: a known kind in words, else the backend's message and the
    exception's name."""
    for kind, reason in REASONS:
        if isinstance(exc, kind):
            return reason
    text = " ".join(str(exc).split())
    if len(text) > LIMIT:
        text = text[:LIMIT - 1] + "…"
    if isinstance(exc, ValueError | ImportError) and text:
        return text
    name = type(exc).__name__
    return f"{text} ({name})" if text else name
