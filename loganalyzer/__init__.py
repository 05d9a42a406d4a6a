"""loganalyzer: nova live-migration log analysis, prediction and verification.

The public API (see :mod:`loganalyzer.api`): :func:`read`, :func:`migrations`, :func:`verify`,
:func:`predict`, :func:`lint`, :func:`simulate`, :func:`report`. They are loaded on first use,
so importing the package (and ``loganalyzer --help``) stays light.
"""

from __future__ import annotations

from typing import Any

from loganalyzer.version import __version__

__all__ = ["__version__", "lint", "migrations", "predict", "read", "report", "simulate",
           "verify"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from loganalyzer import api

        return getattr(api, name)
    raise AttributeError(f"module 'loganalyzer' has no attribute {name!r}")
