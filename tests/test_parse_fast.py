"""The fast ways through a text line give exactly the dict the long way gives
(``grammar.parse_text_full``: the envelope searched for, every record regex matched whole):
same keys, same order, same values and types, the same error for an implausible value; on
every line of the real logs, the sample logs, a simulated fleet (plain, syslog and journald
layouts) and variations made to trip them. The fast ways: ``grammar.parse_text`` (the
envelope split where it starts, the header matched once and each message from where it
ends) and ``grammar.parse_quick`` (the same without listing the line's keys first, for lines
whose header holds none; None hands the line to the long way)."""

from __future__ import annotations

import io
from pathlib import Path

import pyparsing as pp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import loganalyzer.logs.scan as scan_mod
from loganalyzer.logs import grammar
from loganalyzer.logs.anchors import keys_in
from loganalyzer.logs.catalog import CATALOG
from loganalyzer.logs.grammar import ImplausibleValue, parse_quick, parse_text, parse_text_full
from loganalyzer.logs.read import collect
from loganalyzer.logs.scan import Origin, scan_stream
from tests.conftest import REPO
from tests.test_catalog import LAYOUTS, SAMPLES
from tests.test_dump_fast import text_lines


def outcome(parse, line: str) -> tuple[str, object]:
    """What a parse gives a line: its items in order (types compared too), or its error."""
    try:
        got = parse(line, keys_in(line))
    except ImplausibleValue as exc:
        return "error", str(exc)
    return "fields", None if got is None else [(k, type(v), v) for k, v in got.items()]


def quick(line: str, _keys: object) -> dict | None:
    return parse_quick(line)


QUICK_TAKEN = [0]  # lines the quick way parsed (the tests check it is not idle)


def assert_alike(lines: list[str]) -> int:
    """Every way agrees on every line holding a key (the quick way where it does not hand
    the line over); returns how many were parsed."""
    parsed = 0
    for line in lines:
        long_way = outcome(parse_text_full, line)
        fast = outcome(quick, line)
        if fast != ("fields", None):
            QUICK_TAKEN[0] += 1
            assert fast == long_way, line
        if not keys_in(line):
            assert fast == ("fields", None), line
            continue
        fast = outcome(parse_text, line)
        assert fast == long_way, line
        parsed += fast[0] == "fields" and fast[1] is not None
    return parsed


def test_every_real_line_parses_alike(real_logs):
    before = QUICK_TAKEN[0]
    assert assert_alike(text_lines(real_logs)) > 500
    assert QUICK_TAKEN[0] - before > 300


def test_every_sample_log_line_parses_alike():
    assert assert_alike(text_lines(REPO / "sample_logs")) > 1000


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Path:
    """A small simulated fleet at DEBUG level: plain, syslog and journald JSON hosts."""
    from loganalyzer.simulate.fleet import DEPLOYED, random_fleet, write_fleet

    out = tmp_path_factory.mktemp("fleet")
    hosts, migrations = random_fleet(8, 12, seed=5, debug=True)
    write_fleet(str(out), hosts, migrations, DEPLOYED)
    return out


def test_every_fleet_line_parses_alike(fleet):
    lines = text_lines(fleet)
    json_lines = [x for x in lines if x.startswith("{")]
    syslog_lines = [x for x in lines if x[:3] in grammar.MONTHS]
    assert json_lines and syslog_lines  # every layout is there
    before = QUICK_TAKEN[0]
    assert assert_alike([x for x in lines if not x.startswith("{")]) > 500
    assert QUICK_TAKEN[0] - before > 500
    for line in json_lines:  # the journald record's MESSAGE, as parse_json reads it
        assert grammar.parse_json(line, keys_in) == _json_full(line), line


def _json_full(line: str):
    """parse_json with the long way of parse_text."""
    saved = grammar.parse_text
    grammar.parse_text = lambda text, keys, reference=False: parse_text_full(text, keys)
    try:
        return grammar.parse_json(line, keys_in)
    finally:
        grammar.parse_text = saved


