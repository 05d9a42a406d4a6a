"""The fast ways through a candidate line agree with the grammar: the DEBUG suffix found
from the line's end (``grammar.debug_suffix_start``) and start-up dump lines parsed without
the record regexes (``grammar.parse_dump_line``), on every line of the real and sample logs
and on variations made to trip them."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import loganalyzer.logs.scan as scan_mod
from loganalyzer.logs.anchors import keys_in
from loganalyzer.logs.catalog import BY_ID
from loganalyzer.logs.grammar import (
    DEBUG_SUFFIX,
    DUMP_KEYS,
    debug_suffix_start,
    parse_dump_line,
    parse_text,
)
from loganalyzer.logs.read import collect
from tests.conftest import REPO

DUMP_IDS = ("config_option", "config_option_default", "conf_host", "conf_my_ip",
            "config_files")
SUFFIX = " log_opt_values /usr/lib/python3/dist-packages/oslo_config/cfg.py:2587"
HEADER = "2022-02-04 10:21:50.803 284971 DEBUG oslo_service.service [{ctx}] "
CONTEXTS = ("req-9d84e8ef-0d1d-4190-aec0-4dec0cfdb2bc - - - - -", "-", "",
            "None req-02503cd3-affa-4bcc-9e00-b1095a678409 - - - - -",
            "req-1 u p d ud pd", "instance: 3f1c", "req-1 Increasing downtime to 5 ms")


def text_lines(folder: Path) -> list[str]:
    out: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix not in (".gz", ".xz", ".bz2", ".zst", ".conf"):
            data = path.read_bytes()
            if b"\x00" not in data[:4096]:
                out.extend(data.decode("utf-8", "replace").splitlines())
    return out


def expected_start(line: str) -> int | None:
    match = DEBUG_SUFFIX.search(line)
    return match.start() if match else None


def suffix_variants(line: str) -> list[str]:
    return [line, line + " ", line + "\t", line + " f /a.py:1", line + " from (pid=12) f /a.py:3",
            line + " from (pid=) f /a.py:3", line + " {{(pid=1) f /x.py:2}}",
            line + " f/a.py:1", line + " f /a.py:1\n", line + " é /a.py:1", line + " f /é.py:٣"]


def test_the_debug_suffix_is_found_where_the_regex_finds_it(real_logs):
    lines = text_lines(real_logs) + text_lines(REPO / "sample_logs")
    assert len(lines) > 10_000
    checked = 0
    for line in lines:
        for variant in suffix_variants(line):
            assert debug_suffix_start(variant) == expected_start(variant), variant
            checked += 1
    assert sum(expected_start(line) is not None for line in lines) > 1000  # real suffixes


WORDS = st.sampled_from([" ", "  ", "\t", "f", "log_opt_values", "/a.py:1", "/x/y.py:22",
                         "from", "(pid=3)", "(pid=)", "{{", "}}", "<lambda>", "a.b", ".py",
                         ":", "1", "é", "\n", "/", "py:"])


@given(st.lists(WORDS, max_size=12))
def test_the_debug_suffix_agrees_with_the_regex_on_random_text(words):
    text = "".join(words)
    assert debug_suffix_start(text) == expected_start(text)


def full_path(line: str) -> dict | None:
    return parse_text(line, keys_in(line))


def test_every_real_dump_line_parses_as_the_grammar_parses_it(real_logs):
    fast = 0
    for line in text_lines(real_logs):
        got = parse_dump_line(line)
        if got is None:
            want = full_path(line) if keys_in(line) else None
            # a plain oslo.log dump line of an option the analysis reads is never left out
            assert not (want and want["message_id"] in DUMP_IDS and line.endswith(
                SUFFIX.split(" /")[0] + " /usr/lib/python3/dist-packages/oslo_config/"
                "cfg.py:2587") and line[:4].isdigit()), line
            continue
        fast += 1
        assert list(got.items()) == list(full_path(line).items()), line
    assert fast >= 50  # the Ussuri node's restarts


def dump_messages() -> list[str]:
    """Every sample of the dump messages, and values made to trip a parser."""
    out = []
    for message_id in DUMP_IDS:
        for sample in BY_ID[message_id].samples:
            out.append(sample if isinstance(sample, str) else sample.text)
    for key in DUMP_KEYS:
        for value in ("", " ", "a b", "x log_opt_values /y.py:1", "[instance: 1]", "é",
                      "1: ValueError: no", "Increasing downtime to 5 ms", "a\rb", "a#033[0mb",
                      "v from (pid=5)", "None"):
            out.append(f"{key}{'' if key.endswith(' ') else ' = '}{value}")
    out.append("libvirt.live_migration_downtime   = 500")
    out.append("libvirt.live_migration_= 500")
    return out


@pytest.mark.parametrize("ctx", CONTEXTS)
def test_dump_lines_and_their_variations_parse_as_the_grammar_parses_them(ctx):
    taken = 0
    for message in dump_messages():
        for line in (HEADER.format(ctx=ctx) + message + SUFFIX,
                     HEADER.format(ctx=ctx) + message + " from (pid=4)" + SUFFIX,
                     HEADER.format(ctx=ctx).replace(" DEBUG", " INFO") + message + SUFFIX,
                     "Feb  4 10:21:50 cmp-1 nova-compute[1]: " + HEADER.format(ctx=ctx)
                     + message + SUFFIX,
                     HEADER.format(ctx=ctx) + message + " log_opt_values cfg.py:1"):
            got = parse_dump_line(line)
            if got is not None:
                taken += 1
                assert list(got.items()) == list(full_path(line).items()), line
    if not ctx.startswith("instance: "):
        assert taken >= 25  # the plain dump lines (others take the full path)


def test_the_real_node_scans_the_same_without_the_dump_fast_path(real_logs, monkeypatch):
    path = str(real_logs / "hotsos_ussuri_nova-compute.log.1")
    fast = collect([path], engine="local")
    monkeypatch.setattr(scan_mod, "parse_dump_line", lambda text: None)
    slow = collect([path], engine="local")
    assert fast.columns.keys() == slow.columns.keys()
    for name in fast.columns:
        assert fast.columns[name] == slow.columns[name], name
    dumps = [o for k, o in zip(fast.columns["kind"], fast.columns["options"], strict=True)
             if k == "config_dump"]
    assert len(dumps) == 8 and sum(len(o) for o in dumps) > 50


def test_the_fast_path_is_taken_for_dump_lines_only(real_logs):
    lines = text_lines(real_logs)
    kinds = {parse_dump_line(line)["message_id"] for line in lines
             if parse_dump_line(line) is not None}
    assert kinds <= set(DUMP_IDS) and "config_option" in kinds
    assert all(parse_dump_line(line) is None
               for line in itertools.islice((x for x in lines if "log_opt_values" not in x),
                                            5000))


def test_long_dump_lines_are_parsed_alike_and_not_kept_in_the_caches():
    from loganalyzer.logs import grammar

    value = "x" * 5000
    ctx = "req-1 " + "y" * 3000
    line = HEADER.format(ctx=ctx) + "libvirt.live_migration_uri = " + value + SUFFIX
    before = (grammar._dump_message.cache_info().currsize,
              grammar._context_fields.cache_info().currsize)
    got = parse_dump_line(line)
    assert got is not None and got["value"] == value
    assert list(got.items()) == list(full_path(line).items())
    assert (grammar._dump_message.cache_info().currsize,
            grammar._context_fields.cache_info().currsize) == before
