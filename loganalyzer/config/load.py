"""The effective ``[libvirt]`` live-migration configuration and where each value came from.

Sources, lowest priority first: the release's defaults, nova.conf files and config dirs
(parsed by oslo.config exactly as nova does: files in order, then each dir's ``*.conf``
sorted, last value wins), then command-line flags. Values below nova's minimum are rejected
from Pike 16 (oslo.config ``min=``) and clamped with a note in Liberty–Ocata (12–15), as
that era's ``downtime_steps`` did.
"""

from __future__ import annotations

import functools
import glob
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from loganalyzer.errors import InputError
from loganalyzer.nova.options import GROUP, OPTIONS, OptionSpec
from loganalyzer.nova.releases import Release


@dataclass(frozen=True)
class Setting:
    """One option's effective value and its source (a file path, ``flag --x``, or
    ``default (Train (20))``)."""

    value: Any
    source: str
    raw: str | None = None  # the text as written, for values from files and flags


@dataclass
class EffectiveConfig:
    """What a nova-compute of ``release`` would run with."""

    release: Release
    settings: dict[str, Setting]
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # clamps and other adjustments
    # Options set in a file or flag that the release does not have: (name, source, raw).
    unknown_in_release: list[tuple[str, str, str]] = field(default_factory=list)
    _shared: Any = field(default=None, repr=False, compare=False)  # as_dict's last result

    def value(self, name: str) -> Any:
        """The effective value of an option (None when the release lacks it)."""
        setting = self.settings.get(name)
        return setting.value if setting else None

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """``{option: {"value": ..., "source": ...}}``: the JSON contract's ``config``. One
        object per configuration, shared by every migration that ran with it (read it, do
        not change it): a thousand migrations would otherwise hold a thousand copies."""
        key = tuple(self.settings.items())
        if self._shared is None or self._shared[0] != key:
            self._shared = (key, {name: {"value": s.value, "source": s.source}
                                  for name, s in self.settings.items()})
        return self._shared[1]


def config_file_order(files: Sequence[str], config_dirs: Sequence[str]) -> list[str]:
    """The order oslo.config reads files in: each ``--config-file`` in turn, then every
    ``--config-dir``'s ``*.conf`` sorted by name."""
    ordered = list(files)
    for directory in config_dirs:
        ordered.extend(sorted(glob.glob(os.path.join(directory, "*.conf"))))
    return ordered


def _check_readable(files: Sequence[str], config_dirs: Sequence[str]) -> None:
    """Every file and config dir named can be read, and every ``*.conf`` in a dir is a
    file: oslo.config would fail on any of them (nova does not start), so do we."""
    for path in files:
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise InputError(f"{path}: cannot read config file: {exc.strerror}") from None
    for directory in config_dirs:
        if not os.path.exists(directory):
            raise InputError(f"--config-dir {directory}: no such folder")
        if not os.path.isdir(directory):
            raise InputError(f"--config-dir {directory}: not a folder")
        try:
            os.listdir(directory)
        except OSError as exc:
            raise InputError(f"--config-dir {directory}: cannot read: {exc.strerror}") from None
        for path in config_file_order((), [directory]):
            if os.path.isdir(path):
                raise InputError(f"{path}: a folder, not a config file (--config-dir "
                                 f"{directory} reads every *.conf in it)")


def quote(value: str, limit: int = 80) -> str:
    """A value as an error message shows it: on one line (line breaks as ``⏎``), at most
    ``limit`` characters of it, an ellipsis and its length when cut."""
    text = value.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(value)} characters)"


def _oslo_type(spec: OptionSpec, release: Release) -> Any:
    """The oslo.config option nova registers for ``spec`` in ``release``."""
    from oslo_config import cfg

    default = spec.default_in(release)
    if spec.kind == "int":
        return cfg.IntOpt(spec.name, default=default, min=spec.min_in(release))
    if spec.kind == "bool":
        return cfg.BoolOpt(spec.name, default=default)
    return cfg.StrOpt(spec.name, default=default, choices=spec.choices or None)


CACHED_TEXT = 200  # longer option texts are typed every time, not kept


def _typed(spec: OptionSpec, release: Release, text: str) -> tuple[Any, str | None]:
    """``text`` typed by oslo.config as ``spec`` in ``release`` and None, or None and why
    oslo.config rejects it (:func:`_reason`)."""
    if len(text) <= CACHED_TEXT:
        return _typed_once(spec, release, text)
    return _typed_once.__wrapped__(spec, release, text)