def test_every_catalogue_sample_in_every_layout_parses_alike():
    lines = [layout(message, sample) for message, sample in SAMPLES
             for layout in LAYOUTS.values()]
    assert assert_alike([x for x in lines if not x.startswith("{")]) > 1000


def test_scans_of_the_real_logs_are_the_same_the_long_way(real_logs, monkeypatch):
    paths = [str(p) for p in sorted(real_logs.glob("*.log*"))]
    fast = collect(paths, engine="local")
    monkeypatch.setattr(scan_mod, "parse_text", parse_text_full)
    monkeypatch.setattr(scan_mod, "parse_quick", lambda text: None)
    monkeypatch.setattr(grammar, "parse_quick", lambda text: None)
    slow = collect(paths, engine="local")
    assert list(fast.columns) == list(slow.columns)
    for name in fast.columns:
        assert fast.columns[name] == slow.columns[name], name
    assert fast.unrecognized == slow.unrecognized


def test_every_message_starts_with_its_lead():
    """What the fast way assumes a message's match starts with (its key, or its prefix's
    first words) is how every sample of it starts."""
    for message in CATALOG:
        lead = grammar._lead(message)
        assert lead == message.key if not message.prefix else message.key not in lead
        for sample in message.samples:
            text = sample if isinstance(sample, str) else sample.text
            assert text.startswith(lead), (message.id, lead, text)
    assert {grammar._lead(m) for m in CATALOG if m.prefix} >= {"Current ", "Took "}


def test_the_header_fields_are_treated_as_the_long_way_treats_them():
    names = tuple(grammar._HEADER_ALONE.groupindex)
    assert names[0] == "ts" and "ts" not in grammar.REPEATED
    assert set(names[1:]) <= grammar.REPEATED  # interned, as _fields interns them
    assert not set(names) & (grammar.INT_FIELDS | grammar.FLOAT_FIELDS)


# --- variations -----------------------------------------------------------------------
ENVELOPES = ("", "Nov  2 08:33:50 cmp-005 nova_compute[4242]: ",
             "Nov 12 08:33:50 cmp-005 nova-compute: ",
             "2024-05-01T12:34:56.789+00:00 cmp-7 nova-compute[12]: ",
             "2024-05-01T12:34:56 INFO nova-compute[12]: ", "2024-05-01T12:34:56 cmp-7 x: ",
             "sosreport-x/var/log/messages:Nov  2 08:33:50 cmp-5 nova_compute[1]: ",
             "2024-05-01T12:34:56 1234 INFO: ", "a/b.log:", "<14>", "  ", "\t", "Nov  2 ",
             "x 2024-05-01 12:00:00.1 DEBUG y ", "Increasing downtime to ",
             "DEBUG nova.x [-] ", "2024-05-01 12:34:56.789 12 INFO a: ")
STAMPS = ("2024-05-01 12:34:56.789 ", "2024-05-01T12:34:56,789 ", "2024-05-01 12:34:56 ",
          "2024-05-01 12:34 ", "")
TAGS = ("", "[COMPUTE30] ", "[a b] ")
PIDS = ("4242 ", "", "12a ")
LEVELS = ("INFO", "DEBUG", "WARNING", "WARN", "ERROR", "TRACE", "info", "NOTICE")
LOGGERS = (" nova.virt.libvirt.driver ", " nova.compute.manager", " 9x ", " n-cpu ",
           " nova.virt.libvirt.migration  ")
CONTEXTS = ("", "[-] ", "[-]", "[] ", "[req-9d84e8ef-0d1d-4190-aec0-4dec0cfdb2bc - - - - -] ",
            "[None req-02503cd3-affa-4bcc-9e00-b1095a678409 u p - default default] ",
            "[req-1 Increasing downtime to 5 ms] ", "[Current 5 elapsed 3 ] ",
            "[instance: 3f1c] ", "[Took 1.5] ", "[Migration running for ] ", "[x")
INSTANCES = ("", "[instance: c2ce6f44-7ed4-457b-9e2f-eb89414c343c] ",
             "[instance: c2ce6f44-7ed4-457b-9e2f-eb89414c343c]", "[instance: a b] ",
             "[instance: Took 2.0] ")
