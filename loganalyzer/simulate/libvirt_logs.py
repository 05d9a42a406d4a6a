"""What libvirt and QEMU log for a simulated migration: both hosts' libvirt daemon logs and
QEMU per-domain logs, at libvirt's debug or info level, as the release's libvirt/QEMU write
them (../shared/docs/libvirt-qemu-downtime-evidence.md §2–§3; real excerpts in
real_logs/libvirt/).

Timeline (true time; each host writes its own clock, in UTC): libvirt reads the downtime limit
(``query-migrate-parameters``, QEMU's 300 ms), starts ``migrate``; applies each of nova's
steps a few ms after nova logs it (``migrate_set_downtime`` in seconds before libvirt 6.5,
``migrate-set-parameters {"downtime-limit"}`` after); answers nova's ``jobStats`` poll with a
``query-migrate`` per monitor iteration; QEMU stops the guest (``STOP``) when the rest fits in
the limit, completes ``downtime`` later (the model's real downtime, what QEMU measures on the
source), and the destination resumes (``RESUME``) after libvirt's Finish and ``cont``. The
guest's real pause, STOP → RESUME, is :attr:`LibvirtTimeline.pause_s`.
"""

from __future__ import annotations

import bisect
import json
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from loganalyzer.nova.releases import Release
from loganalyzer.simulate.model import QEMU_DEFAULT_DOWNTIME_MS, Result
from loganalyzer.simulate.narrate import Narration, Script

LEVELS = ("debug", "info", "off")
RESUME_LATENCY_S = 0.06  # libvirt's Finish on the destination, then `cont`
_STEP = re.compile(r"Increasing downtime to (\d+) ?ms")
PAGE = 4096


def libvirt_version(release: Release) -> tuple[int, int]:
    """The libvirt a release typically ran on: Ubuntu Focal's 6.0 through Victoria, RHEL 8.4's
    7.0 from Wallaby, 8.0+ from Yoga, 9.x (modular daemons) from 2023.1."""
    if release.major <= 22:
        return (6, 0)
    if release.major <= 24:
        return (7, 0)
    if release.major <= 26:
        return (8, 0)
    return (9, 0)


def daemon_name(release: Release) -> str:
    """``virtqemud`` (modular daemons, libvirt ≥ 9 deployments) or ``libvirtd``."""
    return "virtqemud" if libvirt_version(release) >= (9, 0) else "libvirtd"


@dataclass
class LibvirtTimeline:
    """The QEMU truth of one simulated migration, in true (source) time."""

    stop: datetime | None = None
    resume: datetime | None = None
    qemu_downtime_ms: int | None = None
    limit_in_force_ms: int | None = None
    applied: list[tuple[datetime, int]] = field(default_factory=list)

    @property
    def pause_s(self) -> float | None:
        if self.stop is None or self.resume is None:
            return None
        return (self.resume - self.stop).total_seconds()


@dataclass
class LibvirtLines:
    """Lines per host for one or more migrations: the daemon log and per-domain QEMU logs."""

    daemon: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    domain: dict[tuple[str, str], list[tuple[datetime, str]]] = field(default_factory=dict)

    def sorted_daemon(self, host: str) -> list[str]:
        return [text for _, text in sorted(self.daemon.get(host, []), key=lambda x: x[0])]

    def sorted_domain(self, host: str, name: str) -> list[str]:
        return [text for _, text in sorted(self.domain.get((host, name), []),
                                           key=lambda x: x[0])]


