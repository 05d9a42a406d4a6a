"""The public Python API: what the command line is built on.

Each function takes plain Python values and raises :class:`loganalyzer.errors.InputError`
(or a subclass) for bad input; the CLI turns those into one-line messages and exit codes.

    >>> import loganalyzer
    >>> events = loganalyzer.read(["sample_logs"])                       # doctest: +SKIP
    >>> rows = loganalyzer.migrations(events, config=["sample_logs/nova.conf"])  # doctest: +SKIP

Heavy libraries (pandas, plotly, oslo.config) are imported only by the calls that need them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from loganalyzer.errors import InputError
from loganalyzer.flags import checked

if TYPE_CHECKING:
    from loganalyzer.analysis.contract import Migration
    from loganalyzer.analysis.migrations import Declared
    from loganalyzer.config.prediction import Prediction
    from loganalyzer.findings import Finding
    from loganalyzer.logs.read import EventSet

RAMP_FLAGS = {
    "downtime": "live_migration_downtime",
    "steps": "live_migration_downtime_steps",
    "delay": "live_migration_downtime_delay",
    "completion_timeout": "live_migration_completion_timeout",
    "timeout_action": "live_migration_timeout_action",
    "post_copy": "live_migration_permit_post_copy",
    "auto_converge": "live_migration_permit_auto_converge",
}


def overrides(**given: Any) -> dict[str, Any]:
    """``[libvirt]`` option values from short names (``downtime=5000``); None is left out."""
    unknown = set(given) - set(RAMP_FLAGS)
    if unknown:
        raise InputError(f"unknown option(s): {', '.join(sorted(unknown))}")
    return {RAMP_FLAGS[k]: v for k, v in given.items() if v is not None}


@dataclass(frozen=True)
class Reading:
    """How logs are read: engine (auto | local | process | dask), scheduler, cache, progress."""

    engine: str = "auto"
    scheduler: str | None = None
    cache: str | None = None
    progress: bool = False
    cache_verify: bool = False  # reuse a cache entry only when the whole file's hash matches
    max_line_bytes: int | None = None  # None: LOGANALYZER_MAX_LINE_BYTES, else 1 MiB

    def read(self, paths: Sequence[str], hosts: Mapping[str, str] | None = None) -> EventSet:
        import os

        from loganalyzer.logs.read import collect
        from loganalyzer.logs.scan import MAX_LINE_ENV, MIN_MAX_LINE

        if self.scheduler and self.engine != "dask":
            raise InputError("--scheduler goes with --engine dask")
        if self.max_line_bytes is not None and self.max_line_bytes < MIN_MAX_LINE:
            raise InputError(f"--max-line-bytes {self.max_line_bytes}: at least "
                             f"{MIN_MAX_LINE} (nova's lines are rarely over 10 KB)")
        before = os.environ.get(MAX_LINE_ENV)
        if self.max_line_bytes is not None:  # the scanning processes inherit it
            os.environ[MAX_LINE_ENV] = str(self.max_line_bytes)
        try:
            return collect(list(paths), dict(hosts or {}), self.engine, self.scheduler,
                           self.progress, self.cache, self.cache_verify)
        finally:
            if before is None:
                os.environ.pop(MAX_LINE_ENV, None)
            else:
                os.environ[MAX_LINE_ENV] = before


def host_options(host: Sequence[str] = ()) -> dict[str, Any]:
    """``--host`` values as the library takes them: ``hosts`` (PATH=HOST names the host of a
    path) and ``host`` (plain HOSTs: the migrations to keep)."""
    from loganalyzer.logs.read import parse_host_options

    return {"hosts": parse_host_options([h for h in host if "=" in h]),
            "host": [h for h in host if "=" not in h]}


def reading_options(host: Sequence[str] = (), quiet: bool = False,
                    **reading: Any) -> dict[str, Any]:
    """:func:`host_options` and a :class:`Reading` from the reading options' values
    (:data:`loganalyzer.logs.flags.READING`; ``quiet``: no progress bar)."""
    return {**host_options(host), "reading": Reading(progress=not quiet, **reading)}


def cache_entries(cache: str) -> list[dict[str, Any]]:
    """One summary per file a ``--cache`` folder holds (path, bytes and lines scanned,
    events); :class:`InputError` when the folder does not exist."""
    from loganalyzer.logs.cache import info

    return info(_cache_folder(cache))


def clear_cache(cache: str) -> int:
    """Remove every entry of a ``--cache`` folder; returns how many there were."""
    from loganalyzer.logs.cache import clear

    return clear(_cache_folder(cache))


def _cache_folder(cache: str) -> str:
    if not os.path.isdir(cache):
        raise InputError(f"--cache {cache}: no such folder")
    return cache


def read(paths: Sequence[str] | str, *, hosts: Mapping[str, str] | None = None,
         engine: str = "auto", scheduler: str | None = None, cache: str | None = None,
         progress: bool = False, cache_verify: bool = False,
         max_line_bytes: int | None = None) -> EventSet:
    """Read logs (files, folders, sosreports, tarballs, URLs, ``-``) into an event set.

    The same inputs, engines and cache as ``loganalyzer scan``. ``hosts`` maps a path (file
    or folder) to the host that wrote it. The result carries ``files``, ``unrecognized``,
    ``warnings``; ``to_pandas()`` is the event table ``scan --format parquet`` writes.
    ``max_line_bytes`` is ``--max-line-bytes``.
    """
    if isinstance(paths, str):
        paths = [paths]
    return Reading(engine, scheduler, cache, progress, cache_verify,
                   max_line_bytes).read(paths, hosts)


def migrations(paths_or_events: Sequence[str] | str | EventSet, *,
               config: Sequence[str] = (), config_dir: Sequence[str] = (),
               release: str | None = None, python: int | None = None,
               memory_mb: int | None = None, disk_gb: Sequence[float] = (),
               late_threshold_s: float = 10.0, instance: Sequence[str] = (),
               host: Sequence[str] = (), since: datetime | str | None = None,
               until: datetime | str | None = None,
               hosts: Mapping[str, str] | None = None, reading: Reading | None = None,
               **options: Any) -> list[Migration]:
    """One :class:`Migration` per live migration; ``to_json()`` is exactly the element
    ``migrations --format json`` writes.

    ``options`` are ``[libvirt]`` values by short name (``downtime=5000, steps=7``), which win
    over ``config`` files. ``instance`` (prefixes), ``host`` (source or destination) and
    ``since``/``until`` select migrations.
    """
    from loganalyzer.analysis.contract import Migration
    from loganalyzer.output.migrations_out import public

    rows, _ = analyse(paths_or_events, config=config, config_dir=config_dir, release=release,
                      python=python, memory_mb=memory_mb, disk_gb=disk_gb,
                      late_threshold_s=late_threshold_s, instance=instance, host=host,
                      since=since, until=until, hosts=hosts, reading=reading,
                      flags=overrides(**options))
    return [Migration.from_json(public(r)) for r in rows]


def analyse(paths_or_events: Sequence[str] | str | EventSet, *,
            config: Sequence[str] = (), config_dir: Sequence[str] = (),
            release: str | None = None, python: int | None = None,
            memory_mb: int | None = None, disk_gb: Sequence[float] = (),
            late_threshold_s: float = 10.0, instance: Sequence[str] = (),
            host: Sequence[str] = (), since: datetime | str | None = None,
            until: datetime | str | None = None, hosts: Mapping[str, str] | None = None,
            reading: Reading | None = None, flags: Mapping[str, Any] | None = None,
            declared: Declared | None = None) -> tuple[list[dict[str, Any]], EventSet]:
    """Internal rows (with their events) and the event set: what migrations, show, verify and
    report share. Bad configuration fails before any log is read (``declared``: the
    configuration already read and checked by :func:`checked_declaration`)."""
    from loganalyzer.analysis.migrations import Options
    from loganalyzer.analysis.migrations import analyse_all as analyse_records
    from loganalyzer.logs.read import EventSet

    window = checked_selection(since=since, until=until, memory_mb=memory_mb,
                               disk_gb=disk_gb, late_threshold_s=late_threshold_s)
    if declared is None:
        declared = checked_declaration(config, config_dir, flags, release, python)
    if isinstance(paths_or_events, EventSet):
        events = paths_or_events
    else:
        paths = [paths_or_events] if isinstance(paths_or_events, str) else paths_or_events
        events = (reading or Reading()).read(paths, hosts)
    if not events.read_anything:
        raise InputError("no input could be read: " + ", ".join(
            [f.path for f in events.files] or ([] if isinstance(paths_or_events, EventSet)
                                               else [str(paths_or_events)])))
    options = Options(declared=declared, release=release, python=python, memory_mb=memory_mb,
                      disk_gb=list(disk_gb), late_threshold_s=late_threshold_s)
    from loganalyzer.analysis.collecting import collector_paused
    from loganalyzer.analysis.dedup import WHERE
    from loganalyzer.analysis.migrations import warm_up

    warm_up(events.columns.get("kind", ()))  # (before the analysis: see warm_up)
    with collector_paused():  # the views and keys of every event: no garbage cycles
        analysis = analyse_records(events.records(), options, events.line_keys(WHERE),
                                   events.libvirt.records if events.libvirt is not None else ())
    events.host_aliases = analysis.host_aliases
    events.duplicates_dropped = analysis.duplicates_dropped
    events.analysis_warnings = analysis.warnings
    if analysis.host_aliases:  # one name per host downstream too (report, drift table)
        events.rename_hosts(analysis.identity.name)
    names = [n for h in host for n in (h, analysis.identity.name(h) or h)]
    rows = [r for r in analysis.rows if selected(r, list(instance), names, *window)]
    return rows, events


def checked_selection(*, since: datetime | str | None = None,
                      until: datetime | str | None = None, memory_mb: int | None = None,
                      disk_gb: Sequence[float] = (), late_threshold_s: float = 10.0,
                      **_: Any) -> tuple[datetime | None, datetime | None]:
    """The ``since``/``until`` window, parsed, after the guest's numbers are checked
    (:func:`loganalyzer.flags.checked`): what :func:`analyse` takes that can be wrong is
    refused here, before any log is read (``_``: its other keywords, not checked here)."""
    from loganalyzer.analysis.flags import GUEST

    checked(GUEST, {"disk_gb": list(disk_gb), "late_threshold_s": late_threshold_s})
    if memory_mb is not None and memory_mb <= 0:
        raise InputError(f"--memory-mb {memory_mb}: must be positive")
    return _moment("--since", since), _moment("--until", until)


def checked_declaration(config: Sequence[str], config_dir: Sequence[str],
                        flags: Mapping[str, Any] | None, release: str | None,
                        python: int | None) -> Declared:
    """The declared configuration, read once by oslo.config for the chosen release so that
    bad files and values fail before any log is read (its loads are cached per release)."""
    from loganalyzer.analysis.migrations import Declared
    from loganalyzer.config.prediction import resolve_model

    declared = Declared(list(config), list(config_dir), dict(flags or {}))
    if declared.given:
        declared.for_release(resolve_model(release, None, python).release)
    return declared


SHOW_MATCHES_NAMED = 3  # instances a too-short --instance prefix names


def _show_checked(instance: str, n: int | None) -> None:
    """``show``'s own values, checked before any log is read."""
    if not instance.strip():
        raise InputError("--instance: empty; give the instance's UUID or its first characters")
    if n is not None and n < 1:
        raise InputError(f"--n {n}: must be at least 1 (1 = the instance's first migration)")