SUFFIXES = ("", " update_downtime /usr/lib/python3/dist-packages/nova/virt/libvirt/"
            "migration.py:510", " {{(pid=1) f /x.py:2}}", " from (pid=5) f /a.py:3", ": E: x",
            " f /a.py:1\n", "\r", "#033[00m", " ", " 99999999999999999999999")
MESSAGES = [sample if isinstance(sample, str) else sample.text
            for _, sample in SAMPLES] + ["Took 1.5 seconds for", "Current None elapsed 3 "
                                         "steps []", "Migration running for 5 secs"]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(ENVELOPES), max_size=2), st.sampled_from(STAMPS),
       st.sampled_from(TAGS), st.sampled_from(PIDS), st.sampled_from(LEVELS),
       st.sampled_from(LOGGERS),
       st.sampled_from(CONTEXTS), st.sampled_from(INSTANCES), st.sampled_from(MESSAGES),
       st.sampled_from(SUFFIXES), st.integers(0, 3))
def test_variations_parse_alike(envelope, stamp, tag, pid, level, logger, ctx, instance,
                                message, suffix, cut):
    header = f"{stamp}{tag}{pid}{level}{logger}{ctx}{instance}"
    if cut:  # a part glued to the next, or left out
        header = header.replace(" ", "", 1) if cut == 1 else header[:-1] if cut == 2 \
            else header[len(stamp):]
    line = "".join(envelope) + header + message + suffix
    assert_alike([line])


@given(st.lists(st.sampled_from(("2024-05-01", " 12:34:56.789", " ", "4242", "INFO",
                                 "nova.x", "[-]", "[instance: u]", "Nov  2 08:33:50",
                                 "cmp-1", "nova_compute[1]:", ": ", "Increasing downtime to",
                                 " 5 ms after 3 sec elapsed time", "Took", "Current",
                                 "Migration running for", "T", ",", "[", "]", "x")),
                max_size=14))
@settings(max_examples=400)
def test_random_text_parses_alike(words):
    line = "".join(words)
    assert_alike([line])


def test_a_message_the_header_would_swallow_is_found_as_the_record_regex_finds_it(
        monkeypatch):
    """No catalogue message starts where a shorter way of matching the header ends (with
    ``[``, a space, a level word), so the fallback to the whole record regex never finds
    more there; a message that did is still parsed as the record regex parses it."""
    pattern = r"\[(?P<option>\w+)\] set(?P<error_summary>: .*)?\Z"
    record = grammar.re.compile(grammar._HEADER_REGEX + pattern)
    alone = grammar._Alone(grammar.BY_ID["config_option"], pp.Regex(pattern), record)
    alone.lead = "["
    table = {"] set": [alone]}
    monkeypatch.setattr(grammar, "MESSAGES", table)
    line = "2024-05-01 12:00:00.000 7 INFO nova.x [abc] set"
    want = {k: v for k, v in record.match(line).groupdict().items() if v is not None}
    assert want["option"] == "abc" and "ctx" not in want  # the header left its bracket
    got = grammar._parse_fast(line, ["] set"])
    assert got == grammar._fields({**want, "message_id": "config_option"})
    assert got["option"] == "live_migration_abc"


def test_a_line_split_as_the_search_splits_it():
    """The envelope split where it starts agrees with split_envelope's search, and the
    search's cases the fast split hands over (a prefix before the header) still work."""
    for line in ("Nov  2 08:33:50 cmp-005 nova_compute[4242]: 2024-05-01 12:34:56.789 1 "
                 "INFO a [-] Migration running for 5 secs",
                 "junk 2024-05-01 12:34:56.789 1 INFO a [-] x",
                 "2024-05-01 12:34:56.789 1 INFO a [-] x",
                 "Nov  2 08:33:50 cmp-5 n[1]: junk 2024-05-01 12:00:00.000 1 INFO a [-] x"):
        assert grammar._split_fast(line) == grammar.split_envelope(line)
    scanned = scan_stream(io.BytesIO(
        b"junk: 2024-05-01 12:34:56.789 1 INFO nova.compute.manager [-] [instance: "
        b"c2ce6f44-7ed4-457b-9e2f-eb89414c343c] Migration running for 5 secs, memory 50% "
        b"remaining; (bytes processed=1, remaining=2, total=3)\n"), Origin("t", "h", "path"))
    assert scanned.events.finish()["secs"] == [5]


