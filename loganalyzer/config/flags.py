"""The options that name a configuration and a nova model, as data (the CLI builds its
``--config``, ``--config-dir``, ``--release`` and ``--python`` from these, and a flag for each
``[libvirt]`` option of :data:`loganalyzer.nova.options.OPTIONS` with a ``short`` name)."""

from __future__ import annotations

from typing import Any

from loganalyzer.flags import Flag, formats
from loganalyzer.nova.options import OPTIONS, OptionSpec

CONFIG = "Configuration"
GIB_AT_MOST = 1024.0 ** 2  # 1 PiB: no guest's RAM or disk is larger (a sane top for GiB)
UNIT_WORDS = {"ms": "MS", "s per GiB": "SECONDS", "s": "SECONDS", "MiB/s": "MIB/S"}


def _libvirt_flag(spec: OptionSpec) -> Flag:
    """``--short`` for a nova option: its name and unit as help, ``--x/--no-x`` for a bool."""
    help_text = f"{spec.name}{f' ({spec.unit})' if spec.unit else ''}."
    name = spec.short.replace("-", "_")
    if spec.kind == "bool":
        return Flag(name, (f"--{spec.short}/--no-{spec.short}",), bool | None, None, help_text,
                    CONFIG)
    word = spec.short.split("-")[-1].upper() if spec.choices else UNIT_WORDS.get(spec.unit)
    return Flag(name, (f"--{spec.short}",), int | None if spec.kind == "int" else str | None,
                None, help_text, CONFIG, word)


LIBVIRT = {spec.short.replace("-", "_"): spec.name for spec in OPTIONS if spec.short}
CONFIGURATION = (
    Flag("config", ("--config",), list[str] | None, None,
         "nova.conf to read (repeatable; later files win).", CONFIG, "PATH"),
    Flag("config_dir", ("--config-dir",), list[str] | None, None,
         "Folder whose *.conf files are read after --config, sorted (repeatable).",
         CONFIG, "PATH"),
    *(_libvirt_flag(spec) for spec in OPTIONS if spec.short),
)


def declaration(config: list[str] | None = None, config_dir: list[str] | None = None,
                **libvirt: Any) -> dict[str, Any]:
    """The library's ``config``, ``config_dir`` and ``flags`` (by nova's option names) from
    :data:`CONFIGURATION`'s values (``downtime=5000`` → ``live_migration_downtime``)."""
    return {"config": config or [], "config_dir": config_dir or [],
            "flags": {LIBVIRT[k]: v for k, v in libvirt.items() if v is not None}}


MODEL = (
    Flag("release", ("--release",), str | None, None, "nova release: name (train, antelope), "
         "number (20, 27.0.0) or series (2023.1). Default: the newest.", "Model", "RELEASE"),
    Flag("python", ("--python",), int | None, None,
         "Python major nova ran on (Pike–Train ran on 2 or 3).", "Model", "2|3"),
)
DISK_GB = Flag("disk_gb", ("--disk-gb",), list[float] | None, None,
               "Size of a block-migrated disk in GiB (repeatable).", "Guest", "GIB",
               at_least=0, at_most=GIB_AT_MOST)  # 0: an empty disk file (nova counts 2 GiB)
VARIANT = Flag("variant", ("--variant",), str | None, None,
               "Ramp arithmetic: linear-py3 | linear-py2 | exponential.", "Model", "VARIANT")
PREDICT = (  # loganalyzer.api.predict's guest and arithmetic, and predict's --start, --format
    Flag("memory_mb", ("--memory-mb",), int | None, None,
         "Guest RAM in MB (the flavor's memory_mb).", "Guest", "MB"),
    Flag("data_gb", ("--data-gb",), float | None, None,
         "nova's data_gb directly (RAM + block-migrated disks, GiB).", "Guest", "GIB",
         positive=True, at_most=GIB_AT_MOST),
    DISK_GB, VARIANT,
    Flag("start", ("--start",), str | None, None,
         "Migration start (ISO 8601): adds wall-clock times.", metavar="TIME"),
    formats("table", "json", "csv"),
)
LINT = (  # loganalyzer.api.lint's guests (sizes as text: loganalyzer.config.sizes)
    Flag("memory_mb", ("--memory-mb",), list[str] | None, None, "Guest RAM in MB, or a range "
         "MIN:MAX checked at MIN, each power of two between, and MAX (repeatable). Default: "
         "2048:65536.", "Guest", "MB"),
    Flag("data_gb", ("--data-gb",), list[float] | None, None,
         "nova's data_gb directly (repeatable).", "Guest", "GIB", positive=True,
         at_most=GIB_AT_MOST),
    DISK_GB, VARIANT, formats("table", "json", "csv"),
)
