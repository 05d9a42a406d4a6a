"""The nova release table, Folsom to master, and what each release does differently.

From docs/nova.md §0 (release map, Python support) and the
per-message release ranges of §2. A release is identified by its *major*: the first number
of its version from Liberty (12.0.0) on. Releases before Liberty used year-based versions
(2015.1 = Kilo); they get the majors they would have had (Kilo = 11, Juno = 10, ...) so that
every rule can be written as a range of majors. ``master`` is 34.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Variant(StrEnum):
    """How a release computes the downtime ramp (docs/nova.md §3.1, §3.2)."""

    LINEAR_PY3 = "linear-py3"
    LINEAR_PY2 = "linear-py2"
    EXPONENTIAL = "exponential"

    @property
    def python(self) -> int:
        """The Python major the variant's arithmetic belongs to (exponential ran on py2)."""
        return 3 if self is Variant.LINEAR_PY3 else 2


class StepApplication(StrEnum):
    """How a release's monitor applies the ramp (docs/nova.md §3.3)."""

    POP = "pop"  # Liberty/Mitaka: at most one due step per iteration, each one logged
    UPDATE_DOWNTIME = "update_downtime"  # Newton+: jump to the latest due step, log a change


@dataclass(frozen=True)
class Release:
    """One nova release series."""

    major: int
    name: str
    version: str  # first version of the series: "12.0.0", "2015.1", "master"
    date: str  # git tag date of the first version, "" for master
    pythons: tuple[int, ...]  # Python majors the series could run on
    series: str = ""  # "2023.1" style name from Antelope on

    @property
    def label(self) -> str:
        """Human label: ``Train (20)``, ``2023.1 Antelope (27)``, ``Kilo (2015.1)``."""
        name = f"{self.series} {self.name}" if self.series else self.name
        if self.major <= 11:
            return f"{name} ({self.version})"
        if self.version == "master":
            return "master"
        return f"{name} ({self.major})"

    @property
    def default_python(self) -> int:
        """The Python assumed when the user does not say: 2 while the release supported it.

        Pike–Train ran on either; most distributions of those years (RDO on CentOS 7, Ubuntu
        before Stein) used Python 2, so 2 is assumed and the choice is reported.
        """
        return 2 if 2 in self.pythons else 3

    # --- behaviour switches, each citing the nova change it mirrors -------------------

    @property
    def has_monitor(self) -> bool:
        """The live-migration monitor loop and progress line exist (Kilo 7dd6a4a193)."""
        return self.major >= 11

    @property
    def has_downtime_steps(self) -> bool:
        """The downtime options and ramp exist (Liberty 07c7e5caf2)."""
        return self.major >= 12

    def variant(self, python: int | None = None) -> Variant | None:
        """Ramp variant: exponential 12–14, linear from Ocata 15 (bcd584f293)."""
        if not self.has_downtime_steps:
            return None
        if self.major <= 14:
            return Variant.EXPONENTIAL
        py = python if python is not None else self.default_python
        return Variant.LINEAR_PY3 if py == 3 else Variant.LINEAR_PY2

    @property
    def step_application(self) -> StepApplication | None:
        """``pop`` in Liberty/Mitaka (inline in ``_live_migration_monitor``),
        ``update_downtime`` from Newton 14.0.0 (``migration.py``); None before Liberty."""
        if not self.has_downtime_steps:
            return None
        return StepApplication.POP if self.major <= 13 else StepApplication.UPDATE_DOWNTIME

    @property
    def clamp_policy(self) -> str:
        """Below-minimum option values: ``silent`` clamp 12–14, ``warn`` clamp in Ocata 15
        (079396d6ed), rejected by oslo.config ``min=`` from Pike 16 (03711d2648)."""
        if self.major <= 14:
            return "silent"
        if self.major == 15:
            return "warn"
        return "reject"

    @property
    def downtime_message_has_space(self) -> bool:
        """``Increasing downtime to %dms`` in 12.x only; ``%d ms`` from 13.0.0 (16a50ea03d)."""
        return self.major >= 13

    @property
    def progress_has_disk(self) -> bool:
        """The progress line gained its disk part in Train 20.0.0 (9570e75752)."""
        return self.major >= 20

    @property
    def progress_secs_is_elapsed(self) -> bool:
        """``secs`` is wall time from Wallaby 23.0.0 (f88a8b0c1b); before, iterations / 2."""
        return self.major >= 23

    @property
    def has_stuck_timeout(self) -> bool:
        """``live_migration_progress_timeout`` and ``Live migration stuck``: 12–18."""
        return 12 <= self.major <= 18

    @property
    def default_progress_timeout_s(self) -> int:
        """``live_migration_progress_timeout``'s default: 150 s in Liberty–Newton (12.0.0
        driver.py, 14.0.0 conf/libvirt.py), 0 (off) from Ocata 15.0.0; 0 where it does not
        exist."""
        return 150 if 12 <= self.major <= 14 else 0

    @property
    def has_timeout_action(self) -> bool:
        """``live_migration_timeout_action`` from Stein 19.0.0 (99a075cc94)."""
        return self.major >= 19

    @property
    def has_post_copy(self) -> bool:
        """Post-copy and auto-converge options from Newton 14.0.0."""
        return self.major >= 14

    @property
    def has_auto_post_copy_switch(self) -> bool:
        """The automatic post-copy switch of Newton–Rocky (removed in 19.0.0)."""
        return 14 <= self.major <= 18

    @property
    def global_request_id_context(self) -> bool:
        """Zed (oslo.log 4.8) prints ``[<global id> req-… …]``; ``None`` when absent."""
        return self.major >= 26

    @property
    def source_context_lost(self) -> bool:
        """Rocky–Zed source live-migration lines print ``[-]`` (bug 1962574)."""
        return 18 <= self.major <= 26

    @property
    def logs_pre_live_migration_time(self) -> bool:
        """``Took %0.2f seconds for pre_live_migration …`` from Rocky 18.0.0."""
        return self.major >= 18

    def migration_completed_event(self, minor: int = 0) -> bool:
        """``VM Migration completed`` instead of ``VM Paused`` at switch-over: 19.1+, 20.1+,
        21+ (aa87b9c288 and its backports)."""
        if self.major >= 21:
            return True
        if self.major in (19, 20):
            return minor >= 1
        return False

    def reraises_operation_errors(self, minor: int = 0) -> bool:
        """After the monitor, the operation thread's error is re-raised (``future.result()``):
        33.0.0 and later, and 32.2.0 and later of 2025.2 (bf1201cc57)."""
        return self.major >= 33 or (self.major == 32 and minor >= 2)