def needle_lines() -> list[str]:
    """Every catalogue sample after a header that holds a catalogue key or a message's first
    words (in its context, its logger, its instance bracket, or glued to its end)."""
    needles = sorted(set(keys_in_all()) | set(grammar._LEADS))
    out = []
    texts = [(m, s if isinstance(s, str) else s.text) for m, s in SAMPLES]
    for needle in needles:  # the messages that start with it, and a spread of others
        for _, text in texts[::15] + [(m, t) for m, t in texts if t.startswith(needle)]:
            for header in (f"2024-05-01 12:34:56.789 7 INFO nova.x [req-1 {needle}] ",
                           f"2024-05-01 12:34:56.789 7 INFO {needle.strip() or 'x'} [-] ",
                           f"2024-05-01 12:34:56.789 7 INFO n [-] [instance: {needle}] ",
                           f"2024-05-01 12:34:56.789 7 INFO n [{needle}]"):
                out.append(header + text)
    for needle in needles:  # one that starts with the space ending the header
        if needle.startswith(" "):
            out.append(f"2024-05-01 12:34:56.789 7 INFO n [-] {needle[1:]}x")
            out.append(f"2024-05-01 12:34:56.789 7 INFO n [-] Took 1.5{needle}")
    return out


def keys_in_all() -> list[str]:
    from loganalyzer.logs.anchors import KEYS

    return list(KEYS)


def test_headers_holding_keys_and_first_words_are_handed_over_and_parse_alike():
    """The quick way trusts the keys where the header ends only when no needle starts in
    the header (nor across its end): such lines go the long way, which sorts the keys by
    where they first occur."""
    lines = needle_lines()
    handed = 0
    for line in lines:
        end = grammar._HEADER_ALONE.match(line).end()
        inside = [n for n in (*keys_in_all(), *grammar._LEADS)
                  if -1 < line.find(n, 0, end + len(n) - 1) < end]
        if inside:
            assert parse_quick(line) is None, (line, inside)
            handed += 1
    assert handed > 1500
    assert_alike(lines)


@settings(max_examples=400)
@given(st.lists(st.sampled_from(("steps [", "Increasing", " downtime to ", "max_concurrent",
                                 "_live_migrations", "libvirt.", "live_migration_", "x", " ",
                                 "Data remaining ", "Took", "VM Paused (Lifecycle Event)")),
                max_size=8))
def test_has_key_tells_what_keys_in_lists(words):
    from loganalyzer.logs.anchors import has_key, keys_in_plain

    text = "".join(words)
    assert has_key(text) == bool(keys_in_plain(text))


def test_has_key_on_every_sample_line():
    from loganalyzer.logs.anchors import has_key, keys_in_plain

    for line in text_lines(REPO / "sample_logs")[:20_000]:
        assert has_key(line) == bool(keys_in_plain(line)), line


@given(st.lists(st.tuples(st.integers(-5, 900), st.integers(0, 5000)), max_size=12),
       st.integers(-10, 1000), st.booleans())
def test_run_signatures_count_due_steps_as_the_plain_loop_does(steps, elapsed, as_lists):
    ramp = tuple(steps)
    given_steps = [list(s) for s in steps] if as_lists else ramp
    due = sum(1 for at, _ in ramp if at <= elapsed)
    near = any(at <= elapsed <= at + scan_mod.NEAR_DUE_S for at, _ in ramp)
    want = (50, ramp, "7", due, elapsed if near else None)
    assert scan_mod.run_signature(50, given_steps, "7", elapsed) == want
    assert scan_mod._logged_steps(ramp) == str(list(ramp)).encode()