@functools.lru_cache(maxsize=4096)
def _typed_once(spec: OptionSpec, release: Release, text: str) -> tuple[Any, str | None]:
    """:func:`_typed`, once per distinct text (each restart's start-up dump repeats it)."""
    try:
        return _oslo_type(spec, release).type(text), None
    except ValueError as exc:
        return None, _reason(spec, release, text, exc)


def _raw_values(paths: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Raw text of every known option per file, parsed by oslo.config one file at a time so
    that each value is attributed to the file that set it last. Returns (raw, source)."""
    from oslo_config import cfg

    raw: dict[str, str] = {}
    source: dict[str, str] = {}
    for path in paths:
        conf = cfg.ConfigOpts()
        conf.register_opts([cfg.StrOpt(o.name) for o in OPTIONS], group=GROUP)
        try:
            conf(args=[], default_config_files=[path], default_config_dirs=[], use_env=False)
            group = conf[GROUP]
            for option in OPTIONS:
                value = _substituted(group, option.name, path)
                if value is not None:
                    raw[option.name] = value
                    source[option.name] = path
        except cfg.ConfigFileParseError as exc:
            reason = quote(exc.msg or "", 160)
            raise InputError(f"{path}: not a valid nova.conf: {reason}") from None
        except cfg.Error as exc:
            raise InputError(f"{path}: {quote(str(exc), 160)}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not a text file ({exc.reason})") from None
        except IsADirectoryError:
            raise InputError(f"{path}: a folder, not a config file") from None
    return raw, source


def _substituted(group: Any, name: str, path: str) -> Any:
    """An option's text after oslo.config's ``$name`` / ``${group.name}`` substitution;
    a failed substitution names the option and says why."""
    from oslo_config import cfg

    try:
        return group[name]
    except (cfg.TemplateSubstitutionError, cfg.NoSuchOptError, cfg.NoSuchGroupError) as exc:
        raise InputError(
            f"{path}: [libvirt] {name}: interpolation failed: {quote(str(exc), 120)} "
            "(oslo.config replaces $name and ${group.name} by that option's value; $$ is a "
            "literal $)") from None


CONFIGPARSER_INTERPOLATION = re.compile(r"%\([^)]*\)[sdif]")


def _reason(spec: OptionSpec, release: Release, raw: str, exc: Exception) -> str:
    """Why oslo.config rejected ``raw``, without repeating the value (quoted before)."""
    text = str(exc)
    if "is not valid: " in text:
        text = text.split("is not valid: ", 1)[1]
    minimum = spec.min_in(release)
    if minimum is not None and "greater than or equal" in text:
        return f"below nova's minimum {minimum} for {release.label}"
    if CONFIGPARSER_INTERPOLATION.search(raw):
        return ("interpolation failed: %(name)s is Python configparser syntax, which "
                "oslo.config does not expand (nova reads the text as it is; oslo.config "
                "replaces $name and ${group.name})")
    if (spec.kind == "int" and "invalid literal" in text) or (
            "Exceeds the limit" in text and not raw.strip().lstrip("+-").isdigit()):
        return "not an integer"
    if "Exceeds the limit" in text:
        return f"an integer of {len(raw.strip())} digits (oslo.config reads at most 4300)"
    return quote(text, 120)


def load_config(
    release: Release,
    files: Sequence[str] = (),
    config_dirs: Sequence[str] = (),
    flags: Mapping[str, Any] | None = None,
) -> EffectiveConfig:
    """Effective live-migration options for ``release`` from defaults, files and flags.

    ``flags`` maps option names to values given on the command line (already typed or as
    text). Raises :class:`InputError` naming the file or flag, the option and the value.
    """
    _check_readable(files, config_dirs)
    paths = config_file_order(files, config_dirs)
    config = EffectiveConfig(release=release, settings={}, files=paths)
    if paths:
        _read_files(config, files, config_dirs)
    else:  # the release's defaults, as oslo.config gives them (without importing it)
        config.settings.update(_defaults(release))
    for name, given in (flags or {}).items():
        if given is None:
            continue
        _apply_flag(config, release, name, given)
    _apply_clamps(config, release)
    return config


@functools.cache
def _defaults(release: Release) -> dict[str, Setting]:
    """Every option of ``release`` at its default: what oslo.config returns for an option
    no file sets (nova's defaults are all of their option's type, with no ``$``
    substitution; tests/test_config.py compares with oslo.config for every release)."""
    return {spec.name: Setting(spec.default_in(release), f"default for {release.label}")
            for spec in OPTIONS if spec.exists_in(release)}


def _read_files(config: EffectiveConfig, files: Sequence[str], config_dirs: Sequence[str],
                ) -> None:
    """The settings of ``config.files`` (``files`` and ``config_dirs``' files, in
    oslo.config's order) typed by oslo.config, defaults for the rest."""
    from oslo_config import cfg

    release, paths = config.release, config.files
    raw, file_source = _raw_values(paths)
    conf = cfg.ConfigOpts()
    existing = [o for o in OPTIONS if o.exists_in(release)]
    conf.register_opts([_oslo_type(o, release) for o in existing], group=GROUP)
    conf(args=[], default_config_files=list(files), default_config_dirs=list(config_dirs),
         use_env=False)

    for spec in OPTIONS:
        if not spec.exists_in(release) and spec.name in raw:
            config.unknown_in_release.append((spec.name, file_source[spec.name], raw[spec.name]))
    for spec in existing:
        try:
            value = conf[GROUP][spec.name]
        except cfg.ConfigFileValueError as exc:
            where = file_source.get(spec.name, "nova.conf")
            text = raw.get(spec.name, "?")
            raise InputError(f"{where}: [libvirt] {spec.name} = {quote(text)}: "
                             f"{_reason(spec, release, text, exc)}") from None
        if spec.name in raw:
            setting = Setting(value, file_source[spec.name], raw[spec.name])
        else:
            setting = Setting(value, f"default for {release.label}")
        config.settings[spec.name] = setting


def _apply_flag(config: EffectiveConfig, release: Release, name: str, given: Any) -> None:
    spec = next(o for o in OPTIONS if o.name == name)
    flag = f"--{spec.short}" if spec.short else name
    text = _flag_text(given)
    if not spec.exists_in(release):
        config.unknown_in_release.append((name, f"flag {flag}", text))
        return
    value, reason = _typed(spec, release, text)
    if reason is not None:
        raise InputError(f"flag {flag} {quote(text)}: [libvirt] {name}: {reason}")
    config.settings[name] = Setting(value, f"flag {flag}", text)


def _flag_text(given: Any) -> str:
    if isinstance(given, bool):
        return "true" if given else "false"
    return str(given)


def _apply_clamps(config: EffectiveConfig, release: Release) -> None:
    """Liberty–Ocata clamp below-minimum values in code (silently 12–14, with a WARNING in
    15); the effective value is the clamped one."""
    for spec in OPTIONS:
        clamp = spec.clamp_in(release)
        setting = config.settings.get(spec.name)
        if clamp is None or setting is None or setting.value is None or setting.value >= clamp:
            continue
        how = "logs a WARNING and clamps" if release.clamp_policy == "warn" else "silently clamps"
        config.notes.append(
            f"{spec.name} = {setting.value} ({setting.source}) is below {clamp}: "
            f"{release.label} {how} it to {clamp}"
        )
        config.settings[spec.name] = Setting(
            clamp, f"{setting.source}, clamped from {setting.value}", setting.raw
        )


def load_typing() -> None:
    """Import oslo.config, which typing a dumped option text (:func:`config_from_values`)
    needs, now: its import leaves garbage cycles holding the frames on the stack, so a caller
    imports it before it holds anything large (analysis.migrations.warm_up)."""
    from oslo_config import cfg  # noqa: F401


def config_from_values(
    release: Release, values: Mapping[str, str], source: str
) -> tuple[EffectiveConfig, list[str]]:
    """An effective config from option texts a log printed (the startup ``log_opt_values``
    dump), typed with the release's oslo.config types. Returns the config and the problems
    (values the release's types reject), which are reported rather than raised: a log is
    evidence, not input the user can fix."""
    problems: list[str] = []
    config = EffectiveConfig(release=release, settings={})
    for spec in OPTIONS:
        if not spec.exists_in(release):
            if spec.name in values:
                config.unknown_in_release.append((spec.name, source, values[spec.name]))
            continue
        if spec.name not in values:
            config.settings[spec.name] = Setting(spec.default_in(release),
                                                 f"default for {release.label}")
            continue
        text = values[spec.name]
        if text == "None":
            config.settings[spec.name] = Setting(None, source, text)
            continue
        value, reason = _typed(spec, release, text)
        if reason is not None:
            problems.append(f"{spec.name} = {quote(text)} ({source}): {reason}")
            value = spec.default_in(release)
        config.settings[spec.name] = Setting(value, source, text)
    _apply_clamps(config, release)
    return config, problems
