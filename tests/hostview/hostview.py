#!/usr/bin/env python3
"""The host-view suite, run inside the lab's L1 in the host's root (hostrun).

Debian's unmodified QEMU runs a guest (guest.S: real mode, no BIOS) on L1's
KVM with a QMP socket.  The guest does exactly COUNT port writes between two
CPUID reads of its port-I/O exit count; the suite reads the per-reason exit
statistics as an operator would, through KVM's binary stats (QMP
query-stats, HMP "info stats vcpu"), kvm_stat (debugfs mode: batch and log)
and debugfs, and checks they agree exactly with each other and with what the
guest read.  Result lines are TAP-like ("ok NAME", "not ok NAME - why").

With --expect-stock (Debian's stock KVM modules) every check must fail:
stock KVM has no such stats; a check that passes there proves nothing and
is reported as "not ok".
"""
import argparse
import json
import mmap
import os
import re
import select
import socket
import struct
import subprocess
import sys
import time

COUNT = 1000
GUEST_NAME = "hostview"
RAM_BYTES = 16 << 20
MAILBOX = 0x1000
STATE, GO, REASON, COUNT_OFF, BEFORE, AFTER = (MAILBOX + 4 * i for i in range(6))
# The exit reason of port I/O per vendor: the stat's name (the reason's name
# in our table, lower case) and its row name in the exit_stats debugfs file,
# whose number column gives the reason number the guest passes to CPUID.
PORT_IO = {"svm": "IOIO", "vmx": "IO_INSTRUCTION"}
DEBUGFS_KVM = "/sys/kernel/debug/kvm"
WAIT_S = 60


class CheckFailed(Exception):
    pass


def wait_for(what, predicate, timeout=WAIT_S):
    """Polls @predicate until it returns a true value; fails after @timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Qmp:
    """A minimal QMP client: one command at a time, events skipped."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.file = self.sock.makefile("rw")
        json.loads(self.file.readline())  # greeting
        self.execute("qmp_capabilities")

    def execute(self, command, **arguments):
        request = {"execute": command}
        if arguments:
            request["arguments"] = arguments
        self.file.write(json.dumps(request) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise CheckFailed(f"QMP {command}: {reply['error']}")

    def vcpu_stats(self):
        """The kvm provider's stats of the (only) vCPU, name -> value."""
        result = self.execute("query-stats", target="vcpu")
        kvm = [r for r in result if r.get("provider") == "kvm"]
        if len(kvm) != 1:
            raise CheckFailed(f"query-stats: want one vCPU's kvm stats, got {len(kvm)}")
        return {s["name"]: s["value"] for s in kvm[0]["stats"]}


class Mailbox:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR)
        self.map = mmap.mmap(self.fd, RAM_BYTES, mmap.MAP_SHARED)

    def read(self, offset):
        return struct.unpack_from("<I", self.map, offset)[0]

    def write(self, offset, value):
        struct.pack_into("<I", self.map, offset, value)


class Suite:
    def __init__(self, expect_stock, tag):
        self.expect_stock = expect_stock
        self.tag = tag
        self.failed = 0

    def check(self, name, func, setup=False):
        """Runs one check: func() returns None (pass) or raises CheckFailed.
        A @setup check (the guest runs at all) must pass with any modules."""
        name = self.tag + name
        try:
            func()
            error = None
        except CheckFailed as e:
            error = str(e)
        except Exception as e:  # a crash of the check is a failure with its cause
            error = f"{type(e).__name__}: {e}"
        if self.expect_stock and not setup:
            if error is None:
                print(f"not ok {name} - passed against stock KVM, which has no such stats")
                self.failed += 1
            else:
                print(f"ok {name} # fails against stock KVM as it must: {error}")
        elif error is None:
            print(f"ok {name}")
        else:
            print(f"not ok {name} - {error}")
            self.failed += 1
        sys.stdout.flush()


def equal(what, got, want):
    if got != want:
        raise CheckFailed(f"{what}: got {got}, want {want}")


def vendor():
    with open("/proc/cpuinfo") as f:
        flags = next(line for line in f if line.startswith("flags")).split()
    return "svm" if "svm" in flags else "vmx"


def vm_debugfs_dir(pid):
    dirs = [d for d in os.listdir(DEBUGFS_KVM) if d.startswith(f"{pid}-")]
    if len(dirs) != 1:
        raise CheckFailed(f"want one debugfs directory {DEBUGFS_KVM}/{pid}-*, got {dirs}")
    return os.path.join(DEBUGFS_KVM, dirs[0])