def pick(rows: Sequence[dict[str, Any]], instance: str, n: int | None
         ) -> tuple[dict[str, Any], int]:
    """``show``'s migration: the ``n``-th (1 = first; default the last) of the rows of one
    instance (selected by UUID prefix), and its position. A prefix that several instances
    share is refused, naming them: the rows would mix guests."""
    _show_checked(instance, n)
    if not rows:
        raise InputError(f"--instance {instance}: no migration of that instance in the input")
    matches = sorted({str(r["instance"]) for r in rows if r.get("instance")})
    if len(matches) > 1:
        named = ", ".join(matches[:SHOW_MATCHES_NAMED]) + (
            f" and {len(matches) - SHOW_MATCHES_NAMED} more"
            if len(matches) > SHOW_MATCHES_NAMED else "")
        raise InputError(f"--instance {instance}: matches {len(matches)} instances ({named}); "
                         "give more of the UUID")
    position = n if n is not None else len(rows)
    if not 1 <= position <= len(rows):
        raise InputError(f"--n {n}: the instance has {len(rows)} migration(s)")
    return rows[position - 1], position


def read_noting(paths: Sequence[str], say: Callable[[str], None], *,
                reading: Reading | None = None, hosts: Mapping[str, str] | None = None
                ) -> EventSet:
    """Read as ``scan`` does: warnings and notes to ``say`` (``warning: …``, ``note: …``);
    :class:`InputError` when no input could be read at all."""
    events = (reading or Reading()).read(paths, hosts)
    for line in [*(f"warning: {w}" for w in events.warnings),
                 *(f"note: {n}" for n in events.notes)]:
        say(line)
    if not events.read_anything:
        raise InputError("no input could be read: " + ", ".join(paths))
    return events


