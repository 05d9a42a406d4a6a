"""The options that name a configuration and a nova model, as data (the CLI builds its
``--config``, ``--config-dir``, ``--release`` and ``--python`` from these; the ``[libvirt]``
flags come from :data:`loganalyzer.nova.options.OPTIONS`)."""

from __future__ import annotations

from loganalyzer.flags import Flag

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
