"""The ``cache`` commands: inspect or empty a --cache folder."""

from __future__ import annotations

import sys

import typer

from loganalyzer.cli.groups import uses
from loganalyzer.cli.shell import Command, Group
from loganalyzer.logs.flags import CACHE, CACHE_INFO

cache_app = typer.Typer(
    help="Inspect or empty a --cache folder.\n\n[b]Examples[/b]\n\n"
    "  loganalyzer cache info --cache ~/.cache/loganalyzer\n\n"
    "  loganalyzer cache clear --cache ~/.cache/loganalyzer",
    no_args_is_help=True, rich_markup_mode="rich", cls=Group)


@cache_app.callback()
@uses()
def _cache() -> None:
    pass  # no docstring: the group's help is cache_app's


@cache_app.command("info", cls=Command)
@uses(CACHE_INFO)
def cache_info(*, cache: str, fmt: str) -> None:
    """List the files a cache holds: path, bytes and lines scanned, events, cache size.

    Exit 0, or 2 when the folder does not exist.

    [b]Examples[/b]

      loganalyzer cache info --cache ~/.cache/loganalyzer

      loganalyzer cache info --cache /mnt/logs/.loganalyzer-cache -f json
    """
    from loganalyzer.api import cache_entries
    from loganalyzer.output import cache_out

    cache_out.info(cache_entries(cache), cache, fmt, sys.stdout)


@cache_app.command("clear", cls=Command)
@uses(CACHE)
def cache_clear(*, cache: str) -> None:
    """Remove every entry of a cache.

    Exit 0, or 2 when the folder does not exist.

    [b]Examples[/b]

      loganalyzer cache clear --cache ~/.cache/loganalyzer
    """
    from loganalyzer.api import clear_cache

    typer.echo(f"removed {clear_cache(cache)} cached file(s) from {cache}")