def scan_noting(paths: Sequence[str], say: Callable[[str], None], *, kind: Sequence[str] = (),
                instance: Sequence[str] = (), host: Sequence[str] = (),
                since: str | None = None, until: str | None = None,
                reading: Reading | None = None, hosts: Mapping[str, str] | None = None
                ) -> tuple[EventSet, Any]:
    """What ``scan`` lists: the events read as :func:`read_noting` reads them, and the table
    of those of the given kinds, instances (prefixes), hosts and time window (checked
    before any log is read)."""
    from loganalyzer.logs.select import check_kinds, parse_time, select_events

    check_kinds(kind)
    window = parse_time("--since", since), parse_time("--until", until)
    events = read_noting(paths, say, reading=reading, hosts=hosts)
    return events, select_events(events.events, kind, instance, host, *window)


def analyse_noting(paths: Sequence[str], say: Callable[[str], None], *,
                   reading: Reading | None = None, hosts: Mapping[str, str] | None = None,
                   config: Sequence[str] = (), config_dir: Sequence[str] = (),
                   flags: Mapping[str, Any] | None = None, release: str | None = None,
                   python: int | None = None, declared: Declared | None = None,
                   **kwargs: Any) -> tuple[list[dict[str, Any]], EventSet]:
    """:func:`analyse` as the commands run it: a bad configuration, time window or guest
    size fails before any log is read, and reading warnings, notes (a nova.conf among the
    inputs left unused) and an empty result are handed to ``say``, one line each
    (``warning: …``, ``note: …``).
    ``declared``: the configuration already read by :func:`checked_declaration`."""
    checked_selection(**kwargs)
    if declared is None:
        declared = checked_declaration(config, config_dir, flags, release, python)
    events = read_noting(paths, say, reading=reading, hosts=hosts)
    unused = [f.path for f in events.passed_over
              if os.path.basename(f.path.rsplit(":", 1)[-1]).startswith("nova")
              and f.path.endswith(".conf")]
    if unused and not config and not config_dir:
        shown = ", ".join(unused[:3]) + (f" and {len(unused) - 3} more" if len(unused) > 3
                                         else "")
        say(f"note: {shown} found among the inputs and not used: migrations are checked "
            "against each host's start-up dump or the release defaults; give --config FILE "
            "to check against it")
    rows, events = analyse(events, config=config, config_dir=config_dir, flags=flags,
                           release=release, python=python, declared=declared, **kwargs)
    for warning in events.analysis_warnings:
        say(f"warning: {warning}")
    if not rows:
        chosen = any(kwargs.get(k) for k in ("instance", "host", "since", "until"))
        what = "no live migration matches the selection" if chosen else \
            "no live migration found"
        say(f"{what} in {len(events.files)} file(s) read "
            f"({sum(f.lines for f in events.files)} lines)")
    return rows, events


