"""What the byte prefilter looks for: the catalogue's literal keys and the few anchors that
every catalogue message contains (a test checks it).

Lines holding an anchor are candidates; a candidate holding a key is parsed by the grammar.
"""

from __future__ import annotations

from loganalyzer.logs.catalog import keys as catalogue_keys

KEYS: tuple[str, ...] = catalogue_keys()
# journald's JSON export writes MESSAGE as a list of byte values when the text holds control
# characters (colour escapes): such lines are candidates too, decoded before the key check.
JSON_MARKERS: tuple[bytes, ...] = (b'"MESSAGE":[', b'"MESSAGE": [')
# The byte prefilter searches for a few anchors rather than every key: each search is a pass
# over the data, and every catalogue message contains one of these (a test checks it). Lines
# found are then checked for the keys themselves. An anchor should not begin like common log
# text: rg's SIMD search checks candidates by their first bytes, and "compute node (version"
# (prefix "comp", as in nova.compute) made the whole search 40 % slower than "node (version".
ANCHORS: tuple[bytes, ...] = (
    b"igrat", b"owntime", b"ifecycle", b"steps [", b"Data remaining", b"node (version",
    b"config files: ", b"sync_power", b"Post-copy flag", b"interfaces to be plugged",
    # the dump's host and my_ip lines ("t  " and "p  " are rare starts)
    b"t" + b" " * 27 + b"= ", b"p" + b" " * 26 + b"= ",
    # monitor DEBUG lines, get_job_info, the broken abort call, Folsom–Ocata's notice
    b"current step", b"incorrect job type", b"domain status", b"thread is still",
    b"gone away", b"job info", b"to abort live", b"safely ignored", b"check data is",
    *JSON_MARKERS)
KEY_BYTES: tuple[bytes, ...] = tuple(k.encode() for k in KEYS)


def keys_in(text: str) -> list[str]:
    """The catalogue keys that occur in ``text``."""
    return [k for k in KEYS if k in text]
