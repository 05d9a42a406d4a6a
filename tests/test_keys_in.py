"""The prefilter's anchors and the word-indexed ``keys_in``: the same keys as searching
for every key, and a real node's noise rejected (issue 16)."""

from __future__ import annotations

import random
import re

from loganalyzer.logs.anchors import ANCHORS, KEYS, keys_in, keys_in_plain
from loganalyzer.logs.catalog import CATALOG

HEADER = "2022-02-04 10:21:50.717 284971 DEBUG nova.virt.libvirt.driver [req-1 - - - - -] "


def _samples() -> list[str]:
    return [s if isinstance(s, str) else s.text for m in CATALOG for s in m.samples]


def test_keys_in_finds_what_searching_every_key_finds_in_every_sample():
    samples = _samples()
    assert len(samples) > 100
    for sample in samples:
        for line in (sample, HEADER + sample, HEADER + sample + " _live_migration /x.py:1"):
            assert keys_in(line) == keys_in_plain(line), line
    assert all(keys_in(HEADER + s) for s in samples)  # a sample holds its key


def test_keys_in_finds_overlapping_and_glued_keys_in_random_text():
    """Text made of pieces of keys, glued, overlapped and cut at random places (a key's
    word with other text around it, two keys sharing characters)."""
    rng = random.Random(16)
    pieces = [*KEYS, " ", "x", "\t", "\u00e9", "migration", "_", "."]
    checked = found = 0
    for _ in range(20_000):
        parts = []
        for _ in range(rng.randint(1, 6)):
            piece = rng.choice(pieces)
            start = rng.randint(0, len(piece) // 2) if rng.random() < 0.3 else 0
            end = rng.randint(start, len(piece)) if rng.random() < 0.3 else len(piece)
            parts.append(piece[start:end])
        text = "".join(parts)
        assert keys_in(text) == keys_in_plain(text), text
        checked += 1
        found += bool(keys_in_plain(text))
    assert found > checked // 4  # the text held keys often enough to test something


# Real-node noise (../shared/real_logs/hotsos_ussuri_nova-compute.log.1): the libvirt host
# registering for lifecycle events, the _sync_power_states periodic task and the dump lines
# of the sync_power_state_* options, none of which the analysis reads.
NOISE = re.compile(r"Registering for lifecycle events|ComputeManager\._sync_power_states"
                   r"|\] sync_power_state_\w+ +=")


def test_real_node_noise_does_not_pass_the_prefilter(real_logs):
    path = real_logs / "hotsos_ussuri_nova-compute.log.1"
    noise = [line for line in path.read_bytes().splitlines()
             if NOISE.search(line.decode("utf-8", "replace"))]
    assert len(noise) >= 10
    kinds = {NOISE.search(line.decode()).group()[:12] for line in noise}  # type: ignore[union-attr]
    assert len(kinds) == 3, kinds
    passing = [line for line in noise if any(a in line for a in ANCHORS)]
    assert passing == []


def test_real_node_lines_without_a_key_are_rejected_before_the_grammar(real_logs):
    """Lines that pass the anchors but hold no key (periodic tasks named *migrations*, dump
    lines of options the analysis does not read, libvirt's <migration_features>) end at
    keys_in: no grammar is tried on them."""
    path = real_logs / "hotsos_ussuri_nova-compute.log.1"
    lines = [raw.decode("utf-8", "replace") for raw in path.read_bytes().splitlines()]
    passing = [line for line in lines if any(a.decode() in line for a in ANCHORS)]
    keyless = [line for line in passing if not keys_in_plain(line)]
    assert any("_cleanup_incomplete_migrations" in line for line in keyless)
    assert any("<migration_features>" in line for line in keyless)
    for line in passing:
        assert keys_in(line) == keys_in_plain(line), line