def show_noting(paths: Sequence[str], say: Callable[[str], None], *, instance: str,
                n: int | None = None, **kwargs: Any) -> tuple[dict[str, Any], int, int]:
    """``show``'s migration: the ``n``-th (:func:`pick`) of the migrations of ``instance`` (a
    UUID or its first characters) :func:`analyse_noting` finds; with its position and how
    many the instance has."""
    _show_checked(instance, n)
    rows, _ = analyse_noting(paths, say, instance=[instance], **kwargs)
    row, position = pick(rows, instance, n)
    return row, position, len(rows)


def verify_noting(paths: Sequence[str], say: Callable[[str], None], *,
                  allow_empty: bool = False, **kwargs: Any) -> Any:
    """``verify``'s verdict (:func:`loganalyzer.analysis.verify.verify`) on the migrations
    :func:`analyse_noting` selects."""
    from loganalyzer.analysis.verify import verify as run_verify

    return run_verify(analyse_noting(paths, say, **kwargs)[0], allow_empty)


def _moment(flag: str, value: datetime | str | None) -> datetime | None:
    from loganalyzer.logs.select import parse_time

    if value is None or isinstance(value, datetime):
        return value
    return parse_time(flag, value)


def selected(row: Mapping[str, Any], instances: list[str], hosts: list[str],
             since: datetime | None, until: datetime | None) -> bool:
    """Whether a migration row passes the instance, host and time selection."""
    if instances and not any((row.get("instance") or "").startswith(i) for i in instances):
        return False
    if hosts and not ({row.get("source_host"), row.get("dest_host")} & set(hosts)):
        return False
    start = row.get("start")
    if (since or until) and start is None:
        return False
    moment = datetime.fromisoformat(start) if start else None
    if since and moment and moment < since:
        return False
    return not (until and moment and moment > until)


