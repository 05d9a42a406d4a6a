"""What the byte prefilter looks for: the catalogue's literal keys and the few anchors that
every catalogue message contains (a test checks it).

Lines holding an anchor are candidates; a candidate holding a key is parsed by the grammar.
"""

from __future__ import annotations

import re

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
    b"igrat", b"owntime", b"steps [", b"Data remaining", b"node (version",
    b"config files: ", b"Post-copy flag", b"interfaces to be plugged",
    # specific enough that a real node's noise does not pass: not "ifecycle" (the libvirt
    # host's "Registering for lifecycle events") nor "sync_power" (the periodic task
    # ComputeManager._sync_power_states and the sync_power_state_* dump lines)
    b"Lifecycle", b"sync_power process", b"sync_power_state the",
    # the dump's host and my_ip lines ("t  " and "p  " are rare starts)
    b"t" + b" " * 27 + b"= ", b"p" + b" " * 26 + b"= ",
    # monitor DEBUG lines, get_job_info, the broken abort call, Folsom–Ocata's notice
    b"current step", b"incorrect job type", b"domain status", b"thread is still",
    b"gone away", b"job info", b"to abort live", b"safely ignored", b"check data is",
    *JSON_MARKERS)
KEY_BYTES: tuple[bytes, ...] = tuple(k.encode() for k in KEYS)


# keys_in looks each key up by one whole word of it (a run of non-space characters with a
# space on both sides inside the key): a line holding the key holds that word as a whole
# token of ``str.split()``, so a line's tokens name the few keys worth a substring search
# (a third of the cost of searching for all ~100 keys). Keys without such a word are
# searched in every line.
_WORD = re.compile(r"\S+")


def _index(keys: tuple[str, ...]) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """(word -> the keys looked up by it, the keys searched always)."""
    by_word: dict[str, list[str]] = {}
    always: list[str] = []
    for key in keys:
        words = [m.group() for m in _WORD.finditer(key) if m.start() > 0 and m.end() < len(key)]
        if words:
            by_word.setdefault(max(words, key=len), []).append(key)
        else:
            always.append(key)
    return {w: tuple(k) for w, k in by_word.items()}, tuple(always)


_BY_WORD, _ALWAYS = _index(KEYS)
_WORDS = frozenset(_BY_WORD)
_ORDER = {key: n for n, key in enumerate(KEYS)}


def keys_in_plain(text: str) -> list[str]:
    """The catalogue keys that occur in ``text``, each searched for (the reference
    :func:`keys_in` is tested against)."""
    return [k for k in KEYS if k in text]


def keys_in(text: str) -> list[str]:
    """The catalogue keys that occur in ``text``, in :data:`KEYS` order."""
    found = [k for k in _ALWAYS if k in text]
    words = _WORDS.intersection(text.split())
    if not words:
        return found
    for word in words:
        found.extend(k for k in _BY_WORD[word] if k in text)
    if len(found) > 1:
        found.sort(key=_ORDER.__getitem__)
    return found


def has_key(text: str) -> bool:
    """Whether any catalogue key occurs in ``text`` (``bool(keys_in(text))``, without
    listing them)."""
    if any(k in text for k in _ALWAYS):
        return True
    return any(k in text for word in _WORDS.intersection(text.split())
               for k in _BY_WORD[word])