class _Host:
    """One host's libvirt log writer (its own clock offset, monitor pointer, QMP ids)."""

    def __init__(self, out: LibvirtLines, host: str, level: str, offset_s: float,
                 mon: str, vm: str, domain: str, tid: int, rng: random.Random) -> None:
        self.out, self.host, self.level, self.offset = out, host, level, offset_s
        self.mon, self.vm, self.domain, self.tid, self.rng = mon, vm, domain, tid, rng
        self.next_id = 1

    def _stamp(self, when: datetime) -> str:
        utc = when + timedelta(seconds=self.offset)
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "+0000"

    def line(self, when: datetime, level: str, func: str, text: str) -> None:
        if self.level == "off" or (level == "debug" and self.level != "debug"):
            return
        self.out.daemon.setdefault(self.host, []).append(
            (when, f"{self._stamp(when)}: {self.tid}: {level} : {func} : {text}"))

    def domain_line(self, when: datetime, text: str, stamped: bool = True) -> None:
        if self.level == "off":
            return
        self.out.domain.setdefault((self.host, self.domain), []).append(
            (when, f"{self._stamp(when)}: {text}" if stamped else text))

    def started(self, when: datetime, version: tuple[int, int], uuid: str,
                incoming: bool) -> None:
        """QEMU's start in the domain log: libvirt's banner, then the command line (one
        argument per line ending in `` \\`` from libvirt 7, one line before)."""
        self.domain_line(when, f"starting up libvirt version: {version[0]}.{version[1]}.0, "
                               f"qemu version: {'8.2.0' if version >= (9, 0) else '4.2.0'}, "
                               f"hostname: {self.host}")
        args = ["LC_ALL=C", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
                "/usr/libexec/qemu-kvm", f"-name guest={self.domain},debug-threads=on", "-S",
                "-m 4096", f"-uuid {uuid}", "-no-user-config", "-nodefaults"]
        if incoming:
            args.append("-incoming defer")
        args.append("-msg timestamp=on")
        if version >= (7, 0):
            for index, arg in enumerate(args):
                tail = "" if index == len(args) - 1 else " \\"
                self.domain_line(when + timedelta(microseconds=index), arg + tail, False)
        else:
            self.domain_line(when, " ".join(args), False)

    def command(self, when: datetime, execute: str, arguments: dict[str, object] | None = None,
                reply: dict[str, object] | None = None, error: str | None = None) -> None:
        """A QMP command, its socket write and QEMU's reply (a few ms later)."""
        qid = f"libvirt-{self.next_id}"
        self.next_id += 1
        body: dict[str, object] = {"execute": execute}
        if arguments is not None:
            body["arguments"] = arguments
        body["id"] = qid
        text = json.dumps(body, separators=(",", ":"))
        self.line(when, "debug", "qemuDomainObjEnterMonitorInternal:5934",
                  f"Entering monitor (mon={self.mon} vm={self.vm} name={self.domain})")
        self.line(when, "info", "qemuMonitorSend:995",
                  f"QEMU_MONITOR_SEND_MSG: mon={self.mon} msg={text}\r\n fd=-1")
        self.line(when, "info", "qemuMonitorIOWrite:452",
                  f"QEMU_MONITOR_IO_WRITE: mon={self.mon} buf={text}\r\n len={len(text) + 2} "
                  f"ret={len(text) + 2} errno=0")
        answer: dict[str, object]
        if error is not None:
            answer = {"id": qid, "error": {"class": "GenericError", "desc": error}}
        else:
            answer = {"return": reply if reply is not None else {}, "id": qid}
        back = when + timedelta(milliseconds=self.rng.uniform(0.4, 2.5))
        reply_text = json.dumps(answer)
        self.line(back, "debug", "qemuMonitorJSONIOProcessLine:220", f"Line [{reply_text}]")
        self.line(back, "info", "qemuMonitorJSONIOProcessLine:240",
                  f"QEMU_MONITOR_RECV_REPLY: mon={self.mon} reply={reply_text}")
        if error is not None:
            self.line(back, "error", "qemuMonitorJSONCheckError:412",
                      f"internal error: unable to execute QEMU command '{execute}': {error}")
        self.line(back, "debug", "qemuDomainObjExitMonitorInternal:5957",
                  f"Exited monitor (mon={self.mon} vm={self.vm} name={self.domain})")

    def event(self, when: datetime, name: str, data: dict[str, object] | None = None) -> None:
        """A QMP event: QEMU's own timestamp (this host's clock) and libvirt's line."""
        utc = when + timedelta(seconds=self.offset)
        epoch = utc.timestamp()
        seconds = int(epoch // 1)
        micro = round((epoch - seconds) * 1e6) % 1000000
        body: dict[str, object] = {"timestamp": {"seconds": seconds, "microseconds": micro},
                                   "event": name}
        if data is not None:
            body["data"] = data
        text = json.dumps(body)
        logged = when + timedelta(milliseconds=self.rng.uniform(0.05, 0.6))
        self.line(logged, "debug", "qemuMonitorJSONIOProcessLine:220", f"Line [{text}]")
        self.line(logged, "info", "qemuMonitorJSONIOProcessLine:235",
                  f"QEMU_MONITOR_RECV_EVENT: mon={self.mon} event={text}")

    def api(self, when: datetime, func: str, uuid: str, extra: str = "") -> None:
        self.line(when, "debug", func,
                  f"dom=0x7f00c4001234, (VM: name={self.domain}, uuid={uuid}){extra}")


def _steps(narration: Narration, start: datetime) -> list[tuple[float, int]]:
    """(elapsed, ms) of each ``Increasing downtime to`` line nova logged on the source."""
    found = []
    for record in narration.source:
        match = _STEP.search(record.message)
        if match:
            found.append(((record.when - start).total_seconds(), int(match.group(1))))
    return found


def _utc_start(script: Script, nova_utc_offset_min: int) -> datetime:
    return script.start - timedelta(minutes=nova_utc_offset_min)


def write_migration(out: LibvirtLines, script: Script, narration: Narration, result: Result,
                    level: str | tuple[str, str], rng: random.Random,
                    domain: str = "instance-00000001",
                    nova_utc_offset_min: int = 0, unapplied_steps: tuple[int, ...] = (),
                    rejected_steps: tuple[int, ...] = (), link_mibs: float = 1000.0,
                    dirty_rate_mibs: float = 0.0, qemu_overrun_ms: float = 0.0,
                    late_steps: dict[int, float] | None = None) -> LibvirtTimeline:
    """Add one migration's libvirt/QEMU lines for both hosts to ``out``; returns the truth.

    ``unapplied_steps``/``rejected_steps`` are indexes of nova's logged steps that libvirt
    never sent / that QEMU refused; ``qemu_overrun_ms`` makes the stop-and-copy last that
    much longer than QEMU estimated (a dirty-rate spike: the downtime then exceeds the
    limit, as in real_logs/libvirt/04); ``late_steps`` delays a step's command (index →
    seconds: libvirt's job lock busy). Times: nova's script is in host-local time
    (``nova_utc_offset_min`` east of UTC); libvirt writes UTC."""
    truth = LibvirtTimeline()
    source_level, dest_level = (level, level) if isinstance(level, str) else level
    if source_level == "off" and dest_level == "off":
        return truth
    release = script.release
    new_api = libvirt_version(release) >= (6, 5)
    t0 = _utc_start(script, nova_utc_offset_min)  # monitor start, true UTC (source clock)

    def at(elapsed: float) -> datetime:
        return t0 + timedelta(seconds=elapsed)

    number = int(domain.rsplit("-", 1)[-1], 16) if domain[-1:].isalnum() else 1
    src = _Host(out, script.source_host, source_level, 0.0, f"0x7f3a5c{number:06x}0",
                f"0x7f3a4c{number:06x}0", domain, 2381, rng)  # each QEMU: its own monitor
    dst = _Host(out, script.dest_host, dest_level, script.dest_clock_offset_s,
                f"0x7f91e0{number:06x}0", f"0x7f91d4{number:06x}0", domain, 3102, rng)
    # destination: QEMU started to receive
    src.started(at(-3600.0), libvirt_version(release), script.instance, incoming=False)
    dst.started(at(-1.2), libvirt_version(release), script.instance, incoming=True)
    dst.api(at(-1.3), "virDomainMigratePrepare3Params:5029", script.instance,
            ", dconnuri=(null), params=0x7f00c4004560, nparams=3")
    dst.command(at(-0.3), "migrate-incoming", {"uri": "tcp:[::]:49152"})
    # source: baseline limit, migrate
    src.api(at(-0.1), "virDomainMigratePerform3Params:5180", script.instance,
            f", dconnuri=qemu+tcp://{script.dest_host}/system, params=0x7f00c4005670, "
            "nparams=3, cookiein=(nil), cookieinlen=0, flags=0x1c3")
    src.command(at(-0.09), "query-migrate-parameters",
                reply={"downtime-limit": QEMU_DEFAULT_DOWNTIME_MS, "max-bandwidth": 33554432,
                       "cpu-throttle-initial": 20, "cpu-throttle-increment": 10})
    src.domain_line(at(-0.05), "initiating migration")
    src.command(at(-0.04), "migrate", {"detach": True, "resume": False,
                                       "uri": f"tcp:{script.dest_host}:49152"})
    src.event(at(-0.035), "MIGRATION", {"status": "setup"})
    src.event(at(0.0), "MIGRATION_PASS", {"pass": 1})
    src.event(at(0.0002), "MIGRATION", {"status": "active"})
    dst.event(at(-0.03), "MIGRATION", {"status": "active"})

    end = narration.end_elapsed
    outcome = narration.outcome
    forced_pause = result.mechanism == "paused"
    postcopy = result.mechanism == "post-copy"
    downtime_s = ((result.actual_downtime_ms or 0.0) + qemu_overrun_ms) / 1000
    resume_e = stop_e = completed_e = switch_e = None
    qemu_downtime_ms: int | None = None
    steps = _steps(narration, script.start)
    if outcome == "completed" and end is not None:
        # QEMU completes when the model says; the destination resumes after Finish + cont
        completed_e = end
        resume_e = end + RESUME_LATENCY_S
        if postcopy:
            switch_e = result.postcopy_at if result.postcopy_at is not None else end - 3.0
            stop_e = switch_e + 0.01
            qemu_downtime_ms = round(result.actual_downtime_ms or 50)
            resume_e = stop_e + qemu_downtime_ms / 1000 + RESUME_LATENCY_S
        elif forced_pause:
            stop_e = (result.paused_at or (end - downtime_s)) - 0.45
            qemu_downtime_ms = rng.randint(25, 80)  # QEMU's own stop-and-copy only
        else:  # the model decides with the step applied at that very iteration: STOP
            stop_e = completed_e - downtime_s  # follows the command applying it
            for elapsed, _ in steps:
                if elapsed - 0.002 <= stop_e < elapsed + 0.01:  # (model times are rounded)
                    stop_e = elapsed + 0.0101
            qemu_downtime_ms = round((completed_e - stop_e) * 1000)
    cutoff = stop_e if stop_e is not None else (end if end is not None else float("inf"))

    # nova's steps, as libvirt applied them
    applied: list[tuple[float, int]] = []
    limit = QEMU_DEFAULT_DOWNTIME_MS
    for index, (elapsed, value) in enumerate(steps):
        when = at(elapsed + rng.uniform(0.002, 0.006) + (late_steps or {}).get(index, 0.0))
        src.api(when, "virDomainMigrateSetMaxDowntime:8867", script.instance,
                f", downtime={value}, flags=0x0")
        if index in unapplied_steps:
            continue
        src.line(when, "debug", "qemuDomainMigrateSetMaxDowntime:14123",
                 f"Setting migration downtime to {value}ms")
        error = "Parameter 'downtime-limit' expects an integer in the range of 0 to " \
            "2000000 milliseconds" if index in rejected_steps else None
        if new_api:
            src.command(when, "migrate-set-parameters", {"downtime-limit": value}, error=error)
        else:
            src.command(when, "migrate_set_downtime", {"value": value / 1000.0}, error=error)
        if error is None:
            applied.append((elapsed, value))
            if elapsed <= cutoff:
                limit = value
    truth.applied = [(at(e), v) for e, v in applied]

    # nova's jobStats poll: one query-migrate per monitor iteration while the job is active
    page_rate = int(dirty_rate_mibs * 1048576 / PAGE)
    mbps = round(link_mibs * 1048576 * 8 / 1e6, 3)
    last = cutoff if stop_e is not None else (end if end is not None else script.iterations[-1])
    total = script.memory_bytes
    sample_times = [sample[0] for sample in result.samples]  # (Result.memory_at rebuilds it)
    for count, elapsed in enumerate(script.iterations):
        if elapsed >= last:
            break
        at_sample = bisect.bisect_right(sample_times, elapsed) - 1
        processed, remaining = result.samples[max(at_sample, 0)][1:] if result.samples \
            else (0, 0)
        expected = round(remaining / (link_mibs * 1048576) * 1000) if link_mibs else 0
        src.command(at(elapsed + 0.001), "query-migrate", reply={
            "expected-downtime": expected, "status": "active", "setup-time": 35,
            "total-time": int(elapsed * 1000) + 40,
            "ram": {"total": total, "remaining": remaining, "transferred": processed,
                    "dirty-pages-rate": page_rate, "dirty-sync-count": 1 + count // 20,
                    "mbps": mbps, "page-size": PAGE}})
    if postcopy and switch_e is not None:
        src.command(at(switch_e), "migrate-start-postcopy")
    if stop_e is not None and resume_e is not None and completed_e is not None:
        src.event(at(stop_e), "STOP")
        if postcopy:
            src.event(at(stop_e + 0.002), "MIGRATION", {"status": "postcopy-active"})
        src.event(at(completed_e), "MIGRATION", {"status": "completed"})
        src.command(at(completed_e + 0.001), "query-migrate", reply={
            "status": "completed", "setup-time": 35, "downtime": qemu_downtime_ms,
            "total-time": int(completed_e * 1000) + 40,
            "ram": {"total": total, "remaining": 0, "transferred": total,
                    "dirty-pages-rate": 0, "dirty-sync-count": 3, "mbps": mbps,
                    "page-size": PAGE}})
        dst.event(at(completed_e + 0.01), "MIGRATION", {"status": "completed"})
        dst.command(at(resume_e - 0.001), "cont")
        dst.event(at(resume_e), "RESUME")
        src.domain_line(at(completed_e + 1.0), "shutting down, reason=migrated")  # == end
        truth.stop, truth.resume = at(stop_e), at(resume_e)
        truth.qemu_downtime_ms = qemu_downtime_ms
        truth.limit_in_force_ms = limit
    elif outcome == "cancelled" and end is not None:
        src.command(at(end - 0.4), "migrate_cancel")
        src.event(at(end - 0.39), "MIGRATION", {"status": "cancelling"})
        src.event(at(end - 0.3), "MIGRATION", {"status": "cancelled"})
        dst.domain_line(at(end + 0.5), "shutting down, reason=failed")
    if source_level == "debug":
        _noise(src, at(-2.0), at((end or script.iterations[-1]) + 2.0), rng)
    if dest_level == "debug":
        _noise(dst, at(-2.0), at((end or script.iterations[-1]) + 2.0), rng)
    return truth


NOISE = (
    ("virThreadJobSet:94", "Thread {tid} (rpc-worker) is now running job "
                           "remoteDispatchDomainGetJobStats"),
    ("virObjectRef:402", "OBJECT_REF: obj=0x7f00c4001234"),
    ("qemuDomainObjBeginJobInternal:9416", "Starting job: job=query agentJob=none "
                                           "asyncJob=none (vm=0x7f3a4c0f10a0 name={domain}, "
                                           "current job=none agentJob=none async=migration out)"),
    ("virAccessManagerCheckDomain:234", "manager=0x55d5c8e1a140(name=stack) driver=QEMU "
                                         "domain=0x7f00c4001234 perm=0"),
)


def _noise(host: _Host, start: datetime, end: datetime, rng: random.Random) -> None:
    """libvirt's debug chatter: most of a debug log is this."""
    when = start
    while when < end:
        func, text = NOISE[rng.randrange(len(NOISE))]
        host.line(when, "debug", func, text.format(tid=host.tid, domain=host.domain))
        when += timedelta(seconds=rng.uniform(0.05, 0.4))


def write_files(out: str, lines: LibvirtLines, host: str, release: Release,
                folder: str | None = None) -> list[str]:
    """Write one host's libvirt logs as a libvirt host keeps them: ``<daemon>.log`` and
    ``qemu/<domain>.log`` under ``folder`` (default ``out/<host>/libvirt``)."""
    import os

    base = folder or os.path.join(out, host, "libvirt")
    written = []
    daemon = lines.sorted_daemon(host)
    if daemon:
        os.makedirs(base, exist_ok=True)
        path = os.path.join(base, f"{daemon_name(release)}.log")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write("".join(line + "\n" for line in daemon))
        written.append(path)
    for (owner, domain) in sorted(lines.domain):
        if owner != host:
            continue
        os.makedirs(os.path.join(base, "qemu"), exist_ok=True)
        path = os.path.join(base, "qemu", f"{domain}.log")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write("".join(line + "\n" for line in lines.sorted_domain(host, domain)))
        written.append(path)
    return written
