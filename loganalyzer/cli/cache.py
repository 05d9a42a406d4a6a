"""The ``cache`` commands: inspect or empty a --cache folder."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from loganalyzer.cli.options import CacheDir, check_format
from loganalyzer.cli.shell import Command, Group
from loganalyzer.errors import InputError

cache_app = typer.Typer(
    help="Inspect or empty a --cache folder.\n\n[b]Examples[/b]\n\n"
    "  loganalyzer cache info --cache ~/.cache/loganalyzer\n\n"
    "  loganalyzer cache clear --cache ~/.cache/loganalyzer",
    no_args_is_help=True, rich_markup_mode="rich", cls=Group)


def _existing(cache: str) -> str:
    """The cache folder; a missing one is an error for every cache command alike."""
    if not os.path.isdir(cache):
        raise InputError(f"--cache {cache}: no such folder")
    return cache


@cache_app.command("info", cls=Command)
def cache_info(cache: CacheDir, fmt: Annotated[str, typer.Option(
        "--format", "-f", help="table | json")] = "table") -> None:
    """List the files a cache holds: path, bytes and lines scanned, events, cache size.

    Exit 0, or 2 when the folder does not exist.

    [b]Examples[/b]

      loganalyzer cache info --cache ~/.cache/loganalyzer

      loganalyzer cache info --cache /mnt/logs/.loganalyzer-cache -f json
    """
    from loganalyzer.logs import cache as cache_mod
    from loganalyzer.output import cache_out

    check_format(fmt, ("table", "json"))
    cache_out.info(cache_mod.info(_existing(cache)), cache, fmt, sys.stdout)


@cache_app.command("clear", cls=Command)
def cache_clear(cache: CacheDir) -> None:
    """Remove every entry of a cache.

    Exit 0, or 2 when the folder does not exist.

    [b]Examples[/b]

      loganalyzer cache clear --cache ~/.cache/loganalyzer
    """
    from loganalyzer.logs import cache as cache_mod

    typer.echo(f"removed {cache_mod.clear(_existing(cache))} cached file(s) from {cache}")
