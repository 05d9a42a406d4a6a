"""The catalogue of nova's live-migration log messages, as data.

One entry per message form, built with keywords, defines the message completely: the literal
``key`` it contains (the byte prefilter looks for it), a regex for the rest whose named groups
are the event's fields, ``constants`` (fields the form itself implies), nova's format string
(``template``, for writing logs), its levels, which host logs it and from which logger in
which release, the releases that log it, its ``phase`` and ``role`` in a migration, the
release evidence it gives, and ``samples`` as nova writes them with the fields they must
read to. The grammar, the prefilter, the log writer, the timeline's phases, the release
evidence and the tests all come from this table; :func:`validate` checks it the way lnav
checks its formats (every sample matches its own pattern and no other). The release ranges
are read from nova's git history: docs/nova-history.md cites tag and file for each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
HOST = r"[^\s]+?"
NEWEST = 34  # master
OLDEST_ANALYSED = 11  # Kilo: release evidence is about Kilo and later (analysis.evidence)
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "AUDIT")
SIDES = ("source", "dest", "both", "host")


class Kind(StrEnum):
    """What an event says; several message forms can share a kind. The values are the kind
    strings of the event table, so code comparing with string literals keeps working."""

    DOWNTIME_STEP = "downtime_step"
    DOWNTIME_STATE = "downtime_state"
    DOWNTIME_NO_STEP = "downtime_no_step"
    DOWNTIME_UNCHANGED = "downtime_unchanged"
    DOWNTIME_SET_FAILED = "downtime_set_failed"
    CONFIG_CLAMPED = "config_clamped"
    PROGRESS = "progress"
    DATA_REMAINING = "data_remaining"
    COMPLETION_TIMEOUT = "completion_timeout"
    PROGRESS_TIMEOUT = "progress_timeout"
    ABORT_FAILED = "abort_failed"
    CANCEL_FAILED = "cancel_failed"
    ABORT_AFTER_ERROR_FAILED = "abort_after_error_failed"
    POSTCOPY_SWITCH = "postcopy_switch"
    POSTCOPY_SWITCH_FAILED = "postcopy_switch_failed"
    FORCE_COMPLETE_IN_POSTCOPY = "force_complete_in_postcopy"
    FORCE_COMPLETE_PAUSE_FAILED = "force_complete_pause_failed"
    ROLLBACK_RESUME_FAILED = "rollback_resume_failed"
    POSTCOPY_UNSET_PAUSED = "postcopy_unset_paused"
    UNKNOWN_MIGRATION_TASK = "unknown_migration_task"
    OPERATION_COMPLETED = "operation_completed"
    OPERATION_ABORTED = "operation_aborted"
    OPERATION_CANCELLED = "operation_cancelled"
    LIVE_MIGRATION_FAILURE = "live_migration_failure"
    UNEXPECTED_JOB_TYPE = "unexpected_job_type"
    JOB_FAILED = "job_failed"
    JOB_FINISHED = "job_finished"
    JOB_TYPE_FIXED = "job_type_fixed"
    DOMAIN_CHECK_ERROR = "domain_check_error"
    DOMAIN_CHECK_FAILED = "domain_check_failed"
    OPERATION_THREAD_RUNNING = "operation_thread_running"
    MIGRATION_NOT_RUNNING = "migration_not_running"
    JOB_INFO_DOMAIN_GONE = "job_info_domain_gone"
    JOB_INFO_FAILED = "job_info_failed"
    MONITOR_STARTED = "monitor_started"
    MONITOR_DONE = "monitor_done"
    MONITOR_ERROR = "monitor_error"
    MIGRATE_API_INVOKED = "migrate_api_invoked"
    MIGRATE_API_COMPLETED = "migrate_api_completed"
    OPERATION_THREAD_FINISHED = "operation_thread_finished"
    OPERATION_THREAD_NOTIFICATION = "operation_thread_notification"
    VIF_DETACHED = "vif_detached"
    ACTIVE_MIGRATION_MISSING = "active_migration_missing"
    PRE_LIVE_MIGRATION_TOOK = "pre_live_migration_took"
    PRE_LIVE_MIGRATION_FAILED = "pre_live_migration_failed"
    SOURCE_CHECK_DATA = "source_check_data"
    DEST_CHECK_DATA = "dest_check_data"
    PRE_LIVE_MIGRATION_DATA = "pre_live_migration_data"
    LIVE_MIGRATION_DATA = "live_migration_data"
    SUBMIT_FAILED_SHUTDOWN = "submit_failed_shutdown"
    QUEUED_MIGRATION_CANCELLED = "queued_migration_cancelled"
    POST_LIVE_MIGRATION_STARTED = "post_live_migration_started"
    MIGRATION_SUCCEEDED = "migration_succeeded"
    DOMAIN_NOT_FOUND_NOTICE = "domain_not_found_notice"
    LIVE_MIGRATION_FAILED = "live_migration_failed"
    POST_LIVE_MIGRATION_AT_DEST_FAILED = "post_live_migration_at_dest_failed"
    POST_AT_DEST_UNEXPECTED_ERROR = "post_at_dest_unexpected_error"
    NO_MIGRATE_DATA_CLEANUP = "no_migrate_data_cleanup"
    REVERT_ALLOCATIONS_FAILED = "revert_allocations_failed"
    ABORTED_BY_ANOTHER_PROCESS = "aborted_by_another_process"
    VIF_PLUG_FAILED = "vif_plug_failed"
    POST_OPERATION_STARTED = "post_operation_started"
    SYNC_POWER_MOVED = "sync_power_moved"
    SYNC_POWER_PENDING_TASK = "sync_power_pending_task"
    LIFECYCLE = "lifecycle"
    LIFECYCLE_EMITTED = "lifecycle_emitted"
    RT_MIGRATION = "rt_migration"
    RT_TRACK_MIGRATION = "rt_track_migration"
    COMPUTE_START = "compute_start"
    CONFIG_OPTION = "config_option"
    CONFIG_FILES = "config_files"
    # no message of its own: the scan's one row per start-up dump, the config_option,
    # config_files, conf_host and conf_my_ip lines of one process folded (DUMP_LINE_KINDS)
    CONFIG_DUMP = "config_dump"
    CONF_HOST = "conf_host"
    CONF_MY_IP = "conf_my_ip"
    POSTCOPY_AVAILABLE = "postcopy_available"
    POSTCOPY_UNSUPPORTED = "postcopy_unsupported"
    AUTOCONVERGE_UNSUPPORTED = "autoconverge_unsupported"


class Phase(IntEnum):
    """Where a source-side message sits in one migration (the timeline cuts a host's lines
    into migrations by it). ``ATTACHED`` joins whatever migration is current."""

    ATTACHED = -1
    PREPARING = 0
    MONITOR_START = 1
    RUNNING = 2
    OUTCOME = 3
    AFTER = 4


class Role(StrEnum):
    """What a message tells about a migration (the analysis selects kinds by it)."""

    START = "start"  # a migration's first line: the monitor or the migrate call starts
    PREPARE = "prepare"  # checks and pre_live_migration
    RAMP = "ramp"  # the downtime ramp
    PROGRESS = "progress"  # memory/data counters
    TIMEOUT = "timeout"  # a timeout fired
    ACTION = "action"  # post-copy, pause, abort and what went wrong doing them
    MONITOR = "monitor"  # the monitor loop's own bookkeeping
    COMPLETED = "completed"  # the migration completed
    FAILED = "failed"  # the migration failed
    CANCELLED = "cancelled"  # the migration was cancelled
    CLEANUP = "cleanup"  # after the outcome
    ARRIVAL = "arrival"  # the destination received the instance
    LIFECYCLE = "lifecycle"  # libvirt lifecycle events
    RESOURCES = "resources"  # the resource tracker
    HOST_FACT = "host-fact"  # version and configuration the host printed
    HOST_NOTICE = "host-notice"  # host-wide notices not tied to a migration


class Sample(str):
    """A sample message as nova writes it (the text) and the event ``fields`` it must read
    to (a subset; checked by tests/test_catalog.py through the whole scan)."""

    fields: Mapping[str, Any]

    def __new__(cls, text: str, **fields: Any) -> Sample:
        sample = super().__new__(cls, text)
        sample.fields = MappingProxyType(fields)
        return sample


@dataclass(frozen=True, kw_only=True)
class Message:
    """One message form nova logs.

    The message is ``prefix`` (a regex, usually empty), then the literal ``key``, then
    ``rest`` (a regex to the end). The key is where the message's distinctive text starts:
    "Took 5.12 seconds for pre_live_migration…" has the key " seconds for pre_live_migration
    on destination host " after a ``Took N`` prefix, because "Took " alone starts dozens of
    unrelated nova messages and would flood the prefilter.
    """

    id: str  # unique
    kind: Kind
    key: str  # distinctive literal text of the message (what the prefilter looks for)
    template: str  # nova's format string, with %(field)s placeholders
    levels: tuple[str, ...]
    side: str  # source | dest | both | host (not tied to a migration)
    first: int  # first release major that logs it
    last: int | None = None  # last release major that logs it (None: still in master)
    rest: str = ""  # regex for what follows the key, to the end of the message
    prefix: str = ""  # regex before the key (keep it short and strict)
    logger: str = "nova.virt.libvirt.driver"  # the logger of the newest release
    # Loggers of earlier releases: ((last major, logger), …), oldest first.
    older_loggers: tuple[tuple[int, str], ...] = ()
    phase: Phase | None = None  # source-side messages: where in a migration
    role: Role = Role.MONITOR
    constants: Mapping[str, Any] = field(default_factory=dict)  # fields the form implies
    samples: tuple[Sample | str, ...] = ()  # plain texts become Samples without fields
    instance_tag: bool = True  # logged with [instance: UUID]
    # A source-side message without an instance tag belongs to the migration whose line
    # comes "next" (logged as it starts) or came "previous" (logged after it) on its host.
    instance_from: str = ""
    free_text: bool = False  # ends in free text (an error message)
    repeats: bool = False  # logged on every monitor iteration: the scan folds its runs
    evidence: str = ""  # what seeing this form says about the release (its range applies)
    note: str = ""  # why the form is as it is (a nova bug, a vendor's wording)

    def __post_init__(self) -> None:
        samples = tuple(s if isinstance(s, Sample) else Sample(s) for s in self.samples)
        object.__setattr__(self, "samples", samples)
        object.__setattr__(self, "constants", MappingProxyType(dict(self.constants)))

    @property
    def pattern(self) -> str:
        """The whole message as a regex: ``prefix``, the escaped key, then ``rest``."""
        return self.prefix + re.escape(self.key) + self.rest

    def logged_in(self, major: int) -> bool:
        return self.first <= major and (self.last is None or major <= self.last)

    def logger_in(self, major: int) -> str:
        """The logger that writes this message in release ``major``."""
        for last, name in self.older_loggers:
            if major <= last:
                return name
        return self.logger

    @property
    def bounds(self) -> tuple[int, int]:
        """The range of release majors that log this form."""
        return self.first, self.last if self.last is not None else NEWEST


# Field types: everything else is a string.
INT_FIELDS = frozenset({
    "downtime_ms", "after_s", "secs", "remaining_pct", "processed_bytes", "remaining_bytes",
    "total_bytes", "disk_remaining_pct", "disk_processed_bytes", "disk_remaining_bytes",
    "disk_total_bytes", "watermark_bytes", "limit_s", "elapsed_s", "minimum",
    "lifecycle_code", "job_type", "migration_id", "instance_id",
})
FLOAT_FIELDS = frozenset({"took_s", "event_epoch"})

MIG = "nova.virt.libvirt.migration"
DRV = "nova.virt.libvirt.driver"
MGR = "nova.compute.manager"
RT = "nova.compute.resource_tracker"
SVC = "oslo_service.service"
GUEST = "nova.virt.libvirt.guest"
LVHOST = "nova.virt.libvirt.host"
# migration.py exists from Newton 14.0.0; before it these messages came from driver.py.
DRIVER_UNTIL_13 = ((13, DRV),)

_PROGRESS_MEM = (r"(?P<secs>\d+) secs, memory (?P<remaining_pct>\d+)% remaining")
_BYTES = (r"\(bytes processed=(?P<{p}processed_bytes>\d+), remaining=(?P<{p}remaining_bytes>\d+),"
          r" total=(?P<{p}total_bytes>\d+)\)")
_DATA = r"(?P<data>.*)"
_LMD = ("LibvirtLiveMigrateData(bdms=[],block_migration=False,disk_available_mb=None,"
        "disk_over_commit=<?>,dst_numa_info=<?>,migration=Migration(created_at="
        "2024-05-01T12:00:00Z,dest_compute='compute-2',id=42,instance_uuid="
        "7b7edae6-f878-4756-a858-86f836d02c33,migration_type='live-migration',"
        "source_compute='compute-1',status='running',uuid=1c2d3e4f-5a6b-4c7d-8e9f-"
        "0a1b2c3d4e5f),wait_for_vif_plugged=True)")

LIFECYCLE_STATES = ("Started", "Stopped", "Paused", "Resumed", "Suspended", "Postcopy started",
                    "Migration completed", "Unknown")
# Grizzly–Icehouse's numeric "Lifecycle event N on VM" (nova/virt/event.py EVENT_LIFECYCLE_*).
LIFECYCLE_CODES = {0: "Started", 1: "Stopped", 2: "Paused", 3: "Resumed"}
# First release of each "VM <state> (Lifecycle Event)" form; the numeric form gave way to it
# in Icehouse 2014.1.3 (a stable update), Suspended is Liberty's, the post-copy states are
# mapped from Rocky and Stein 19.1 on (host.py; 18.x–19.0.x comment the completed one out).
LIFECYCLE_FIRST = {"Suspended": 12, "Postcopy started": 18, "Migration completed": 19}
LIFECYCLE_EVIDENCE = {
    "Postcopy started": "'VM Postcopy started' is Rocky or later",
    "Migration completed": "'VM Migration completed' is Stein 19.1, Train 20.1 or later",
}


def _lifecycle(state: str) -> Message:
    return Message(
        id=f"lifecycle_{state.lower().replace(' ', '_')}", kind=Kind.LIFECYCLE,
        key=f"VM {state} (Lifecycle Event)", template=f"VM {state} (Lifecycle Event)",
        levels=("INFO",), side="both", first=LIFECYCLE_FIRST.get(state, 9), logger=MGR,
        role=Role.LIFECYCLE, constants={"state": state},
        samples=(Sample(f"VM {state} (Lifecycle Event)", state=state),),
        evidence=LIFECYCLE_EVIDENCE.get(state, ""),
    )


CATALOG: tuple[Message, ...] = (
    # --- the downtime ramp (source) ---------------------------------------------------
    Message(
        id="downtime_step_compact", kind=Kind.DOWNTIME_STEP, key="Increasing downtime to ",
        rest=r"(?P<downtime_ms>\d+)ms after (?P<after_s>\d+) sec elapsed time",
        template="Increasing downtime to %(downtime_ms)dms after %(after_s)d sec elapsed time",
        levels=("INFO",), side="source", first=12, last=12, logger=DRV,
        phase=Phase.RUNNING, role=Role.RAMP,
        samples=(Sample("Increasing downtime to 46ms after 0 sec elapsed time",
                        downtime_ms=46, after_s=0),),
        evidence="'Increasing downtime to NNNms' (no space) is Liberty",
    ),
    Message(
        id="downtime_step", kind=Kind.DOWNTIME_STEP, key="Increasing downtime to ",
        rest=r"(?P<downtime_ms>\d+) ms after (?P<after_s>\d+) sec elapsed time",
        template="Increasing downtime to %(downtime_ms)d ms after %(after_s)d sec elapsed time",
        levels=("INFO",), side="source", first=13, logger=MIG, older_loggers=DRIVER_UNTIL_13,
        phase=Phase.RUNNING, role=Role.RAMP,
        samples=("Increasing downtime to 50 ms after 0 sec elapsed time",
                 Sample("Increasing downtime to 4998 ms after 2100 sec elapsed time",
                        downtime_ms=4998, after_s=2100)),
        evidence="'Increasing downtime to NNN ms' is Mitaka or later",
    ),
    Message(
        id="downtime_state", kind=Kind.DOWNTIME_STATE, key="steps [", rest=r"(?P<steps>.*)\]",
        prefix=r"Current (?P<current_ms>None|\d+) elapsed (?P<elapsed_s>\d+) ",
        template="Current %(current_ms)s elapsed %(elapsed_s)d steps %(steps)s",
        levels=("DEBUG",), side="source", first=14, logger=MIG,
        phase=Phase.RUNNING, role=Role.RAMP,
        samples=("Current None elapsed 0 steps [(0, 50), (150, 95), (300, 140), (450, 185), "
                 "(600, 230), (750, 275), (900, 320), (1050, 365), (1200, 410), (1350, 455), "
                 "(1500, 500)]",
                 Sample("Current 50 elapsed 151 steps [(0, 50), (150, 95)]",
                        current_ms=50, elapsed_s=151, steps=((0, 50), (150, 95)))),
        evidence="'Current … steps […]' is Newton or later",
    ),
    Message(
        id="downtime_no_step", kind=Kind.DOWNTIME_NO_STEP, key="No current step",
        template="No current step", levels=("DEBUG",), side="source", first=14, logger=MIG,
        phase=Phase.RUNNING, role=Role.RAMP, samples=("No current step",),
        note="update_downtime, every monitor iteration before the first step falls due",
        repeats=True,
    ),
    Message(
        id="downtime_unchanged", kind=Kind.DOWNTIME_UNCHANGED,
        key="Downtime does not need to change", template="Downtime does not need to change",
        levels=("DEBUG",), side="source", first=14, logger=MIG,
        phase=Phase.RUNNING, role=Role.RAMP, samples=("Downtime does not need to change",),
        note="update_downtime, every monitor iteration while the due step is applied",
        repeats=True,
    ),
    Message(
        id="downtime_set_failed_compact", kind=Kind.DOWNTIME_SET_FAILED,
        key="Unable to increase max downtime to ", rest=r"(?P<downtime_ms>\d+)ms: (?P<error>.*)",
        template="Unable to increase max downtime to %(downtime_ms)dms: %(error)s",
        levels=("WARNING",), side="source", first=12, last=15, logger=MIG,
        older_loggers=DRIVER_UNTIL_13, phase=Phase.RUNNING, role=Role.RAMP,
        samples=(Sample("Unable to increase max downtime to 95ms: Requested operation is not "
                        "valid", downtime_ms=95, error="Requested operation is not valid"),),
        free_text=True,
    ),
    Message(
        id="downtime_set_failed", kind=Kind.DOWNTIME_SET_FAILED,
        key="Unable to increase max downtime to ", rest=r"(?P<downtime_ms>\d+) ms: (?P<error>.*)",
        template="Unable to increase max downtime to %(downtime_ms)d ms: %(error)s",
        levels=("WARNING",), side="source", first=16, logger=MIG,
        phase=Phase.RUNNING, role=Role.RAMP,
        samples=("Unable to increase max downtime to 95 ms: Requested operation is not valid: "
                 "domain is not being migrated",),
        free_text=True,
    ),
    Message(
        id="clamp_warning", kind=Kind.CONFIG_CLAMPED, key="Config option live_migration_",
        rest=r"(?P<option>\w+)'s value is less than minimum value (?P<minimum>\d+)ms, rounded "
        r"up to the minimum value and will raise ValueError in the future release\.",
        template="Config option live_migration_%(option)s's value is less than minimum value "
        "%(minimum)dms, rounded up to the minimum value and will raise ValueError in the "
        "future release.",
        levels=("WARNING",), side="source", first=15, last=15, logger=MIG,
        phase=Phase.MONITOR_START, role=Role.RAMP, instance_tag=False, instance_from="next",
        samples=(Sample("Config option live_migration_downtime's value is less than minimum "
                        "value 100ms, rounded up to the minimum value and will raise "
                        "ValueError in the future release.",
                        option="live_migration_downtime", minimum=100),),
        evidence="the clamp WARNING is Ocata",
        note="logged by downtime_steps() as the monitor starts, without an instance",
    ),
    # --- progress (source) ---------------------------------------------------------------
    Message(
        id="progress", kind=Kind.PROGRESS, key="Migration running for ",
        rest=_PROGRESS_MEM + "; " + _BYTES.format(p=""),
        template="Migration running for %(secs)d secs, memory %(remaining_pct)d%% remaining; "
        "(bytes processed=%(processed_bytes)d, remaining=%(remaining_bytes)d, "
        "total=%(total_bytes)d)",
        levels=("INFO", "DEBUG"), side="source", first=11, last=19, logger=DRV,
        phase=Phase.RUNNING, role=Role.PROGRESS,
        samples=("Migration running for 0 secs, memory 0% remaining; (bytes processed=0, "
                 "remaining=0, total=0)",
                 "Migration running for 2280 secs, memory 3% remaining; (bytes processed="
                 "2541888418, remaining=126791680, total=3226542080)"),
        evidence="the progress line without a disk part is Stein or earlier",
    ),
    Message(
        id="progress_disk", kind=Kind.PROGRESS, key="Migration running for ",
        rest=_PROGRESS_MEM + " " + _BYTES.format(p="") + r"; disk (?P<disk_remaining_pct>\d+)% "
        r"remaining " + _BYTES.format(p="disk_") + r"\.",
        template="Migration running for %(secs)d secs, memory %(remaining_pct)d%% remaining "
        "(bytes processed=%(processed_bytes)d, remaining=%(remaining_bytes)d, "
        "total=%(total_bytes)d); disk %(disk_remaining_pct)d%% remaining (bytes "
        "processed=%(disk_processed_bytes)d, remaining=%(disk_remaining_bytes)d, "
        "total=%(disk_total_bytes)d).",
        levels=("INFO", "DEBUG"), side="source", first=20, logger=DRV,
        phase=Phase.RUNNING, role=Role.PROGRESS,
        samples=(Sample("Migration running for 30 secs, memory 42% remaining (bytes processed="
                        "1234567890, remaining=987654321, total=4295229440); disk 100% "
                        "remaining (bytes processed=0, remaining=0, total=0).",
                        secs=30, remaining_pct=42, processed_bytes=1234567890,
                        remaining_bytes=987654321, total_bytes=4295229440,
                        disk_remaining_pct=100, disk_total_bytes=0),),
        evidence="the progress line with a disk part is Train or later",
    ),
    Message(
        id="data_remaining", kind=Kind.DATA_REMAINING, key="Data remaining ",
        rest=r"(?P<remaining_bytes>\d+) bytes, low watermark (?P<watermark_bytes>\d+) bytes "
        r"(?P<secs>\d+) seconds ago",
        template="Data remaining %(remaining_bytes)d bytes, low watermark %(watermark_bytes)d "
        "bytes %(secs)d seconds ago",
        levels=("INFO", "DEBUG"), side="source", first=12, last=18, logger=DRV,
        phase=Phase.RUNNING, role=Role.PROGRESS,
        samples=(Sample("Data remaining 831111168 bytes, low watermark 2117632 bytes 12622 "
                        "seconds ago", remaining_bytes=831111168, watermark_bytes=2117632,
                        secs=12622),),
        evidence="'Data remaining … low watermark' is Liberty–Rocky",
        note="with a progress line, when data remaining is above its lowest value so far",
    ),
    # --- timeouts and actions (source) ---------------------------------------------------
    Message(
        id="completion_timeout", kind=Kind.COMPLETION_TIMEOUT,
        key="Live migration not completed after ", rest=r"(?P<limit_s>\d+) sec",
        template="Live migration not completed after %(limit_s)d sec",
        levels=("WARNING",), side="source", first=12, logger=MIG, older_loggers=DRIVER_UNTIL_13,
        phase=Phase.RUNNING, role=Role.TIMEOUT,
        samples=(Sample("Live migration not completed after 2400 sec", limit_s=2400),),
    ),
    Message(
        id="completion_timeout_vendor", kind=Kind.COMPLETION_TIMEOUT,
        key="Live migration not completed after ", rest=r"(?P<limit_s>\d+) seconds",
        template="Live migration not completed after %(limit_s)d seconds",
        levels=("WARNING",), side="source", first=12, logger=MIG, older_loggers=DRIVER_UNTIL_13,
        phase=Phase.RUNNING, role=Role.TIMEOUT,
        samples=(Sample("Live migration not completed after 300 seconds", limit_s=300),),
        note="not nova's wording (nova always wrote 'sec'): StarlingX's documentation quotes "
        "the line with 'seconds'; accepted so such logs and pasted lines still read",
    ),
    Message(
        id="progress_timeout", kind=Kind.PROGRESS_TIMEOUT, key="Live migration stuck for ",
        rest=r"(?P<secs>\d+) sec", template="Live migration stuck for %(secs)d sec",
        levels=("WARNING",), side="source", first=12, last=18, logger=MIG,
        older_loggers=DRIVER_UNTIL_13, phase=Phase.RUNNING, role=Role.TIMEOUT,
        samples=(Sample("Live migration stuck for 152 sec", secs=152),),
        evidence="'Live migration stuck' is Liberty–Rocky",
    ),
    Message(
        id="abort_failed", kind=Kind.ABORT_FAILED, key="Failed to abort migration ",
        rest=r"(?P<error>.*)", template="Failed to abort migration %(error)s",
        levels=("WARNING",), side="source", first=12, logger=DRV,
        phase=Phase.RUNNING, role=Role.ACTION,
        samples=("Failed to abort migration Requested operation is not valid: no job is "
                 "active",),
        free_text=True, note="logged from driver.py in every release",
    ),
    Message(
        id="cancel_failed", kind=Kind.CANCEL_FAILED, key="Failed to cancel migration ",
        rest=r"(?P<error>.*)", template="Failed to cancel migration %(error)s",
        levels=("ERROR",), side="source", first=13, logger=DRV,
        phase=Phase.OUTCOME, role=Role.ACTION,
        samples=("Failed to cancel migration Requested operation is not valid: no job is "
                 "active on the domain",),
        free_text=True,
    ),
    Message(
        id="abort_after_error_failed_typo", kind=Kind.ABORT_AFTER_ERROR_FAILED,
        key="Error formatting log line msg='Error occured when trying to abort live '",
        rest=r" err=(?P<error>TypeError\(.*\))",
        template="Error formatting log line msg='Error occured when trying to abort live ' "
        "err=%(error)s",
        levels=("WARNING",), side="source", first=23, last=28, logger=DRV,
        phase=Phase.OUTCOME, role=Role.ACTION,
        samples=(Sample("Error formatting log line msg='Error occured when trying to abort "
                        "live ' err=TypeError('not all arguments converted during string "
                        "formatting')",
                        error="TypeError('not all arguments converted during string "
                        "formatting')"),),
        evidence="the broken 'Error occured … abort live' call is Wallaby 23.2.1–Bobcat",
        note="nova passed the message's second half as an argument; oslo.log's "
        "ContextFormatter logs its formatting error instead (TypeError(…,) on Python 3.6), "
        "followed by the summary of the libvirtError being handled",
    ),
    Message(
        id="abort_after_error_failed_broken", kind=Kind.ABORT_AFTER_ERROR_FAILED,
        key="Error formatting log line msg='Error occurred when trying to abort live '",
        rest=r" err=(?P<error>TypeError\(.*\))",
        template="Error formatting log line msg='Error occurred when trying to abort live ' "
        "err=%(error)s",
        levels=("WARNING",), side="source", first=29, last=31, logger=DRV,
        phase=Phase.OUTCOME, role=Role.ACTION,
        samples=("Error formatting log line msg='Error occurred when trying to abort live ' "
                 "err=TypeError('not all arguments converted during string formatting')",),
        evidence="the broken 'Error occurred … abort live' call is Caracal–Epoxy",
        note="the typo was fixed in 29.0.0, the call itself in 32.0.0 (cfb99acd6a)",
    ),
    Message(
        id="abort_after_error_failed", kind=Kind.ABORT_AFTER_ERROR_FAILED,
        key="Error occurred when trying to abort live migration job, ignoring it.",
        template="Error occurred when trying to abort live migration job, ignoring it.",
        levels=("WARNING",), side="source", first=32, logger=DRV,
        phase=Phase.OUTCOME, role=Role.ACTION,
        samples=("Error occurred when trying to abort live migration job, ignoring it.",),
        evidence="'Error occurred when trying to abort live migration job' is 2025.2 or later",
    ),
    # --- post-copy and force-complete (source) ---------------------------------------------
    Message(
        id="postcopy_switch", kind=Kind.POSTCOPY_SWITCH,
        key="Switching to post-copy migration mode",
        template="Switching to post-copy migration mode", levels=("INFO",), side="source",
        first=14, logger=MIG, phase=Phase.RUNNING, role=Role.ACTION,
        samples=("Switching to post-copy migration mode",),
        evidence="post-copy is Newton or later",
    ),
    Message(
        id="postcopy_switch_failed", kind=Kind.POSTCOPY_SWITCH_FAILED,
        key="Failed to switch to post-copy live migration: ", rest=r"(?P<error>.*)",
        template="Failed to switch to post-copy live migration: %(error)s",
        levels=("WARNING",), side="source", first=14, logger=MIG,
        phase=Phase.RUNNING, role=Role.ACTION,
        samples=("Failed to switch to post-copy live migration: internal error: unable to "
                 "execute QEMU command 'migrate-start-postcopy'",),
        free_text=True,
    ),
    Message(
        id="postcopy_already", kind=Kind.FORCE_COMPLETE_IN_POSTCOPY,
        key="Live-migration %s already switched to post-copy mode.",
        template="Live-migration %%s already switched to post-copy mode.",
        levels=("WARNING",), side="source", first=14, logger=MIG,
        phase=Phase.RUNNING, role=Role.ACTION,
        samples=("Live-migration %s already switched to post-copy mode.",),
        note="nova logs the literal %s (no argument given)",
    ),
    Message(
        id="pause_failed", kind=Kind.FORCE_COMPLETE_PAUSE_FAILED,
        key="Failed to pause instance during live-migration ", rest=r"(?P<error>.*)",
        template="Failed to pause instance during live-migration %(error)s",
        levels=("WARNING",), side="source", first=14, logger=MIG,
        phase=Phase.RUNNING, role=Role.ACTION,
        samples=("Failed to pause instance during live-migration Requested operation is not "
                 "valid: domain is not running",),
        free_text=True,
    ),
    Message(
        id="resume_failed", kind=Kind.ROLLBACK_RESUME_FAILED,
        key="Failed to resume paused instance before live-migration rollback ",
        rest=r"(?P<error>.*)",
        template="Failed to resume paused instance before live-migration rollback %(error)s",
        levels=("WARNING",), side="source", first=14, logger=MIG,
        phase=Phase.OUTCOME, role=Role.ACTION,
        samples=("Failed to resume paused instance before live-migration rollback internal "
                 "error",),
        free_text=True,
    ),
    Message(
        id="postcopy_unset_paused", kind=Kind.POSTCOPY_UNSET_PAUSED,
        key="Post-copy flag unset because instance is paused.",
        template="Post-copy flag unset because instance is paused.",
        levels=("DEBUG",), side="source", first=29, logger=DRV,
        phase=Phase.MONITOR_START, role=Role.ACTION,
        samples=("Post-copy flag unset because instance is paused.",),
    ),
    Message(
        id="unknown_migration_task", kind=Kind.UNKNOWN_MIGRATION_TASK,
        key="Unknown migration task '", rest=r"(?P<task>[^']*)'",
        template="Unknown migration task '%(task)s'",
        levels=("WARNING",), side="source", first=14, logger=MIG,
        phase=Phase.RUNNING, role=Role.ACTION,
        samples=(Sample("Unknown migration task 'pause'", task="pause"),),
    ),
    # --- outcomes (source) ---------------------------------------------------------------
    Message(
        id="operation_completed", kind=Kind.OPERATION_COMPLETED,
        key="Migration operation has completed", template="Migration operation has completed",
        levels=("INFO",), side="source", first=11, logger=DRV,
        phase=Phase.OUTCOME, role=Role.COMPLETED,
        samples=("Migration operation has completed",),
    ),
    Message(
        id="operation_aborted", kind=Kind.OPERATION_ABORTED,
        key="Migration operation has aborted", template="Migration operation has aborted",
        levels=("ERROR",), side="source", first=11, logger=DRV,
        phase=Phase.OUTCOME, role=Role.FAILED, samples=("Migration operation has aborted",),
    ),
    Message(
        id="operation_cancelled", kind=Kind.OPERATION_CANCELLED,
        key="Migration operation was cancelled", template="Migration operation was cancelled",
        levels=("WARNING",), side="source", first=11, logger=DRV,
        phase=Phase.OUTCOME, role=Role.CANCELLED,
        samples=("Migration operation was cancelled",),
    ),
    Message(
        id="live_migration_failure", kind=Kind.LIVE_MIGRATION_FAILURE,
        key="Live Migration failure: ", rest=r"(?P<error>.*)",
        template="Live Migration failure: %(error)s", levels=("ERROR",), side="source",
        first=6, logger=DRV, phase=Phase.OUTCOME, role=Role.FAILED,
        samples=("Live Migration failure: operation aborted: migration job: canceled by "
                 "client: libvirtError: operation aborted: migration job: canceled by client",
                 "Live Migration failure: End of file while reading data: : Input/output "
                 "error"),
        free_text=True,
    ),
    Message(
        id="unexpected_job_type", kind=Kind.UNEXPECTED_JOB_TYPE,
        key="Unexpected migration job type: ", rest=r"(?P<job_type>\d+)",
        template="Unexpected migration job type: %(job_type)d",
        levels=("WARNING",), side="source", first=11, logger=DRV,
        phase=Phase.RUNNING, role=Role.MONITOR,
        samples=(Sample("Unexpected migration job type: 1", job_type=1),),
    ),
    Message(
        id="job_failed_on_src", kind=Kind.JOB_FAILED, key="VM running on src, migration failed",
        template="VM running on src, migration failed", levels=("DEBUG",), side="source",
        first=11, logger=MIG, older_loggers=DRIVER_UNTIL_13,
        phase=Phase.RUNNING, role=Role.MONITOR,
        samples=("VM running on src, migration failed",),
    ),
    Message(
        id="job_finished_shutoff", kind=Kind.JOB_FINISHED,
        key="VM is shutoff, migration finished", template="VM is shutoff, migration finished",
        levels=("DEBUG",), side="source", first=11, logger=MIG, older_loggers=DRIVER_UNTIL_13,
        phase=Phase.RUNNING, role=Role.MONITOR, constants={"vm_state": "shutoff"},
        samples=(Sample("VM is shutoff, migration finished", vm_state="shutoff"),),
    ),
    Message(
        id="job_finished_missing", kind=Kind.JOB_FINISHED,
        key="VM is missing, migration finished", template="VM is missing, migration finished",
        levels=("DEBUG",), side="source", first=11, logger=MIG, older_loggers=DRIVER_UNTIL_13,
        phase=Phase.RUNNING, role=Role.MONITOR, constants={"vm_state": "missing"},
        samples=(Sample("VM is missing, migration finished", vm_state="missing"),),
    ),
    Message(
        id="job_type_fixed", kind=Kind.JOB_TYPE_FIXED, key="Fixed incorrect job type to be ",
        rest=r"(?P<job_type>\d+)", template="Fixed incorrect job type to be %(job_type)d",
        levels=("DEBUG",), side="source", first=11, logger=DRV,
        phase=Phase.RUNNING, role=Role.MONITOR,
        samples=(Sample("Fixed incorrect job type to be 3", job_type=3),),
    ),
    Message(
        id="domain_check_error", kind=Kind.DOMAIN_CHECK_ERROR,
        key="Error checking domain status ", rest=r"(?P<error>.*)",
        template="Error checking domain status %(error)s", levels=("DEBUG",), side="source",
        first=14, logger=MIG, phase=Phase.RUNNING, role=Role.MONITOR,
        samples=(Sample("Error checking domain status Domain not found: no domain with "
                        "matching uuid '7b7edae6-f878-4756-a858-86f836d02c33'",
                        error="Domain not found: no domain with matching uuid "
                        "'7b7edae6-f878-4756-a858-86f836d02c33'"),),
        free_text=True,
        note="Kilo–Mitaka passed the error positionally to a %(ex)s format: the logging "
        "call failed (oslo.log of those years did not log the formatting error)",
    ),
    Message(
        id="domain_check_failed_literal", kind=Kind.DOMAIN_CHECK_FAILED,
        key="Error %(ex)s, migration failed", template="Error %%(ex)s, migration failed",
        levels=("INFO",), side="source", first=11, last=13, logger=DRV,
        phase=Phase.RUNNING, role=Role.MONITOR,
        samples=("Error %(ex)s, migration failed",),
        evidence="'Error %(ex)s, migration failed' printed literally is Kilo–Mitaka",
        note="nova gave no arguments, so oslo.log printed the format string itself",
    ),
    Message(
        id="domain_check_failed", kind=Kind.DOMAIN_CHECK_FAILED, key=", migration failed",
        prefix=r"Error (?!%\(ex\)s, migration failed\Z)(?P<error>.+)(?=, migration failed\Z)",
        template="Error %(error)s, migration failed",
        levels=("INFO",), side="source", first=14, logger=MIG,
        phase=Phase.RUNNING, role=Role.MONITOR,
        samples=(Sample("Error internal error: client socket is closed, migration failed",
                        error="internal error: client socket is closed"),),
    ),
    Message(
        id="operation_thread_running", kind=Kind.OPERATION_THREAD_RUNNING,
        key="Operation thread is still running", template="Operation thread is still running",
        levels=("DEBUG",), side="source", first=11, logger=DRV,
        phase=Phase.RUNNING, role=Role.MONITOR, samples=("Operation thread is still running",),
        repeats=True,
    ),
    Message(
        id="migration_not_running", kind=Kind.MIGRATION_NOT_RUNNING,
        key="Migration not running yet", template="Migration not running yet",
        levels=("DEBUG",), side="source", first=11, logger=DRV,
        phase=Phase.RUNNING, role=Role.MONITOR, samples=("Migration not running yet",),
        repeats=True,
    ),
    Message(
        id="job_info_domain_gone", kind=Kind.JOB_INFO_DOMAIN_GONE,
        key="Domain has shutdown/gone away: ", rest=r"(?P<error>.*)",
        template="Domain has shutdown/gone away: %(error)s",
        levels=("DEBUG",), side="host", first=11, logger=GUEST,
        older_loggers=((13, LVHOST),), role=Role.MONITOR, instance_tag=False,
        samples=("Domain has shutdown/gone away: Domain not found: no domain with matching "
                 "uuid '7b7edae6-f878-4756-a858-86f836d02c33' (instance-00000042)",),
        free_text=True, note="get_job_info (host.py before Newton, guest.py after): no "
        "instance, so not tied to a migration",
    ),
    Message(
        id="job_info_failed", kind=Kind.JOB_INFO_FAILED, key="Failed to get job info: ",
        rest=r"(?P<error>.*)", template="Failed to get job info: %(error)s",
        levels=("DEBUG",), side="host", first=11, logger=GUEST,
        older_loggers=((13, LVHOST),), role=Role.MONITOR, instance_tag=False,
        samples=("Failed to get job info: internal error: client socket is closed",),
        free_text=True,
    ),
    # --- monitor and operation thread (source) -------------------------------------------
    Message(
        id="monitor_started", kind=Kind.MONITOR_STARTED,
        key="Starting monitoring of live migration",
        template="Starting monitoring of live migration", levels=("DEBUG",), side="source",
        first=11, logger=DRV, phase=Phase.MONITOR_START, role=Role.START,
        samples=("Starting monitoring of live migration",),
    ),
    Message(
        id="monitor_done", kind=Kind.MONITOR_DONE, key="Live migration monitoring is all done",
        template="Live migration monitoring is all done", levels=("DEBUG",), side="source",
        first=11, logger=DRV, phase=Phase.AFTER, role=Role.CLEANUP,
        samples=("Live migration monitoring is all done",),
    ),
    Message(
        id="monitor_error", kind=Kind.MONITOR_ERROR, key="Error monitoring migration: ",
        rest=r"(?P<error>.*)", template="Error monitoring migration: %(error)s",
        levels=("WARNING",), side="source", first=11, logger=DRV,
        phase=Phase.OUTCOME, role=Role.FAILED,
        samples=("Error monitoring migration: internal error: migration was active, but no "
                 "RAM info was set: libvirt.libvirtError: internal error: migration was "
                 "active, but no RAM info was set",),
        free_text=True,
    ),
    Message(
        id="migrate_api_invoked", kind=Kind.MIGRATE_API_INVOKED,
        key="About to invoke the migrate API", template="About to invoke the migrate API",
        levels=("DEBUG",), side="source", first=18, logger=DRV,
        phase=Phase.MONITOR_START, role=Role.START,
        samples=("About to invoke the migrate API",),
        evidence="'About to invoke the migrate API' is Rocky or later",
    ),
    Message(
        id="migrate_api_completed", kind=Kind.MIGRATE_API_COMPLETED,
        key="Migrate API has completed", template="Migrate API has completed",
        levels=("DEBUG",), side="source", first=18, logger=DRV,
        phase=Phase.ATTACHED, role=Role.MONITOR, samples=("Migrate API has completed",),
    ),
    Message(
        id="operation_thread_finished", kind=Kind.OPERATION_THREAD_FINISHED,
        key="Migration operation thread has finished",
        template="Migration operation thread has finished", levels=("DEBUG",),
        side="source", first=11, logger=DRV, phase=Phase.ATTACHED, role=Role.MONITOR,
        samples=("Migration operation thread has finished",),
    ),
    Message(
        id="operation_thread_notification", kind=Kind.OPERATION_THREAD_NOTIFICATION,
        key="Migration operation thread notification",
        template="Migration operation thread notification", levels=("DEBUG",),
        side="source", first=11, last=32, logger=DRV, phase=Phase.ATTACHED,
        role=Role.MONITOR, samples=("Migration operation thread notification",),
        evidence="'Migration operation thread notification' was removed in 2025.2 32.2.0",
        note="gone from 32.2.0 on (the future-based thread of bf1201cc57), not only 33",
    ),
    Message(
        id="vif_detached_typo", kind=Kind.VIF_DETACHED, key="Detaching vif ",
        rest=r"(?P<vif_id>\S+) from instnace (?P<instance_id>\d+) for live migration",
        template="Detaching vif %(vif_id)s from instnace %(instance_id)d for live migration",
        levels=("INFO",), side="source", first=20, last=20, logger=DRV,
        phase=Phase.RUNNING, role=Role.PREPARE, instance_tag=False, instance_from="next",
        samples=(Sample("Detaching vif 5f0d2b9e-4c11-4a9a-8a8c-6f5a7c593e1c from instnace 42 "
                        "for live migration", vif_id="5f0d2b9e-4c11-4a9a-8a8c-6f5a7c593e1c",
                        instance_id=42),),
        evidence="'from instnace' (sic) is Train",
        note="the instance's database id, not its uuid; no [instance:] tag",
    ),
    Message(
        id="vif_detached", kind=Kind.VIF_DETACHED, key="Detaching vif ",
        rest=r"(?P<vif_id>\S+) from instance (?P<instance_id>\d+) for live migration",
        template="Detaching vif %(vif_id)s from instance %(instance_id)d for live migration",
        levels=("INFO",), side="source", first=21, logger=DRV,
        phase=Phase.RUNNING, role=Role.PREPARE, instance_tag=False, instance_from="next",
        samples=("Detaching vif 5f0d2b9e-4c11-4a9a-8a8c-6f5a7c593e1c from instance 42 for "
                 "live migration",),
        evidence="SR-IOV vif detach for live migration is Ussuri or later",
    ),
    Message(
        id="active_migration_missing", kind=Kind.ACTIVE_MIGRATION_MISSING,
        key="There are no records in active migrations for instance",
        template="There are no records in active migrations for instance",
        levels=("WARNING",), side="source", first=14, logger=DRV,
        phase=Phase.AFTER, role=Role.CLEANUP,
        samples=("There are no records in active migrations for instance",),
    ),
    # --- compute manager ---------------------------------------------------------------
    Message(
        id="pre_live_migration_took", kind=Kind.PRE_LIVE_MIGRATION_TOOK,
        key=" seconds for pre_live_migration on destination host ", rest=r"(?P<dest_host>\S+?)\.",
        prefix=r"Took (?P<took_s>\d+\.\d+)",
        template="Took %(took_s)0.2f seconds for pre_live_migration on destination host "
        "%(dest_host)s.",
        levels=("INFO",), side="source", first=18, logger=MGR,
        phase=Phase.PREPARING, role=Role.START,
        samples=(Sample("Took 5.12 seconds for pre_live_migration on destination host "
                        "compute-2.", took_s=5.12, dest_host="compute-2"),),
        evidence="'Took N seconds for pre_live_migration' is Rocky+",
    ),
    Message(
        id="pre_live_migration_failed_two_spaces", kind=Kind.PRE_LIVE_MIGRATION_FAILED,
        key="Pre live migration failed at  ", rest=r"(?P<dest_host>\S+?)(?P<error>: .*)?",
        template="Pre live migration failed at  %(dest_host)s", levels=("ERROR",),
        side="source", first=6, last=7, logger=MGR, phase=Phase.OUTCOME, role=Role.FAILED,
        samples=(Sample("Pre live migration failed at  nova1", dest_host="nova1"),),
        note="Folsom–Grizzly; no release evidence: the analysis starts at Kilo",
    ),
    Message(
        id="pre_live_migration_failed", kind=Kind.PRE_LIVE_MIGRATION_FAILED,
        key="Pre live migration failed at ", rest=r"(?P<dest_host>\S+?)(?P<error>: .*)?",
        template="Pre live migration failed at %(dest_host)s", levels=("ERROR",),
        side="source", first=8, logger=MGR, phase=Phase.OUTCOME, role=Role.FAILED,
        samples=(Sample("Pre live migration failed at nova1", dest_host="nova1"),),
    ),
    Message(
        id="source_check_data", kind=Kind.SOURCE_CHECK_DATA, key="source check data is ",
        rest=_DATA, template="source check data is %(data)s", levels=("DEBUG",),
        side="source", first=13, logger=MGR, phase=Phase.PREPARING, role=Role.PREPARE,
        samples=("source check data is LibvirtLiveMigrateData(block_migration=False,"
                 "disk_available_mb=None,filename='tmpq1w2e3',is_shared_block_storage=True,"
                 "is_shared_instance_path=True)",),
        free_text=True, evidence="the '… data is' debug lines are Mitaka or later",
    ),
    Message(
        id="dest_check_data", kind=Kind.DEST_CHECK_DATA, key="destination check data is ",
        rest=_DATA, template="destination check data is %(data)s", levels=("DEBUG",),
        side="dest", first=13, logger=MGR, role=Role.PREPARE,
        samples=("destination check data is LibvirtLiveMigrateData(block_migration=False,"
                 "disk_available_mb=102400,filename='tmpq1w2e3')",),
        free_text=True, evidence="the '… data is' debug lines are Mitaka or later",
    ),
    Message(
        id="pre_live_migration_data", kind=Kind.PRE_LIVE_MIGRATION_DATA,
        key="pre_live_migration data is ", rest=_DATA,
        template="pre_live_migration data is %(data)s", levels=("DEBUG",), side="dest",
        first=13, logger=MGR, role=Role.PREPARE, constants={"stage": "request"},
        samples=(Sample("pre_live_migration data is " + _LMD, stage="request",
                        migration_uuid="1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"),),
        free_text=True, evidence="the '… data is' debug lines are Mitaka or later",
    ),
    Message(
        id="driver_pre_live_migration_data", kind=Kind.PRE_LIVE_MIGRATION_DATA,
        key="driver pre_live_migration data is ", rest=_DATA,
        template="driver pre_live_migration data is %(data)s", levels=("DEBUG",),
        side="dest", first=13, logger=MGR, role=Role.PREPARE, constants={"stage": "driver"},
        samples=(Sample("driver pre_live_migration data is " + _LMD, stage="driver"),),
        free_text=True, evidence="the '… data is' debug lines are Mitaka or later",
    ),
    Message(
        id="pre_live_migration_result_data", kind=Kind.PRE_LIVE_MIGRATION_DATA,
        key="pre_live_migration result data is ", rest=_DATA,
        template="pre_live_migration result data is %(data)s", levels=("DEBUG",),
        side="dest", first=13, logger=MGR, role=Role.PREPARE, constants={"stage": "result"},
        samples=(Sample("pre_live_migration result data is " + _LMD, stage="result"),),
        free_text=True, evidence="the '… data is' debug lines are Mitaka or later",
    ),
    Message(
        id="live_migration_data", kind=Kind.LIVE_MIGRATION_DATA, key="live_migration data is ",
        rest=_DATA, template="live_migration data is %(data)s", levels=("DEBUG",),
        side="source", first=13, logger=MGR, phase=Phase.PREPARING, role=Role.PREPARE,
        samples=(Sample("live_migration data is " + _LMD,
                        migration_uuid="1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", migration_id=42,
                        migration_status="running", dest_host="compute-2",
                        source_host="compute-1", block_migration=False),),
        free_text=True, evidence="the '… data is' debug lines are Mitaka or later",
    ),
    Message(
        id="submit_failed_shutdown", kind=Kind.SUBMIT_FAILED_SHUTDOWN,
        key=" failed to submit as the compute service is shutting down.",
        prefix=rf"Migration (?P<migration_uuid>{UUID})",
        template="Migration %(migration_uuid)s failed to submit as the compute service is "
        "shutting down.",
        levels=("INFO",), side="source", first=18, logger=MGR,
        phase=Phase.OUTCOME, role=Role.FAILED,
        samples=(Sample("Migration 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f failed to submit as "
                        "the compute service is shutting down.",
                        migration_uuid="1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"),),
    ),
    Message(
        id="queued_migration_cancelled", kind=Kind.QUEUED_MIGRATION_CANCELLED,
        key="Successfully cancelled queued live migration.",
        template="Successfully cancelled queued live migration.", levels=("INFO",),
        side="source", first=18, logger=MGR, phase=Phase.OUTCOME, role=Role.CANCELLED,
        samples=("Successfully cancelled queued live migration.",),
    ),
    Message(
        id="post_live_migration_started", kind=Kind.POST_LIVE_MIGRATION_STARTED,
        key="_post_live_migration() is started..", template="_post_live_migration() is started..",
        levels=("INFO",), side="source", first=6, logger=MGR,
        phase=Phase.AFTER, role=Role.CLEANUP, samples=("_post_live_migration() is started..",),
    ),
    Message(
        id="migration_succeeded", kind=Kind.MIGRATION_SUCCEEDED, key="Migrating instance to ",
        rest=r"(?P<dest_host>\S+) finished successfully\.",
        template="Migrating instance to %(dest_host)s finished successfully.",
        levels=("INFO",), side="source", first=6, logger=MGR,
        phase=Phase.AFTER, role=Role.COMPLETED,
        samples=(Sample("Migrating instance to hp-ms-01-c29.moonshot1.lab.eng.rdu.redhat.com "
                        "finished successfully.",
                        dest_host="hp-ms-01-c29.moonshot1.lab.eng.rdu.redhat.com"),),
    ),
    Message(
        id="domain_not_found_notice", kind=Kind.DOMAIN_NOT_FOUND_NOTICE,
        key='You may see the error "libvirt: QEMU error: Domain not found: no domain with '
        'matching name." This error can be safely ignored.',
        template='You may see the error "libvirt: QEMU error: Domain not found: no domain '
        'with matching name." This error can be safely ignored.',
        levels=("INFO",), side="source", first=6, last=15, logger=MGR,
        phase=Phase.AFTER, role=Role.CLEANUP,
        samples=('You may see the error "libvirt: QEMU error: Domain not found: no domain '
                 'with matching name." This error can be safely ignored.',),
        evidence="the 'can be safely ignored' notice is Ocata or earlier",
    ),
    Message(
        id="live_migration_failed", kind=Kind.LIVE_MIGRATION_FAILED, key="Live migration failed.",
        rest=r"(?P<error>: .*)?", template="Live migration failed.", levels=("ERROR",),
        side="source", first=12, logger=MGR, phase=Phase.AFTER, role=Role.FAILED,
        samples=("Live migration failed.",),
    ),
    Message(
        id="post_at_dest_failed", kind=Kind.POST_LIVE_MIGRATION_AT_DEST_FAILED,
        key="Post live migration at destination ",
        rest=r"(?P<dest_host>\S+?) failed(?P<error>: .*)?",
        template="Post live migration at destination %(dest_host)s failed",
        levels=("ERROR",), side="source", first=15, logger=MGR,
        phase=Phase.AFTER, role=Role.FAILED,
        samples=(Sample("Post live migration at destination compute-2.ci-rdo.local failed: "
                        "nova.exception_Remote.InstanceNotFound_Remote: Instance 7b7edae6-f878-"
                        "4756-a858-86f836d02c33 could not be found.",
                        dest_host="compute-2.ci-rdo.local",
                        error="nova.exception_Remote.InstanceNotFound_Remote: Instance "
                        "7b7edae6-f878-4756-a858-86f836d02c33 could not be found."),),
        evidence="'Post live migration at destination X failed' is Ocata or later",
        note="the RPC became a call in 15.0.0 (6140821187); before, a cast never failed here",
    ),
    Message(
        id="post_at_dest_unexpected_error", kind=Kind.POST_AT_DEST_UNEXPECTED_ERROR,
        key="Unexpected error during post live migration at destination host.",
        template="Unexpected error during post live migration at destination host.",
        levels=("ERROR",), side="dest", first=13, logger=MGR, role=Role.FAILED,
        samples=("Unexpected error during post live migration at destination host.",),
    ),
    Message(
        id="no_migrate_data_cleanup_old", kind=Kind.NO_MIGRATE_DATA_CLEANUP,
        key="Live migration ended with no migrate_data record. Unable to clean up "
        "migration-based allocations which is almost certainly not an expected situation.",
        template="Live migration ended with no migrate_data record. Unable to clean up "
        "migration-based allocations which is almost certainly not an expected situation.",
        levels=("WARNING",), side="source", first=17, last=18, logger=MGR,
        phase=Phase.AFTER, role=Role.CLEANUP, instance_tag=False, instance_from="previous",
        samples=("Live migration ended with no migrate_data record. Unable to clean up "
                 "migration-based allocations which is almost certainly not an expected "
                 "situation.",),
        evidence="the no-migrate_data warning without a node is Queens–Rocky",
    ),
    Message(
        id="no_migrate_data_cleanup", kind=Kind.NO_MIGRATE_DATA_CLEANUP,
        key="Live migration ended with no migrate_data record. Unable to clean up "
        "migration-based allocations for node ",
        rest=r"(?P<node>\S+) which is almost certainly not an expected situation\.",
        template="Live migration ended with no migrate_data record. Unable to clean up "
        "migration-based allocations for node %(node)s which is almost certainly not an "
        "expected situation.",
        levels=("WARNING",), side="source", first=19, logger=MGR,
        phase=Phase.AFTER, role=Role.CLEANUP,
        samples=(Sample("Live migration ended with no migrate_data record. Unable to clean up "
                        "migration-based allocations for node compute-1 which is almost "
                        "certainly not an expected situation.", node="compute-1"),),
    ),
    Message(
        id="revert_allocations_failed", kind=Kind.REVERT_ALLOCATIONS_FAILED,
        key="Unable to revert allocations during live migration rollback; compute driver did "
        "not provide migrate_data",
        template="Unable to revert allocations during live migration rollback; compute driver "
        "did not provide migrate_data",
        levels=("ERROR",), side="source", first=17, logger=MGR,
        phase=Phase.AFTER, role=Role.CLEANUP,
        samples=("Unable to revert allocations during live migration rollback; compute "
                 "driver did not provide migrate_data",),
    ),
    Message(
        id="aborted_by_another_process", kind=Kind.ABORTED_BY_ANOTHER_PROCESS,
        key=" aborted by another process, rollback.",
        prefix=rf"Migration (?P<migration_uuid>{UUID})",
        template="Migration %(migration_uuid)s aborted by another process, rollback.",
        levels=("DEBUG",), side="source", first=18, logger=MGR,
        phase=Phase.OUTCOME, role=Role.FAILED,
        samples=("Migration 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f aborted by another process, "
                 "rollback.",),
    ),
    Message(
        id="vif_plug_failed", kind=Kind.VIF_PLUG_FAILED,
        key="Failed waiting for network virtual interfaces to be plugged on the destination "
        "host ",
        rest=r"(?P<dest_host>\S+?)\.(?P<error>: .*)?",
        template="Failed waiting for network virtual interfaces to be plugged on the "
        "destination host %(dest_host)s.",
        levels=("ERROR",), side="source", first=18, logger=MGR,
        phase=Phase.PREPARING, role=Role.FAILED,
        samples=("Failed waiting for network virtual interfaces to be plugged on the "
                 "destination host compute-2.",),
    ),
    Message(
        id="post_operation_started", kind=Kind.POST_OPERATION_STARTED,
        key="Post operation of migration started",
        template="Post operation of migration started", levels=("INFO",), side="dest",
        first=6, logger=MGR, role=Role.ARRIVAL,
        samples=("Post operation of migration started",),
    ),
    Message(
        id="sync_power_moved", kind=Kind.SYNC_POWER_MOVED,
        key="During the sync_power process the instance has moved from host ",
        rest=r"(?P<source_host>\S+) to host (?P<dest_host>\S+)",
        template="During the sync_power process the instance has moved from host "
        "%(source_host)s to host %(dest_host)s", levels=("INFO",), side="dest", first=6,
        logger=MGR, role=Role.ARRIVAL,
        samples=("During the sync_power process the instance has moved from host compute-1 "
                 "to host compute-2",),
    ),
    Message(
        id="sync_power_pending_task", kind=Kind.SYNC_POWER_PENDING_TASK,
        key="During sync_power_state the instance has a pending task (",
        rest=r"(?P<task>[^)]*)\)\. Skip\.",
        template="During sync_power_state the instance has a pending task (%(task)s). Skip.",
        levels=("INFO",), side="both", first=6, logger=MGR, role=Role.LIFECYCLE,
        samples=("During sync_power_state the instance has a pending task (migrating). "
                 "Skip.",),
    ),
    # --- lifecycle events: one literal per state ---------------------------------------
    *(_lifecycle(state) for state in LIFECYCLE_STATES),
    Message(
        id="lifecycle_numeric", kind=Kind.LIFECYCLE, key="Lifecycle event ",
        rest=rf"(?P<lifecycle_code>\d) on VM (?P<event_instance>{UUID})",
        template="Lifecycle event %(lifecycle_code)d on VM %(event_instance)s",
        levels=("INFO", "AUDIT"), side="both", first=7, last=9, logger=MGR,
        role=Role.LIFECYCLE, instance_tag=False,
        samples=(Sample("Lifecycle event 1 on VM 6f5a7c59-3e1c-4a9a-8a8c-1f0d2b9e4c11",
                        state="Stopped", instance="6f5a7c59-3e1c-4a9a-8a8c-1f0d2b9e4c11"),),
        note="Icehouse 2014.1.3 switched to 'VM <state> (Lifecycle Event)' (79c8bee9be); no "
        "release evidence: the analysis starts at Kilo",
    ),
    Message(
        id="lifecycle_emitted", kind=Kind.LIFECYCLE_EMITTED, key="Emitting event <LifecycleEvent: ",
        rest=rf"(?P<event_epoch>\d+(?:\.\d+)?), (?P<event_instance>{UUID}) => "
        r"(?P<state>[A-Za-z ]+)>",
        template="Emitting event <LifecycleEvent: %(event_epoch)s, %(event_instance)s => "
        "%(state)s>",
        levels=("DEBUG",), side="both", first=9, logger="nova.virt.driver",
        role=Role.LIFECYCLE, instance_tag=False,
        samples=(Sample("Emitting event <LifecycleEvent: 1446130392.58, a18a5824-4215-4e24-"
                        "bcfc-cb9f89f6bcbd => Paused>", state="Paused",
                        instance="a18a5824-4215-4e24-bcfc-cb9f89f6bcbd"),),
        note="the event's repr exists from Icehouse 2014.1.3 (8c98b601f2); before, "
        "'Emitting event' printed an object address",
    ),
    # --- resource tracker: migration ids ------------------------------------------------
    Message(
        id="rt_migration_old", kind=Kind.RT_MIGRATION, key="Updating from migration ",
        rest=rf"(?P<event_instance>{UUID})", template="Updating from migration "
        "%(event_instance)s", levels=("INFO",), side="both", first=6, last=17, logger=RT,
        role=Role.RESOURCES, instance_tag=False,
        samples=("Updating from migration 7b7edae6-f878-4756-a858-86f836d02c33",),
    ),
    Message(
        id="rt_migration", kind=Kind.RT_MIGRATION, key="Updating resource usage from migration",
        rest=rf"(?: (?P<migration_uuid>{UUID}))?",
        template="Updating resource usage from migration %(migration_uuid)s",
        levels=("INFO",), side="both", first=18, logger=RT, role=Role.RESOURCES,
        samples=("Updating resource usage from migration 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                 "Updating resource usage from migration"),
    ),
    Message(
        id="rt_track_migration", kind=Kind.RT_TRACK_MIGRATION, key="Starting to track ",
        rest=rf"(?P<direction>incoming|outgoing) migration (?P<migration_uuid>{UUID}) with "
        r"flavor (?P<flavor>.*)",
        template="Starting to track %(direction)s migration %(migration_uuid)s with flavor "
        "%(flavor)s", levels=("DEBUG",), side="both", first=18, logger=RT,
        role=Role.RESOURCES,
        samples=("Starting to track outgoing migration 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f "
                 "with flavor 4a1c5e2b-7d3f-4b9a-8c6e-2f0d1b3a5c7e",),
        free_text=True,
    ),
    # --- service start and configuration -------------------------------------------------
    Message(
        id="compute_start", kind=Kind.COMPUTE_START, key="Starting compute node (version ",
        rest=r"(?P<version>[^)\s]+)\)", template="Starting compute node (version %(version)s)",
        levels=("INFO", "AUDIT"), side="host", first=6, logger="nova.service",
        role=Role.HOST_FACT, instance_tag=False,
        samples=(Sample("Starting compute node (version 2014.2.3-31.el7ost)",
                        version="2014.2.3-31.el7ost"),
                 "Starting compute node (version 21.2.3)"),
    ),
    Message(
        id="config_option", kind=Kind.CONFIG_OPTION, key="libvirt.live_migration_",
        rest=r"(?P<option>\w+)\s*= (?P<value>.*)", template="%(option_padded)s = %(value)s",
        levels=("DEBUG",), side="host", first=6, logger=SVC, role=Role.HOST_FACT,
        samples=("libvirt.live_migration_downtime = 500",
                 Sample("libvirt.live_migration_uri     = None", option="live_migration_uri",
                        value="None"),
                 "libvirt.live_migration_flag    = VIR_MIGRATE_UNDEFINE_SOURCE, "
                 "VIR_MIGRATE_PEER2PEER, VIR_MIGRATE_LIVE, VIR_MIGRATE_TUNNELLED"),
        instance_tag=False, free_text=True,
    ),
    Message(
        id="config_block_migration_flag", kind=Kind.CONFIG_OPTION,
        key="libvirt.block_migration_flag", rest=r"\s*= (?P<value>.*)",
        template="libvirt.block_migration_flag = %(value)s", levels=("DEBUG",), side="host",
        first=6, last=13, logger=SVC, role=Role.HOST_FACT,
        constants={"option": "block_migration_flag"},
        samples=("libvirt.block_migration_flag = VIR_MIGRATE_UNDEFINE_SOURCE, "
                 "VIR_MIGRATE_PEER2PEER, VIR_MIGRATE_LIVE, VIR_MIGRATE_TUNNELLED, "
                 "VIR_MIGRATE_NON_SHARED_INC",),
        instance_tag=False, free_text=True,
    ),
    Message(
        id="config_option_default", kind=Kind.CONFIG_OPTION,
        key="max_concurrent_live_migrations", rest=r"\s*= (?P<value>.*)",
        template="max_concurrent_live_migrations = %(value)s", levels=("DEBUG",),
        side="host", first=6, logger=SVC, role=Role.HOST_FACT,
        constants={"option": "max_concurrent_live_migrations"},
        samples=(Sample("max_concurrent_live_migrations = 1",
                        option="max_concurrent_live_migrations", value="1"),),
        instance_tag=False, free_text=True,
    ),
    Message(  # CONF.host and my_ip: who the host is, in nova's own words (log_opt_values
        # pads names to 30 characters: "%-30s = %s")
        id="conf_host", kind=Kind.CONF_HOST, key="host" + " " * 27 + "= ",
        rest=r"(?P<value>\S+)", template="host                           = %(value)s",
        levels=("DEBUG",), side="host", first=6, logger=SVC, role=Role.HOST_FACT,
        samples=(Sample("host                           = compute-1.example.org",
                        value="compute-1.example.org"),),
        instance_tag=False,
    ),
    Message(
        id="conf_my_ip", kind=Kind.CONF_MY_IP, key="my_ip" + " " * 26 + "= ",
        rest=r"(?P<value>\S+)", template="my_ip                          = %(value)s",
        levels=("DEBUG",), side="host", first=6, logger=SVC, role=Role.HOST_FACT,
        samples=(Sample("my_ip                          = 192.0.2.11", value="192.0.2.11"),),
        instance_tag=False,
    ),
    Message(
        id="config_files", kind=Kind.CONFIG_FILES, key="config files: ",
        rest=r"(?P<files>\[.*\])", template="config files: %(files)s", levels=("DEBUG",),
        side="host", first=6, logger=SVC, role=Role.HOST_FACT,
        samples=("config files: ['/etc/nova/nova.conf', '/etc/nova/nova-compute.conf']",),
        instance_tag=False,
    ),
    Message(
        id="postcopy_available", kind=Kind.POSTCOPY_AVAILABLE,
        key="The live_migration_permit_post_copy is set to True and post copy live migration "
        "is available so auto-converge will not be in use.",
        template="The live_migration_permit_post_copy is set to True and post copy live "
        "migration is available so auto-converge will not be in use.",
        levels=("INFO",), side="host", first=14, logger=DRV, role=Role.HOST_NOTICE,
        samples=("The live_migration_permit_post_copy is set to True and post copy live "
                 "migration is available so auto-converge will not be in use.",),
        instance_tag=False,
    ),
    Message(
        id="postcopy_unsupported", kind=Kind.POSTCOPY_UNSUPPORTED,
        key="The live_migration_permit_post_copy is set to True, but it is not supported.",
        template="The live_migration_permit_post_copy is set to True, but it is not "
        "supported.", levels=("INFO",), side="host", first=14, last=19, logger=DRV,
        role=Role.HOST_NOTICE,
        samples=("The live_migration_permit_post_copy is set to True, but it is not "
                 "supported.",),
        instance_tag=False,
    ),
    Message(
        id="autoconverge_unsupported", kind=Kind.AUTOCONVERGE_UNSUPPORTED,
        key="The live_migration_permit_auto_converge is set to True, but it is not "
        "supported.",
        template="The live_migration_permit_auto_converge is set to True, but it is not "
        "supported.", levels=("INFO",), side="host", first=14, last=15, logger=DRV,
        role=Role.HOST_NOTICE,
        samples=("The live_migration_permit_auto_converge is set to True, but it is not "
                 "supported.",),
        instance_tag=False,
    ),
)

BY_ID: dict[str, Message] = {m.id: m for m in CATALOG}
KINDS: tuple[str, ...] = (*dict.fromkeys(m.kind.value for m in CATALOG), Kind.CONFIG_DUMP.value)
# The kinds of start-up dump lines: the scan folds them into one ``config_dump`` row per dump
DUMP_LINE_KINDS = frozenset({Kind.CONFIG_OPTION.value, Kind.CONFIG_FILES.value,
                             Kind.CONF_HOST.value, Kind.CONF_MY_IP.value})
# The phase of each source-side kind (None: attached to whatever migration is current).
PHASES: dict[str, int | None] = {
    m.kind.value: (None if m.phase is Phase.ATTACHED else int(m.phase))
    for m in CATALOG if m.side == "source" and m.phase is not None
}
# Source-side kinds whose messages carry no instance, and where their instance comes from.
INSTANCE_FROM: dict[str, str] = {
    m.kind.value: m.instance_from for m in CATALOG if m.side == "source" and m.instance_from
}
# Kinds nova logs on every monitor iteration (besides ``Current … steps``): folded by the scan.
REPEATING_KINDS = frozenset(m.kind.value for m in CATALOG if m.repeats)
# Release evidence per message form: (first major, last major, why).
FORM_BOUNDS: dict[str, tuple[int, int, str]] = {
    m.id: (*m.bounds, m.evidence) for m in CATALOG if m.evidence
}


def kinds_with(*roles: Role, side: str | None = None) -> tuple[str, ...]:
    """The kinds whose messages have one of ``roles`` (on ``side`` when given)."""
    return tuple(dict.fromkeys(m.kind.value for m in CATALOG if m.role in roles
                               and (side is None or m.side == side)))


def keys() -> tuple[str, ...]:
    """The distinct literal keys, longest first (what the prefilter searches for)."""
    return tuple(sorted({m.key for m in CATALOG}, key=lambda k: (-len(k), k)))


def _fixed_text(message: Message) -> str:
    """The message's literal text: the key and the regex's text outside named groups."""
    outside = re.sub(r"\(\?P<\w+>(?:[^()]|\([^()]*\))*\)", "", message.prefix + message.rest)
    return message.key + " " + outside.replace("\\", "")


def validate(catalog: tuple[Message, ...] = CATALOG,
             anchors: tuple[bytes, ...] | None = None) -> list[str]:
    """What is wrong with the catalogue, in lnav's spirit: every sample holds its key and
    matches its own pattern and no other entry's; every kind has one phase and role; every
    source-side kind has a phase and every instance-less one says where its instance comes
    from; every message holds one of the prefilter's ``anchors``. Empty when all is well."""
    if anchors is None:
        from loganalyzer.logs.anchors import ANCHORS  # late: anchors imports this module

        anchors = ANCHORS
    texts = [a.decode() for a in anchors]
    problems: list[str] = []
    compiled = [(m, re.compile(m.pattern)) for m in catalog]
    seen: dict[str, Message] = {}
    by_kind: dict[str, tuple[Phase | None, Role, Message]] = {}
    for message, pattern in compiled:
        where = message.id
        if where in seen:
            problems.append(f"{where}: id used twice")
        seen[where] = message
        if not message.samples:
            problems.append(f"{where}: no sample")
        if not set(message.levels) <= set(LEVELS) or message.side not in SIDES:
            problems.append(f"{where}: levels {message.levels} or side {message.side!r}")
        if message.last is not None and message.last < message.first:
            problems.append(f"{where}: releases {message.first}–{message.last}")
        if message.evidence and message.bounds[1] < OLDEST_ANALYSED:
            problems.append(f"{where}: release evidence for a form older than Kilo")
        if message.side == "source" and message.phase is None:
            problems.append(f"{where}: source-side message without a phase")
        if message.side == "source" and not message.instance_tag and \
                message.instance_from not in ("next", "previous"):
            problems.append(f"{where}: source-side message without an instance tag says "
                            "nothing of where its instance comes from")
        earlier = by_kind.setdefault(message.kind.value, (message.phase, message.role, message))
        if message.side == "source" and earlier[0] != message.phase:
            problems.append(f"{where}: phase {message.phase} differs from "
                            f"{earlier[2].id}'s {earlier[0]} (same kind)")
        fixed = _fixed_text(message)
        if not any(a in fixed for a in texts) and not all(
                any(a in s for a in texts) for s in message.samples):
            problems.append(f"{where}: holds none of the prefilter's anchors")
        for sample in message.samples:
            if message.key not in sample:
                problems.append(f"{where}: sample {sample!r} lacks the key")
            if not pattern.fullmatch(sample):
                problems.append(f"{where}: sample {sample!r} does not match its pattern")
            others = [m.id for m, p in compiled if m is not message and p.fullmatch(sample)]
            if others:
                problems.append(f"{where}: sample {sample!r} also matches {others}")
    return problems
