"""Errors the command line turns into one-line messages and documented exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1  # a checking command found warnings or mismatches
EXIT_USAGE = 2  # bad usage, bad value, or no input could be read


class InputError(Exception):
    """Bad input (a file, a flag, a value): the message names it and what is wrong."""

    exit_code = EXIT_USAGE