def failing(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The migrations ``verify`` fails, for a reason of
    :data:`loganalyzer.analysis.verify.REASONS` (a ramp that does not match, an unknown
    configuration, a host running another configuration, behaviour the configuration cannot
    produce, a timeout limit it cannot produce)."""
    from loganalyzer.analysis.verify import verify as run_verify

    return [f.migration for f in run_verify(rows).failures]


def verify(paths_or_events: Sequence[str] | str | EventSet, *, allow_empty: bool = False,
           **kwargs: Any) -> tuple[bool, list[Migration]]:
    """(passed, the failing migrations) for the declared configuration; same arguments as
    :func:`migrations`. A check that verified nothing (no migration with a downtime ramp
    selected) does not pass unless ``allow_empty``."""
    from loganalyzer.analysis.verify import verify as run_verify

    rows = migrations(paths_or_events, **kwargs)
    elements = [m.to_json() for m in rows]
    verdict = run_verify(elements, allow_empty)
    failed = {id(f.migration) for f in verdict.failures}
    return verdict.ok, [m for m, j in zip(rows, elements, strict=True) if id(j) in failed]


def predict(*, memory_mb: int | None = None, data_gb: float | None = None,
            disk_gb: Sequence[float] = (), config: Sequence[str] = (),
            config_dir: Sequence[str] = (), release: str | None = None,
            variant: str | None = None, python: int | None = None,
            flags: Mapping[str, Any] | None = None, **options: Any) -> Prediction:
    """The ramp and timeout nova computes for a guest (``steps`` give ``after_s`` and
    ``downtime_ms``). ``options`` as for :func:`migrations`; ``flags`` by nova's option names."""
    from loganalyzer.config.flags import PREDICT
    from loganalyzer.config.prediction import guest_size
    from loganalyzer.config.prediction import predict as run_predict

    checked(PREDICT, {"data_gb": data_gb, "disk_gb": list(disk_gb)})
    model, conf = _configured(config, config_dir, release, variant, python, flags, options)
    py = model.variant.python if model.variant else model.release.default_python
    return run_predict(model, conf, guest_size(memory_mb, data_gb, list(disk_gb), py))


def _configured(config: Sequence[str], config_dir: Sequence[str], release: str | None,
                variant: str | None, python: int | None, flags: Mapping[str, Any] | None,
                options: dict[str, Any]) -> tuple[Any, Any]:
    """(model, effective configuration): release and arithmetic resolved, files read by
    oslo.config, flags (nova names) and short-named options applied last."""
    from loganalyzer.config.load import load_config
    from loganalyzer.config.prediction import resolve_model

    model = resolve_model(release, variant, python)
    values = {**dict(flags or {}), **overrides(**options)}
    return model, load_config(model.release, list(config), list(config_dir), values)


@dataclass(frozen=True)
class LintResult:
    """What ``lint`` checked and found: the model, the effective configuration, the guest
    sizes and the findings."""

    model: Any
    config: Any
    guests: list[Any]
    findings: list[Finding]

    @property
    def warned(self) -> bool:
        """Whether anything is a warning or an error (what makes ``lint`` exit 1)."""
        from loganalyzer.findings import has_warnings

        return has_warnings(self.findings)


LINT_SIZES_MB = (2048, 4096, 8192, 16384, 32768, 65536)


def lint(*, memory_mb: Sequence[int | str] | None = None,
         data_gb: Sequence[float] = (), disk_gb: Sequence[float] = (),
         config: Sequence[str] = (), config_dir: Sequence[str] = (),
         release: str | None = None, variant: str | None = None, python: int | None = None,
         flags: Mapping[str, Any] | None = None, **options: Any) -> LintResult:
    """Configuration findings for guests of the given sizes: ``data_gb`` sizes and
    ``memory_mb`` ones (2–64 GiB when neither is given; as text, ``"2048:65536"`` is that
    range: :func:`loganalyzer.config.sizes.memory_sizes`)."""
    from loganalyzer.config.flags import LINT
    from loganalyzer.config.lint import lint as run_lint
    from loganalyzer.config.prediction import guest_size
    from loganalyzer.config.sizes import memory_sizes

    checked(LINT, {"data_gb": list(data_gb), "disk_gb": list(disk_gb)})
    if memory_mb is None:
        sizes: Sequence[int] = () if data_gb else LINT_SIZES_MB
    elif any(isinstance(size, str) for size in memory_mb):
        sizes = memory_sizes([str(size) for size in memory_mb])
    else:
        sizes = [int(size) for size in memory_mb]
    model, conf = _configured(config, config_dir, release, variant, python, flags, options)
    py = model.variant.python if model.variant else model.release.default_python
    guests = [guest_size(None, gb, [], py) for gb in data_gb]
    guests += [guest_size(mb, None, list(disk_gb), py) for mb in sizes]
    return LintResult(model, conf, guests, run_lint(model, conf, guests))


def simulate(*, memory_mb: int = 4096, disk_gb: Sequence[float] = (),
             dirty_rate: float = 50.0, working_set_mb: int | None = None,
             bandwidth: float = 1000.0, release: str | None = None, python: int | None = None,
             seed: int = 0, stalls: Mapping[float, float] | None = None,
             migration_bandwidth: int | None = None, **options: Any) -> Any:
    """One pre-copy migration driven the way nova's monitor drives it (a ``SimResult``)."""
    from loganalyzer.simulate.model import simulate as run
    from loganalyzer.simulate.run import configured, guest_of

    model, settings = configured((), (), overrides(**options), release, python,
                                 migration_bandwidth)
    guest = guest_of(memory_mb, disk_gb, dirty_rate, working_set_mb, bandwidth)
    py = model.variant.python if model.variant else model.release.default_python
    return run(guest, bandwidth, settings, model.release, py, seed, stalls=dict(stalls or {}))


def settings_from(conf: Any) -> Any:
    """The simulator's :class:`Settings` from an effective configuration (see
    :func:`loganalyzer.simulate.run.settings_from`)."""
    from loganalyzer.simulate.run import settings_from as convert

    return convert(conf)


def report(paths_or_events: Sequence[str] | str | EventSet, *, out: str,
           title: str = "nova live migrations", config: Sequence[str] = (),
           config_dir: Sequence[str] = (), release: str | None = None,
           python: int | None = None, **kwargs: Any) -> dict[str, Any]:
    """Write the self-contained HTML report to ``out``; returns a summary (path, counts)."""
    from loganalyzer.config.prediction import resolve_model
    from loganalyzer.report.publish import shown
    from loganalyzer.report.render import build_page, write

    flags = overrides(**{k: kwargs.pop(k) for k in list(kwargs) if k in RAMP_FLAGS})
    declared = checked_declaration(config, config_dir, flags, release, python)
    rows, events = analyse(paths_or_events, release=release, python=python, declared=declared,
                           **kwargs)
    html, _ = build_page(rows, events, title,
                         *shown(declared, resolve_model(release, None, python).release))
    write(out, html)
    return {"path": out, "migrations": len(rows),
            "mismatches": sum(1 for r in rows if r["ramp_verdict"] == "mismatch"),
            "unrecognized": len(events.unrecognized), "warnings": len(events.warnings)}


def publish_report(paths: Sequence[str], say: Callable[[str], None], *, title: str,
                   output: str | None = None, config: Sequence[str] = (),
                   config_dir: Sequence[str] = (), flags: Mapping[str, Any] | None = None,
                   release: str | None = None, python: int | None = None, **kwargs: Any
                   ) -> tuple[str, str, Any]:
    """What ``loganalyzer report`` does: the declared configuration read once (checked
    before any log is read, then shown), logs analysed as :func:`analyse_noting` does, the
    page written (:func:`loganalyzer.report.publish.publish`). Returns the file written,
    the summary line and the page's figures (for PNGs)."""
    from loganalyzer.config.prediction import resolve_model
    from loganalyzer.report.publish import publish, summary_line

    declared = checked_declaration(config, config_dir, flags, release, python)
    rows, events = analyse_noting(paths, say, config=config, config_dir=config_dir,
                                  flags=flags, release=release, python=python,
                                  declared=declared, **kwargs)
    target, figures = publish(rows, events, title, declared,
                              resolve_model(release, None, python).release, output)
    return target, summary_line(target, rows, events), figures
