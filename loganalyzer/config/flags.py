"""The options that name a configuration and a nova model, as data (the CLI builds its
``--config``, ``--config-dir``, ``--release`` and ``--python`` from these; the ``[libvirt]``
flags come from :data:`loganalyzer.nova.options.OPTIONS`)."""

from __future__ import annotations

from loganalyzer.flags import Flag, formats

CONFIGURATION = (
    Flag("config", ("--config",), list[str] | None, None,
         "nova.conf to read (repeatable; later files win).", "Configuration"),
    Flag("config_dir", ("--config-dir",), list[str] | None, None,
         "Folder whose *.conf files are read after --config, sorted (repeatable).",
         "Configuration"),
)
MODEL = (
    Flag("release", ("--release",), str | None, None, "nova release: name (train, antelope), "
         "number (20, 27.0.0) or series (2023.1). Default: the newest.", "Model"),
    Flag("python", ("--python",), int | None, None,
         "Python major nova ran on (Pike–Train ran on 2 or 3).", "Model"),
)
DISK_GB = Flag("disk_gb", ("--disk-gb",), list[float] | None, None,
               "Size of a block-migrated disk in GiB (repeatable).", "Guest", "GIB")
VARIANT = Flag("variant", ("--variant",), str | None, None,
               "Ramp arithmetic: linear-py3 | linear-py2 | exponential.", "Model")
PREDICT = (  # loganalyzer.api.predict's guest and arithmetic, and predict's --start, --format
    Flag("memory_mb", ("--memory-mb",), int | None, None,
         "Guest RAM in MB (the flavor's memory_mb).", "Guest", "MB"),
    Flag("data_gb", ("--data-gb",), float | None, None,
         "nova's data_gb directly (RAM + block-migrated disks, GiB).", "Guest", "GIB"),
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
         "nova's data_gb directly (repeatable).", "Guest", "GIB"),
    DISK_GB, VARIANT, formats("table", "json", "csv"),
)
