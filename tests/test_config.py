"""Effective configuration: oslo.config semantics, sources, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from loganalyzer.config.load import config_file_order, load_config
from loganalyzer.errors import InputError
from loganalyzer.nova.releases import parse_release

PIKE = parse_release("pike").release
OCATA = parse_release("ocata").release
NEWTON = parse_release("newton").release
QUEENS = parse_release("queens").release
STEIN = parse_release("stein").release

REAL_NOVA_CONF = """\
[DEFAULT]
debug = True
logging_context_format_string = %(asctime)s.%(msecs)03d %(process)d %(levelname)s %(name)s \
[%(request_id)s %(user_identity)s] %(instance)s%(message)s
transport_url = rabbit://nova:secret@ctl1:5672,nova:secret@ctl2:5672/
my_ip = 10.0.0.12

[libvirt]
virt_type = kvm
live_migration_downtime = 1000
live_migration_downtime = 2000
live_migration_downtime_steps = 8
live_migration_permit_post_copy = true
"""


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_defaults_only():
    conf = load_config(PIKE)
    assert conf.value("live_migration_downtime") == 500
    assert conf.value("live_migration_downtime_steps") == 10
    assert conf.value("live_migration_downtime_delay") == 75
    assert conf.value("live_migration_completion_timeout") == 800
    assert conf.value("live_migration_progress_timeout") == 0
    assert conf.value("live_migration_timeout_action") is None  # not in Pike
    assert conf.settings["live_migration_downtime"].source == "default for Pike (16)"


def test_real_world_nova_conf_last_duplicate_wins(tmp_path):
    """Interpolation-looking logging formats, duplicate keys: what stdlib configparser
    chokes on, oslo.config reads as nova does."""
    path = write(tmp_path / "nova.conf", REAL_NOVA_CONF)
    conf = load_config(STEIN, [path])
    assert conf.value("live_migration_downtime") == 2000
    assert conf.value("live_migration_downtime_steps") == 8
    assert conf.value("live_migration_permit_post_copy") is True
    assert conf.settings["live_migration_downtime"].source == path
    assert conf.settings["live_migration_downtime"].raw == "2000"
    assert conf.value("live_migration_timeout_action") == "abort"


def test_files_then_config_dir_sorted(tmp_path):
    main = write(tmp_path / "nova.conf", "[libvirt]\nlive_migration_downtime = 600\n"
                 "live_migration_downtime_delay = 20\n")
    confd = tmp_path / "nova.conf.d"
    confd.mkdir()
    write(confd / "20-late.conf", "[libvirt]\nlive_migration_downtime_steps = 4\n")
    write(confd / "10-early.conf", "[libvirt]\nlive_migration_downtime = 700\n"
          "live_migration_downtime_steps = 6\n")
    write(confd / "ignored.txt", "[libvirt]\nlive_migration_downtime = 9999\n")
    assert config_file_order([main], [str(confd)]) == [
        main, str(confd / "10-early.conf"), str(confd / "20-late.conf")]
    conf = load_config(STEIN, [main], [str(confd)])
    assert conf.value("live_migration_downtime") == 700
    assert conf.settings["live_migration_downtime"].source == str(confd / "10-early.conf")
    assert conf.value("live_migration_downtime_steps") == 4
    assert conf.settings["live_migration_downtime_steps"].source == str(confd / "20-late.conf")
    assert conf.value("live_migration_downtime_delay") == 20
    assert conf.settings["live_migration_downtime_delay"].source == main


def test_later_file_wins(tmp_path):
    a = write(tmp_path / "a.conf", "[libvirt]\nlive_migration_downtime = 600\n")
    b = write(tmp_path / "b.conf", "[libvirt]\nlive_migration_downtime = 900\n")
    assert load_config(STEIN, [a, b]).value("live_migration_downtime") == 900
    assert load_config(STEIN, [b, a]).value("live_migration_downtime") == 600


def test_flags_override_files(tmp_path):
    path = write(tmp_path / "nova.conf", REAL_NOVA_CONF)
    conf = load_config(STEIN, [path], flags={"live_migration_downtime": 3000,
                                             "live_migration_permit_post_copy": False})
    assert conf.value("live_migration_downtime") == 3000
    assert conf.settings["live_migration_downtime"].source == "flag --downtime"
    assert conf.value("live_migration_permit_post_copy") is False


def test_option_from_another_release_is_reported(tmp_path):
    path = write(tmp_path / "nova.conf",
                 "[libvirt]\nlive_migration_timeout_action = force_complete\n")
    conf = load_config(QUEENS, [path])
    assert conf.value("live_migration_timeout_action") is None
    assert conf.unknown_in_release == [("live_migration_timeout_action", path, "force_complete")]


@pytest.mark.parametrize(("text", "message"), [
    ("live_migration_downtime = 50", "live_migration_downtime = 50: below nova's minimum 100"),
    ("live_migration_downtime_steps = many", "live_migration_downtime_steps = many: not an "
     "integer"),
    ("live_migration_downtime_delay = 2", "below nova's minimum 3 for Stein (19)"),
    ("live_migration_timeout_action = pause", "live_migration_timeout_action = pause: Valid "
     "values are [abort, force_complete]"),
    ("live_migration_permit_post_copy = maybe", "Unexpected boolean value 'maybe'"),
    ("live_migration_completion_timeout = -1", "below nova's minimum 0"),
])
def test_bad_values_name_file_option_value(tmp_path, text, message):
    path = write(tmp_path / "nova.conf", f"[libvirt]\n{text}\n")
    with pytest.raises(InputError) as err:
        load_config(STEIN, [path])
    assert str(err.value).startswith(f"{path}: [libvirt] ")
    assert message in str(err.value)


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("live_migration_downtime", 99, "flag --downtime 99: [libvirt] live_migration_downtime: "
     "below nova's minimum 100 for Pike (16)"),
    ("live_migration_downtime_steps", "x", "flag --steps x"),
])
def test_bad_flags(flag, value, message):
    with pytest.raises(InputError) as err:
        load_config(PIKE, flags={flag: value})
    assert message in str(err.value)


def test_timeout_action_flag_choice():
    with pytest.raises(InputError, match="--timeout-action pause"):
        load_config(STEIN, flags={"live_migration_timeout_action": "pause"})


def test_ocata_clamps_with_note():
    conf = load_config(OCATA, flags={"live_migration_downtime": 50,
                                     "live_migration_downtime_delay": 5})
    assert conf.value("live_migration_downtime") == 100
    assert conf.value("live_migration_downtime_delay") == 10
    assert any("logs a WARNING and clamps it to 100" in n for n in conf.notes)
    assert "clamped from 50" in conf.settings["live_migration_downtime"].source


def test_newton_clamps_silently():
    conf = load_config(NEWTON, flags={"live_migration_downtime_steps": 1})
    assert conf.value("live_migration_downtime_steps") == 3
    assert "silently clamps" in conf.notes[0]


@pytest.mark.parametrize("setup", ["missing", "directory", "syntax", "binary", "nodir"])
def test_unreadable_or_broken_files(tmp_path, setup):
    path = tmp_path / "nova.conf"
    dirs: list[str] = []
    if setup == "directory":
        path.mkdir()
    elif setup == "syntax":
        path.write_text("[libvirt\nlive_migration_downtime = 600\n")
    elif setup == "binary":
        path.write_bytes(b"\xff\xfe[libvirt]\x00\x81\n")
    elif setup == "nodir":
        path.write_text("[libvirt]\n")
        dirs = [str(tmp_path / "absent.d")]
    with pytest.raises(InputError) as err:
        load_config(STEIN, [str(path)], dirs)
    assert str(tmp_path) in str(err.value)