RELEASES: tuple[Release, ...] = (
    Release(6, "Folsom", "2012.2", "2012-09-27", (2,)),
    Release(7, "Grizzly", "2013.1", "2013-04-04", (2,)),
    Release(8, "Havana", "2013.2", "2013-10-17", (2,)),
    Release(9, "Icehouse", "2014.1", "2014-04-17", (2,)),
    Release(10, "Juno", "2014.2", "2014-10-16", (2,)),
    Release(11, "Kilo", "2015.1", "2015-04-28", (2,)),
    Release(12, "Liberty", "12.0.0", "2015-10-13", (2,)),
    Release(13, "Mitaka", "13.0.0", "2016-03-31", (2,)),
    Release(14, "Newton", "14.0.0", "2016-09-29", (2,)),
    Release(15, "Ocata", "15.0.0", "2017-02-17", (2,)),
    Release(16, "Pike", "16.0.0", "2017-08-25", (2, 3)),
    Release(17, "Queens", "17.0.0", "2018-02-22", (2, 3)),
    Release(18, "Rocky", "18.0.0", "2018-08-24", (2, 3)),
    Release(19, "Stein", "19.0.0", "2019-04-05", (2, 3)),
    Release(20, "Train", "20.0.0", "2019-10-08", (2, 3)),
    Release(21, "Ussuri", "21.0.0", "2020-05-04", (3,)),
    Release(22, "Victoria", "22.0.0", "2020-09-23", (3,)),
    Release(23, "Wallaby", "23.0.0", "2021-03-30", (3,)),
    Release(24, "Xena", "24.0.0", "2021-09-21", (3,)),
    Release(25, "Yoga", "25.0.0", "2022-03-10", (3,)),
    Release(26, "Zed", "26.0.0", "2022-09-19", (3,)),
    Release(27, "Antelope", "27.0.0", "2023-03-04", (3,), "2023.1"),
    Release(28, "Bobcat", "28.0.0", "2023-09-19", (3,), "2023.2"),
    Release(29, "Caracal", "29.0.0", "2024-03-18", (3,), "2024.1"),
    Release(30, "Dalmatian", "30.0.0", "2024-09-20", (3,), "2024.2"),
    Release(31, "Epoxy", "31.0.0", "2025-03-18", (3,), "2025.1"),
    Release(32, "Flamingo", "32.0.0", "2025-09-11", (3,), "2025.2"),
    Release(33, "Gazpacho", "33.0.0", "2026-03-12", (3,), "2026.1"),
    Release(34, "master", "master", "", (3,)),
)

BY_MAJOR: dict[int, Release] = {r.major: r for r in RELEASES}
MASTER = BY_MAJOR[34]

_YEAR_VERSION = re.compile(r"^(20\d\d)\.(\d)")
_MAJOR_VERSION = re.compile(r"^(\d{1,2})(?:\.(\d+))?(?:\.\d+)?")


class UnknownRelease(ValueError):
    """A release name or number that is not in the table."""


@dataclass(frozen=True)
class ReleaseRef:
    """A resolved release plus the minor version when the text gave one."""

    release: Release
    minor: int | None = None
    text: str = ""


def parse_release(text: str) -> ReleaseRef:
    """Resolve ``train``, ``Train``, ``20``, ``20.4.1``, ``2023.1``, ``antelope``,
    ``2014.2.3-31.el7ost``, ``2:21.2.3-0ubuntu1`` or ``master`` to a release."""
    raw = text
    t = text.strip().lower()
    if ":" in t and t.split(":", 1)[0].isdigit():  # Debian epoch "2:21.2.3-0ubuntu1"
        t = t.split(":", 1)[1]
    for rel in RELEASES:
        if t and t in (rel.name.lower(), rel.series):
            return ReleaseRef(rel, None, raw)
    if t == "master":
        return ReleaseRef(MASTER, None, raw)
    m = _YEAR_VERSION.match(t)
    if m:
        year, half = int(m.group(1)), int(m.group(2))
        for rel in RELEASES:
            if rel.series == f"{year}.{half}" or rel.version == f"{year}.{half}":
                return ReleaseRef(rel, None, raw)
        raise UnknownRelease(f"unknown nova release {raw!r}")
    m = _MAJOR_VERSION.match(t)
    if m:
        major = int(m.group(1))
        if major in BY_MAJOR and major >= 12:
            minor = int(m.group(2)) if m.group(2) is not None else None
            return ReleaseRef(BY_MAJOR[major], minor, raw)
    names = ", ".join(r.name.lower() for r in RELEASES if r.major >= 11)
    raise UnknownRelease(
        f"unknown nova release {raw!r}: give a name ({names}), a number (12–33) "
        "or a series (2023.1)"
    )
