"""The catalogue of nova's live-migration log messages, as data.

One entry per message form: the literal ``key`` it starts with (the byte prefilter looks for
it), a regex for the rest whose named groups are the event's fields, nova's format string
(``template``, for writing logs), its levels, which host logs it, the releases that log it,
and sample messages as nova writes them. The grammar, the prefilter, the log writer and the
tests all come from this table. Facts: §2 (messages per release), §1.3 (config dump).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
HOST = r"[^\s]+?"


@dataclass(frozen=True)
class Message:
    """One message form nova logs.

    The message is ``prefix`` (a regex, usually empty), then the literal ``key``, then
    ``rest`` (a regex to the end). The key is where the message's distinctive text starts:
    "Took 5.12 seconds for pre_live_migration…" has the key " seconds for pre_live_migration
    on destination host " after a ``Took N`` prefix, because "Took " alone starts dozens of
    unrelated nova messages and would flood the prefilter.
    """

    id: str  # unique
    kind: str  # the event kind; several forms can share one
    key: str  # distinctive literal text of the message (what the prefilter looks for)
    rest: str  # regex for what follows the key, to the end of the message
    template: str  # nova's format string, with %(field)s placeholders
    levels: tuple[str, ...]
    side: str  # source | dest | both | host (not tied to a migration)
    first: int  # first release major that logs it
    last: int | None = None  # last release major that logs it (None: still in master)
    logger: str = "nova.virt.libvirt.driver"
    samples: tuple[str, ...] = ()
    instance_tag: bool = True  # logged with [instance: UUID]
    free_text: bool = False  # ends in free text (an error message)
    prefix: str = ""  # regex before the key (keep it short and strict)

    @property
    def pattern(self) -> str:
        """The whole message as a regex: ``prefix``, the escaped key, then ``rest``."""
        return self.prefix + re.escape(self.key) + self.rest

    def logged_in(self, major: int) -> bool:
        return self.first <= major and (self.last is None or major <= self.last)


# Field types: everything else is a string.
INT_FIELDS = frozenset({
    "downtime_ms", "after_s", "secs", "remaining_pct", "processed_bytes", "remaining_bytes",
    "total_bytes", "disk_remaining_pct", "disk_processed_bytes", "disk_remaining_bytes",
    "disk_total_bytes", "watermark_bytes", "limit_s", "elapsed_s", "minimum",
    "lifecycle_code", "job_type", "migration_id",
})
FLOAT_FIELDS = frozenset({"took_s", "event_epoch"})

MIG = "nova.virt.libvirt.migration"
DRV = "nova.virt.libvirt.driver"
MGR = "nova.compute.manager"
RT = "nova.compute.resource_tracker"
SVC = "oslo_service.service"

_PROGRESS_MEM = (r"(?P<secs>\d+) secs, memory (?P<remaining_pct>\d+)% remaining")
_BYTES = (r"\(bytes processed=(?P<{p}processed_bytes>\d+), remaining=(?P<{p}remaining_bytes>\d+),"
          r" total=(?P<{p}total_bytes>\d+)\)")

LIFECYCLE_STATES = ("Started", "Stopped", "Paused", "Resumed", "Suspended", "Postcopy started",
                    "Migration completed", "Unknown")
# Havana's numeric "Lifecycle event N on VM" (nova/virt/event.py EVENT_LIFECYCLE_*).
LIFECYCLE_CODES = {0: "Started", 1: "Stopped", 2: "Paused", 3: "Resumed"}

CATALOG: tuple[Message, ...] = (
    # --- the downtime ramp (source) ---------------------------------------------------
    Message(
        "downtime_step_compact", "downtime_step", "Increasing downtime to ",
        r"(?P<downtime_ms>\d+)ms after (?P<after_s>\d+) sec elapsed time",
        "Increasing downtime to %(downtime_ms)dms after %(after_s)d sec elapsed time",
        ("INFO",), "source", 12, 12, DRV,
        ("Increasing downtime to 46ms after 0 sec elapsed time",),
    ),
    Message(
        "downtime_step", "downtime_step", "Increasing downtime to ",
        r"(?P<downtime_ms>\d+) ms after (?P<after_s>\d+) sec elapsed time",
        "Increasing downtime to %(downtime_ms)d ms after %(after_s)d sec elapsed time",
        ("INFO",), "source", 13, None, MIG,
        ("Increasing downtime to 50 ms after 0 sec elapsed time",
         "Increasing downtime to 4998 ms after 2100 sec elapsed time"),
    ),
    Message(
        "downtime_state", "downtime_state", "steps [", r"(?P<steps>.*)\]",
        "Current %(current_ms)s elapsed %(elapsed_s)d steps %(steps)s",
        ("DEBUG",), "source", 14, None, MIG,
        ("Current None elapsed 0 steps [(0, 50), (150, 95), (300, 140), (450, 185), "
         "(600, 230), (750, 275), (900, 320), (1050, 365), (1200, 410), (1350, 455), "
         "(1500, 500)]",
         "Current 50 elapsed 151 steps [(0, 50), (150, 95)]"),
        prefix=r"Current (?P<current_ms>None|\d+) elapsed (?P<elapsed_s>\d+) ",
    ),
    Message(
        "downtime_set_failed_compact", "downtime_set_failed", "Unable to increase max downtime to ",
        r"(?P<downtime_ms>\d+)ms: (?P<error>.*)",
        "Unable to increase max downtime to %(downtime_ms)dms: %(error)s",
        ("WARNING",), "source", 12, 15, MIG,
        ("Unable to increase max downtime to 95ms: Requested operation is not valid",),
        free_text=True,
    ),
    Message(
        "downtime_set_failed", "downtime_set_failed", "Unable to increase max downtime to ",
        r"(?P<downtime_ms>\d+) ms: (?P<error>.*)",
        "Unable to increase max downtime to %(downtime_ms)d ms: %(error)s",
        ("WARNING",), "source", 16, None, MIG,
        ("Unable to increase max downtime to 95 ms: Requested operation is not valid: "
         "domain is not being migrated",),
        free_text=True,
    ),
    Message(
        "clamp_warning", "config_clamped", "Config option live_migration_",
        r"(?P<option>\w+)'s value is less than minimum value (?P<minimum>\d+)ms, rounded up to "
        r"the minimum value and will raise ValueError in the future release\.",
        "Config option live_migration_%(option)s's value is less than minimum value "
        "%(minimum)dms, rounded up to the minimum value and will raise ValueError in the "
        "future release.",
        ("WARNING",), "source", 15, 15, MIG,
        ("Config option live_migration_downtime's value is less than minimum value 100ms, "
         "rounded up to the minimum value and will raise ValueError in the future release.",),
        instance_tag=False,
    ),
    # --- progress (source) ---------------------------------------------------------------
    Message(
        "progress", "progress", "Migration running for ",
        _PROGRESS_MEM + "; " + _BYTES.format(p=""),
        "Migration running for %(secs)d secs, memory %(remaining_pct)d%% remaining; (bytes "
        "processed=%(processed_bytes)d, remaining=%(remaining_bytes)d, total=%(total_bytes)d)",
        ("INFO", "DEBUG"), "source", 11, 19, DRV,
        ("Migration running for 0 secs, memory 0% remaining; (bytes processed=0, remaining=0, "
         "total=0)",
         "Migration running for 2280 secs, memory 3% remaining; (bytes processed=2541888418, "
         "remaining=126791680, total=3226542080)"),
    ),
    Message(
        "progress_disk", "progress", "Migration running for ",
        _PROGRESS_MEM + " " + _BYTES.format(p="") + r"; disk (?P<disk_remaining_pct>\d+)% "
        r"remaining " + _BYTES.format(p="disk_") + r"\.",
        "Migration running for %(secs)d secs, memory %(remaining_pct)d%% remaining (bytes "
        "processed=%(processed_bytes)d, remaining=%(remaining_bytes)d, total=%(total_bytes)d); "
        "disk %(disk_remaining_pct)d%% remaining (bytes processed=%(disk_processed_bytes)d, "
        "remaining=%(disk_remaining_bytes)d, total=%(disk_total_bytes)d).",
        ("INFO", "DEBUG"), "source", 20, None, DRV,
        ("Migration running for 30 secs, memory 42% remaining (bytes processed=1234567890, "
         "remaining=987654321, total=4295229440); disk 100% remaining (bytes processed=0, "
         "remaining=0, total=0).",),
    ),
    Message(
        "data_remaining", "data_remaining", "Data remaining ",
        r"(?P<remaining_bytes>\d+) bytes, low watermark (?P<watermark_bytes>\d+) bytes "
        r"(?P<secs>\d+) seconds ago",
        "Data remaining %(remaining_bytes)d bytes, low watermark %(watermark_bytes)d bytes "
        "%(secs)d seconds ago",
        ("INFO", "DEBUG"), "source", 12, 18, DRV,
        ("Data remaining 831111168 bytes, low watermark 2117632 bytes 12622 seconds ago",),
    ),
    # --- timeouts and actions (source) ---------------------------------------------------
    Message(
        "completion_timeout", "completion_timeout", "Live migration not completed after ",
        r"(?P<limit_s>\d+) (?:seconds|sec)",
        "Live migration not completed after %(limit_s)d sec",
        ("WARNING",), "source", 12, None, MIG,
        ("Live migration not completed after 2400 sec",
         "Live migration not completed after 300 seconds"),
    ),
    Message(
        "progress_timeout", "progress_timeout", "Live migration stuck for ",
        r"(?P<secs>\d+) sec", "Live migration stuck for %(secs)d sec",
        ("WARNING",), "source", 12, 18, MIG,
        ("Live migration stuck for 152 sec",),
    ),
    Message(
        "abort_failed", "abort_failed", "Failed to abort migration ", r"(?P<error>.*)",
        "Failed to abort migration %(error)s", ("WARNING",), "source", 12, None, MIG,
        ("Failed to abort migration Requested operation is not valid: no job is active",),
        free_text=True,
    ),
    Message(
        "cancel_failed", "cancel_failed", "Failed to cancel migration ", r"(?P<error>.*)",
        "Failed to cancel migration %(error)s", ("ERROR",), "source", 13, None, DRV,
        ("Failed to cancel migration Requested operation is not valid: no job is active on "
         "the domain",),
        free_text=True,
    ),
    Message(
        "abort_after_error_failed", "abort_after_error_failed",
        "Error occurred when trying to abort live migration job, ignoring it.", "",
        "Error occurred when trying to abort live migration job, ignoring it.",
        ("WARNING",), "source", 32, None, DRV,
        ("Error occurred when trying to abort live migration job, ignoring it.",),
    ),
    # --- post-copy and force-complete (source) ---------------------------------------------
    Message(
        "postcopy_switch", "postcopy_switch", "Switching to post-copy migration mode", "",
        "Switching to post-copy migration mode", ("INFO",), "source", 14, None, MIG,
        ("Switching to post-copy migration mode",),
    ),
    Message(
        "postcopy_switch_failed", "postcopy_switch_failed",
        "Failed to switch to post-copy live migration: ", r"(?P<error>.*)",
        "Failed to switch to post-copy live migration: %(error)s",
        ("WARNING",), "source", 14, None, MIG,
        ("Failed to switch to post-copy live migration: internal error: unable to execute "
         "QEMU command 'migrate-start-postcopy'",),
        free_text=True,
    ),
    Message(
        "postcopy_already", "force_complete_in_postcopy",
        "Live-migration %s already switched to post-copy mode.", "",
        "Live-migration %%s already switched to post-copy mode.",
        ("WARNING",), "source", 14, None, MIG,
        ("Live-migration %s already switched to post-copy mode.",),
    ),
    Message(
        "pause_failed", "force_complete_pause_failed",
        "Failed to pause instance during live-migration ", r"(?P<error>.*)",
        "Failed to pause instance during live-migration %(error)s",
        ("WARNING",), "source", 14, None, MIG,
        ("Failed to pause instance during live-migration Requested operation is not valid: "
         "domain is not running",),
        free_text=True,
    ),
    Message(
        "resume_failed", "rollback_resume_failed",
        "Failed to resume paused instance before live-migration rollback ", r"(?P<error>.*)",
        "Failed to resume paused instance before live-migration rollback %(error)s",
        ("WARNING",), "source", 14, None, MIG,
        ("Failed to resume paused instance before live-migration rollback internal error",),
        free_text=True,
    ),
    Message(
        "postcopy_unset_paused", "postcopy_unset_paused",
        "Post-copy flag unset because instance is paused.", "",
        "Post-copy flag unset because instance is paused.",
        ("DEBUG",), "source", 29, None, DRV,
        ("Post-copy flag unset because instance is paused.",),
    ),
    # --- outcomes (source) ---------------------------------------------------------------
    Message(
        "operation_completed", "operation_completed", "Migration operation has completed", "",
        "Migration operation has completed", ("INFO",), "source", 11, None, DRV,
        ("Migration operation has completed",),
    ),
    Message(
        "operation_aborted", "operation_aborted", "Migration operation has aborted", "",
        "Migration operation has aborted", ("ERROR",), "source", 11, None, DRV,
        ("Migration operation has aborted",),
    ),
    Message(
        "operation_cancelled", "operation_cancelled", "Migration operation was cancelled", "",
        "Migration operation was cancelled", ("WARNING",), "source", 11, None, DRV,
        ("Migration operation was cancelled",),
    ),
    Message(
        "live_migration_failure", "live_migration_failure", "Live Migration failure: ",
        r"(?P<error>.*)", "Live Migration failure: %(error)s", ("ERROR",), "source", 6, None, DRV,
        ("Live Migration failure: operation aborted: migration job: canceled by client: "
         "libvirtError: operation aborted: migration job: canceled by client",
         "Live Migration failure: End of file while reading data: : Input/output error"),
        free_text=True,
    ),
    Message(
        "unexpected_job_type", "unexpected_job_type", "Unexpected migration job type: ",
        r"(?P<job_type>\d+)", "Unexpected migration job type: %(job_type)d",
        ("WARNING",), "source", 11, None, DRV, ("Unexpected migration job type: 1",),
    ),
    Message(
        "job_failed_on_src", "job_failed", "VM running on src, migration failed", "",
        "VM running on src, migration failed", ("DEBUG",), "source", 11, None, MIG,
        ("VM running on src, migration failed",),
    ),
    # --- monitor and operation thread (source) -------------------------------------------
    Message(
        "monitor_started", "monitor_started", "Starting monitoring of live migration", "",
        "Starting monitoring of live migration", ("DEBUG",), "source", 11, None, DRV,
        ("Starting monitoring of live migration",),
    ),
    Message(
        "monitor_done", "monitor_done", "Live migration monitoring is all done", "",
        "Live migration monitoring is all done", ("DEBUG",), "source", 11, None, DRV,
        ("Live migration monitoring is all done",),
    ),
    Message(
        "monitor_error", "monitor_error", "Error monitoring migration: ", r"(?P<error>.*)",
        "Error monitoring migration: %(error)s", ("WARNING",), "source", 11, None, DRV,
        ("Error monitoring migration: internal error: migration was active, but no RAM info "
         "was set: libvirt.libvirtError: internal error: migration was active, but no RAM "
         "info was set",),
        free_text=True,
    ),
    Message(
        "migrate_api_invoked", "migrate_api_invoked", "About to invoke the migrate API", "",
        "About to invoke the migrate API", ("DEBUG",), "source", 18, None, DRV,
        ("About to invoke the migrate API",),
    ),
    Message(
        "migrate_api_completed", "migrate_api_completed", "Migrate API has completed", "",
        "Migrate API has completed", ("DEBUG",), "source", 18, None, DRV,
        ("Migrate API has completed",),
    ),
    Message(
        "operation_thread_finished", "operation_thread_finished",
        "Migration operation thread has finished", "",
        "Migration operation thread has finished", ("DEBUG",), "source", 11, None, DRV,
        ("Migration operation thread has finished",),
    ),
    Message(
        "operation_thread_notification", "operation_thread_notification",
        "Migration operation thread notification", "",
        "Migration operation thread notification", ("DEBUG",), "source", 11, 32, DRV,
        ("Migration operation thread notification",),
    ),
    # --- compute manager ---------------------------------------------------------------
    Message(
        "pre_live_migration_took", "pre_live_migration_took",
        " seconds for pre_live_migration on destination host ", r"(?P<dest_host>\S+?)\.",
        "Took %(took_s)0.2f seconds for pre_live_migration on destination host %(dest_host)s.",
        ("INFO",), "source", 18, None, MGR,
        ("Took 5.12 seconds for pre_live_migration on destination host compute-2.",),
        prefix=r"Took (?P<took_s>\d+\.\d+)",
    ),
    Message(
        "pre_live_migration_failed", "pre_live_migration_failed", "Pre live migration failed at ",
        r"(?P<dest_host>\S+?)(?P<error>: .*)?",
        "Pre live migration failed at %(dest_host)s", ("ERROR",), "source", 6, None, MGR,
        ("Pre live migration failed at nova1",),
    ),
    Message(
        "live_migration_data", "live_migration_data", "live_migration data is ",
        r"(?P<data>.*)", "live_migration data is %(data)s", ("DEBUG",), "source", 14, None, MGR,
        ("live_migration data is LibvirtLiveMigrateData(bdms=[],block_migration=False,"
         "disk_available_mb=None,disk_over_commit=<?>,dst_numa_info=<?>,"
         "migration=Migration(created_at=2024-05-01T12:00:00Z,dest_compute='compute-2',"
         "id=42,instance_uuid=7b7edae6-f878-4756-a858-86f836d02c33,migration_type="
         "'live-migration',source_compute='compute-1',status='running',"
         "uuid=1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f),wait_for_vif_plugged=True)",),
        free_text=True,
    ),
    Message(
        "post_live_migration_started", "post_live_migration_started",
        "_post_live_migration() is started..", "",
        "_post_live_migration() is started..", ("INFO",), "source", 6, None, MGR,
        ("_post_live_migration() is started..",),
    ),
    Message(
        "migration_succeeded", "migration_succeeded", "Migrating instance to ",
        r"(?P<dest_host>\S+) finished successfully\.",
        "Migrating instance to %(dest_host)s finished successfully.",
        ("INFO",), "source", 6, None, MGR,
        ("Migrating instance to hp-ms-01-c29.moonshot1.lab.eng.rdu.redhat.com finished "
         "successfully.",),
    ),
    Message(
        "live_migration_failed", "live_migration_failed", "Live migration failed.",
        r"(?P<error>: .*)?", "Live migration failed.", ("ERROR",), "source", 12, None, MGR,
        ("Live migration failed.",),
    ),
    Message(
        "post_at_dest_failed", "post_live_migration_at_dest_failed",
        "Post live migration at destination ", r"(?P<dest_host>\S+?) failed(?P<error>: .*)?",
        "Post live migration at destination %(dest_host)s failed",
        ("ERROR",), "source", 6, None, MGR,
        ("Post live migration at destination compute-2.ci-rdo.local failed: "
         "nova.exception_Remote.InstanceNotFound_Remote: Instance 7b7edae6-f878-4756-a858-"
         "86f836d02c33 could not be found.",),
    ),
    Message(
        "aborted_by_another_process", "aborted_by_another_process",
        " aborted by another process, rollback.", "",
        "Migration %(migration_uuid)s aborted by another process, rollback.",
        ("DEBUG",), "source", 18, None, MGR,
        ("Migration 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f aborted by another process, "
         "rollback.",),
        prefix=rf"Migration (?P<migration_uuid>{UUID})",
    ),
    Message(
        "vif_plug_failed", "vif_plug_failed",
        "Failed waiting for network virtual interfaces to be plugged on the destination host ",
        r"(?P<dest_host>\S+?)\.(?P<error>: .*)?",
        "Failed waiting for network virtual interfaces to be plugged on the destination host "
        "%(dest_host)s.", ("ERROR",), "source", 18, None, MGR,
        ("Failed waiting for network virtual interfaces to be plugged on the destination "
         "host compute-2.",),
    ),
    Message(
        "post_operation_started", "post_operation_started", "Post operation of migration started",
        "", "Post operation of migration started", ("INFO",), "dest", 6, None, MGR,
        ("Post operation of migration started",),
    ),
    Message(
        "sync_power_moved", "sync_power_moved",
        "During the sync_power process the instance has moved from host ",
        r"(?P<source_host>\S+) to host (?P<dest_host>\S+)",
        "During the sync_power process the instance has moved from host %(source_host)s to "
        "host %(dest_host)s", ("INFO",), "dest", 6, None, MGR,
        ("During the sync_power process the instance has moved from host compute-1 to host "
         "compute-2",),
    ),
    Message(
        "sync_power_pending_task", "sync_power_pending_task",
        "During sync_power_state the instance has a pending task (",
        r"(?P<task>[^)]*)\)\. Skip\.",
        "During sync_power_state the instance has a pending task (%(task)s). Skip.",
        ("INFO",), "both", 6, None, MGR,
        ("During sync_power_state the instance has a pending task (migrating). Skip.",),
    ),
    # --- lifecycle events: one literal per state ---------------------------------------
    *(
        Message(
            f"lifecycle_{state.lower().replace(' ', '_')}", "lifecycle",
            f"VM {state} (Lifecycle Event)", "", f"VM {state} (Lifecycle Event)",
            ("INFO",), "both",
            18 if state in ("Postcopy started", "Migration completed") else
            12 if state == "Suspended" else 6,
            None, MGR, (f"VM {state} (Lifecycle Event)",),
        )
        for state in LIFECYCLE_STATES
    ),
    Message(
        "lifecycle_numeric", "lifecycle", "Lifecycle event ",
        rf"(?P<lifecycle_code>\d) on VM (?P<event_instance>{UUID})",
        "Lifecycle event %(lifecycle_code)d on VM %(event_instance)s",
        ("INFO", "AUDIT"), "both", 6, 9, MGR,
        ("Lifecycle event 1 on VM 6f5a7c59-3e1c-4a9a-8a8c-1f0d2b9e4c11",),
        instance_tag=False,
    ),
    Message(
        "lifecycle_emitted", "lifecycle_emitted", "Emitting event <LifecycleEvent: ",
        rf"(?P<event_epoch>\d+(?:\.\d+)?), (?P<event_instance>{UUID}) => "
        r"(?P<state>[A-Za-z ]+)>",
        "Emitting event <LifecycleEvent: %(event_epoch)s, %(event_instance)s => %(state)s>",
        ("DEBUG",), "both", 10, None, "nova.virt.driver",
        ("Emitting event <LifecycleEvent: 1446130392.58, a18a5824-4215-4e24-bcfc-cb9f89f6bcbd "
         "=> Paused>",),
        instance_tag=False,
    ),
    # --- resource tracker: migration ids ------------------------------------------------
    Message(
        "rt_migration_old", "rt_migration", "Updating from migration ",
        rf"(?P<event_instance>{UUID})", "Updating from migration %(event_instance)s",
        ("INFO",), "both", 6, 17, RT,
        ("Updating from migration 7b7edae6-f878-4756-a858-86f836d02c33",),
        instance_tag=False,
    ),
    Message(
        "rt_migration", "rt_migration", "Updating resource usage from migration",
        rf"(?: (?P<migration_uuid>{UUID}))?",
        "Updating resource usage from migration %(migration_uuid)s",
        ("INFO",), "both", 18, None, RT,
        ("Updating resource usage from migration 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
         "Updating resource usage from migration"),
    ),
    Message(
        "rt_track_migration", "rt_track_migration", "Starting to track ",
        rf"(?P<direction>incoming|outgoing) migration (?P<migration_uuid>{UUID}) with flavor "
        r"(?P<flavor>.*)",
        "Starting to track %(direction)s migration %(migration_uuid)s with flavor %(flavor)s",
        ("DEBUG",), "both", 18, None, RT,
        ("Starting to track outgoing migration 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f with "
         "flavor 4a1c5e2b-7d3f-4b9a-8c6e-2f0d1b3a5c7e",),
        free_text=True,
    ),
    # --- service start and configuration -------------------------------------------------
    Message(
        "compute_start", "compute_start", "Starting compute node (version ",
        r"(?P<version>[^)\s]+)\)", "Starting compute node (version %(version)s)",
        ("INFO", "AUDIT"), "host", 6, None, "nova.service",
        ("Starting compute node (version 2014.2.3-31.el7ost)",
         "Starting compute node (version 21.2.3)"),
        instance_tag=False,
    ),
    Message(
        "config_option", "config_option", "libvirt.live_migration_",
        r"(?P<option>\w+)\s*= (?P<value>.*)",
        "%(option_padded)s = %(value)s", ("DEBUG",), "host", 6, None, SVC,
        ("libvirt.live_migration_downtime = 500",
         "libvirt.live_migration_uri     = None",
         "libvirt.live_migration_flag    = VIR_MIGRATE_UNDEFINE_SOURCE, VIR_MIGRATE_PEER2PEER, "
         "VIR_MIGRATE_LIVE, VIR_MIGRATE_TUNNELLED"),
        instance_tag=False, free_text=True,
    ),
    Message(
        "config_block_migration_flag", "config_option", "libvirt.block_migration_flag",
        r"\s*= (?P<value>.*)", "libvirt.block_migration_flag = %(value)s",
        ("DEBUG",), "host", 6, 13, SVC,
        ("libvirt.block_migration_flag = VIR_MIGRATE_UNDEFINE_SOURCE, VIR_MIGRATE_PEER2PEER, "
         "VIR_MIGRATE_LIVE, VIR_MIGRATE_TUNNELLED, VIR_MIGRATE_NON_SHARED_INC",),
        instance_tag=False, free_text=True,
    ),
    Message(
        "config_option_default", "config_option", "max_concurrent_live_migrations",
        r"\s*= (?P<value>.*)", "max_concurrent_live_migrations = %(value)s",
        ("DEBUG",), "host", 6, None, SVC,
        ("max_concurrent_live_migrations = 1",),
        instance_tag=False, free_text=True,
    ),
    Message(  # CONF.host and my_ip: who the host is, in nova's own words (log_opt_values
        # pads names to 30 characters: "%-30s = %s")
        "conf_host", "conf_host", "host" + " " * 27 + "= ", r"(?P<value>\S+)",
        "host                           = %(value)s", ("DEBUG",), "host", 6, None, SVC,
        ("host                           = compute-1.example.org",), instance_tag=False,
    ),
    Message(
        "conf_my_ip", "conf_my_ip", "my_ip" + " " * 26 + "= ", r"(?P<value>\S+)",
        "my_ip                          = %(value)s", ("DEBUG",), "host", 6, None, SVC,
        ("my_ip                          = 192.0.2.11",), instance_tag=False,
    ),
    Message(
        "config_files", "config_files", "config files: ", r"(?P<files>\[.*\])",
        "config files: %(files)s", ("DEBUG",), "host", 6, None, SVC,
        ("config files: ['/etc/nova/nova.conf', '/etc/nova/nova-compute.conf']",),
        instance_tag=False,
    ),
    Message(
        "postcopy_available", "postcopy_available",
        "The live_migration_permit_post_copy is set to True and post copy live migration is "
        "available so auto-converge will not be in use.", "",
        "The live_migration_permit_post_copy is set to True and post copy live migration is "
        "available so auto-converge will not be in use.",
        ("INFO",), "host", 14, None, DRV,
        ("The live_migration_permit_post_copy is set to True and post copy live migration is "
         "available so auto-converge will not be in use.",),
        instance_tag=False,
    ),
    Message(
        "postcopy_unsupported", "postcopy_unsupported",
        "The live_migration_permit_post_copy is set to True, but it is not supported.", "",
        "The live_migration_permit_post_copy is set to True, but it is not supported.",
        ("INFO",), "host", 14, 19, DRV,
        ("The live_migration_permit_post_copy is set to True, but it is not supported.",),
        instance_tag=False,
    ),
    Message(
        "autoconverge_unsupported", "autoconverge_unsupported",
        "The live_migration_permit_auto_converge is set to True, but it is not supported.", "",
        "The live_migration_permit_auto_converge is set to True, but it is not supported.",
        ("INFO",), "host", 14, 15, DRV,
        ("The live_migration_permit_auto_converge is set to True, but it is not supported.",),
        instance_tag=False,
    ),
)

BY_ID: dict[str, Message] = {m.id: m for m in CATALOG}
KINDS: tuple[str, ...] = tuple(dict.fromkeys(m.kind for m in CATALOG))


def keys() -> tuple[str, ...]:
    """The distinct literal keys, longest first (what the prefilter searches for)."""
    return tuple(sorted({m.key for m in CATALOG}, key=lambda k: (-len(k), k)))


def field_names() -> tuple[str, ...]:
    """Every field any message can carry, in catalogue order."""
    names: dict[str, None] = {}
    for message in CATALOG:
        for name in re.compile(message.pattern).groupindex:
            names[name] = None
    return tuple(names)