def exit_stats_rows(vm_dir):
    """The exit_stats debugfs file as {name: (reason, count)}."""
    path = os.path.join(vm_dir, "exit_stats")
    if not os.path.exists(path):
        raise CheckFailed(f"no {path}")
    rows = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if line.startswith("#") or len(fields) < 3:
                continue
            reason = None if fields[0] == "-" else int(fields[0])
            rows[fields[1]] = (reason, int(fields[2]))
    return rows


class KvmStatLog:
    """kvm_stat in log mode (-l) on one field, its lines read as they come."""

    def __init__(self, kvm_stat, field):
        self.proc = subprocess.Popen(
            [sys.executable, "-u", kvm_stat, "-d", "-g", GUEST_NAME, "-l", "-s", "1",
             "-f", f"^{field}$"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []

    def readline(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        if line:
            self.lines.append(line.rstrip("\n"))
        return line

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expect-stock", action="store_true")
    parser.add_argument("--tag", default="hostview-")
    parser.add_argument("--kvm-stat", required=True, help="path of kvm_stat")
    parser.add_argument("--guest", required=True, help="path of the guest image")
    parser.add_argument("--work", default="/tmp/hostview")
    parser.add_argument("--save", help="directory for the tools' output (for the README)")
    args = parser.parse_args()
    suite = Suite(args.expect_stock, args.tag)

    def save(name, text):
        if args.save:
            with open(os.path.join(args.save, name), "w") as f:
                f.write(text)

    os.makedirs(args.work, exist_ok=True)
    ram = os.path.join(args.work, "ram")
    qmp_path = os.path.join(args.work, "qmp.sock")
    for path in (ram, qmp_path):
        if os.path.exists(path):
            os.unlink(path)
    with open(ram, "wb") as f:
        f.truncate(RAM_BYTES)
    mailbox = Mailbox(ram)

    cpu_vendor = vendor()
    io_name = PORT_IO[cpu_vendor]
    io_stat = "exits_" + io_name.lower()
    print(f"# vendor {cpu_vendor}, port-I/O reason {io_name}, stat {io_stat}, {COUNT} port writes")

    qemu = subprocess.Popen([
        "qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-smp", "1",
        "-m", f"{RAM_BYTES >> 20}M", "-name", GUEST_NAME,
        "-object", f"memory-backend-file,id=ram,size={RAM_BYTES},mem-path={ram},share=on",
        "-machine", "pc,memory-backend=ram", "-bios", args.guest,
        "-nodefaults", "-no-user-config", "-display", "none", "-serial", "none",
        "-qmp", f"unix:{qmp_path},server=on,wait=off"])
    state = {}
    try:
        def start():
            wait_for("QEMU's QMP socket", lambda: os.path.exists(qmp_path) or qemu.poll() is not None)
            if qemu.poll() is not None:
                raise CheckFailed(f"QEMU exited with status {qemu.returncode}")
            state["qmp"] = Qmp(qmp_path)
            wait_for("the guest to reach its mailbox", lambda: mailbox.read(STATE) == 1)
            state["debugfs"] = vm_debugfs_dir(qemu.pid)
        suite.check("qemu-guest-starts", start, setup=True)
        if "debugfs" not in state:
            return finish(suite, qemu)
        qmp, vm_dir = state["qmp"], state["debugfs"]

        # The reason number from the debugfs table (stock KVM has none: the
        # guest then asks for reason 0 and the checks below fail).
        rows0 = {}
        try:
            rows0 = exit_stats_rows(vm_dir)
        except CheckFailed:
            pass
        reason = rows0.get(io_name, (0, 0))[0]

        log = KvmStatLog(args.kvm_stat, io_stat)
        banner = log.readline(WAIT_S)
        before = qmp.vcpu_stats()
        mailbox.write(REASON, reason)
        mailbox.write(COUNT_OFF, COUNT)
        mailbox.write(GO, 1)
        suite.check("guest-done", lambda: wait_for("the guest's port writes", lambda: mailbox.read(STATE) == 2),
                    setup=True)
        after = qmp.vcpu_stats()
        guest_before, guest_after = mailbox.read(BEFORE), mailbox.read(AFTER)
        print(f"# query-stats {io_stat}: {before.get(io_stat)} -> {after.get(io_stat)}; "
              f"guest CPUID: {guest_before} -> {guest_after}")

        def names():
            for name in (io_stat, "exit_cycles_" + io_name.lower(),
                         "l2_exits_" + io_name.lower(), "l2_exit_cycles_" + io_name.lower(),
                         "exits_cpuid", "exits_other"):
                if name not in after:
                    raise CheckFailed(f"query-stats has no {name}")
        suite.check("query-stats-names", names)
        suite.check("query-stats-port-io-grew-by-count",
                    lambda: equal(f"{io_stat} growth", after.get(io_stat, 0) - before.get(io_stat, 0), COUNT))
        suite.check("query-stats-cpuid-grew-by-2",
                    lambda: equal("exits_cpuid growth",
                                  after.get("exits_cpuid", 0) - before.get("exits_cpuid", 0), 2))

        def cycles():
            grew = after.get("exit_cycles_" + io_name.lower(), 0) - before.get("exit_cycles_" + io_name.lower(), 0)
            if grew <= 0:
                raise CheckFailed(f"exit_cycles_{io_name.lower()} grew by {grew}")
            schema = qmp.execute("query-stats-schemas", provider="kvm")
            units = {s["name"]: s.get("unit") for group in schema if group["target"] == "vcpu"
                     for s in group["stats"]}
            equal("unit of exit_cycles_" + io_name.lower(), units.get("exit_cycles_" + io_name.lower()), "cycles")
            equal(f"unit of {io_stat}", units.get(io_stat), None)
        suite.check("query-stats-cycles", cycles)
        suite.check("guest-cpuid-grew-by-count",
                    lambda: equal("guest's CPUID growth", guest_after - guest_before, COUNT))
        suite.check("guest-cpuid-equals-query-stats",
                    lambda: equal("guest's CPUID vs query-stats", guest_after, after.get(io_stat)))

        def sum_is_total():
            counts = {k: v for k, v in after.items()
                      if k.startswith("exits_") or k.startswith("l2_exits_")}
            largest = sorted(counts.items(), key=lambda kv: -kv[1])[:4]
            equal(f"sum of exits_* and l2_exits_* (largest: {largest}) vs KVM's exits",
                  sum(counts.values()), after.get("exits"))
        suite.check("query-stats-reasons-sum-to-exits", sum_is_total)

        def debugfs():
            rows = exit_stats_rows(vm_dir)
            equal(f"exit_stats row {io_name}", rows.get(io_name, (None, None))[1], after.get(io_stat))
            with open(os.path.join(vm_dir, io_stat)) as f:
                equal(f"debugfs file {io_stat}", int(f.read()), after.get(io_stat))
        suite.check("debugfs-agrees", debugfs)

        def hmp():
            text = qmp.execute("human-monitor-command", **{"command-line": "info stats vcpu"})
            save("info-stats-vcpu.txt", text)
            match = re.search(rf"\b{io_stat}\b[^:\n]*:\s*(\d+)", text)
            if not match:
                raise CheckFailed(f"info stats vcpu has no {io_stat} line")
            equal(f"info stats vcpu {io_stat}", int(match.group(1)), after.get(io_stat))
        suite.check("hmp-info-stats", hmp)

        def kvm_stat_batch():
            out = subprocess.run(
                [sys.executable, args.kvm_stat, "-d", "-i", "-1", "-g", GUEST_NAME,
                 "-f", f"^({io_stat}|exits_cpuid)$"],
                capture_output=True, text=True, timeout=WAIT_S)
            save("kvm_stat-batch.txt", out.stdout + out.stderr)
            values = {}
            for line in out.stdout.splitlines():
                fields = line.split()
                if len(fields) == 3:
                    values[fields[0]] = int(fields[1])
            if io_stat not in values:
                raise CheckFailed(f"kvm_stat -1 printed no {io_stat}: {out.stdout!r} {out.stderr!r}")
            equal(f"kvm_stat {io_stat}", values[io_stat], after.get(io_stat))
            equal("kvm_stat exits_cpuid", values.get("exits_cpuid"), after.get("exits_cpuid"))
        suite.check("kvm-stat-batch", kvm_stat_batch)

        def kvm_stat_log():
            if banner is None or banner.split() != [io_stat]:
                raise CheckFailed(f"kvm_stat -l banner: {banner!r}")
            total = 0
            deadline = time.monotonic() + WAIT_S
            while total < COUNT and time.monotonic() < deadline:
                line = log.readline(deadline - time.monotonic())
                if not line:
                    break
                match = re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +(\d+)", line.rstrip("\n"))
                if not match:
                    raise CheckFailed(f"kvm_stat -l line does not parse: {line!r}")
                total += int(match.group(1))
            equal(f"sum of kvm_stat -l {io_stat} deltas", total, COUNT)
        suite.check("kvm-stat-log", kvm_stat_log)
        log.stop()
        save("kvm_stat-log.txt", "\n".join(log.lines) + "\n")
        save("exit_stats.txt", open(os.path.join(vm_dir, "exit_stats")).read()
             if os.path.exists(os.path.join(vm_dir, "exit_stats")) else "")
        print("# kvm_stat -l output:")
        for line in log.lines[:6]:
            print(f"#   {line}")
    finally:
        qemu.kill()
        qemu.wait()
    return finish(suite, qemu)


def finish(suite, qemu):
    if qemu.poll() is None:
        qemu.kill()
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
