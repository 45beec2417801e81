"""Who holds the apply lock, and whether that process provably still runs.

A lock row names its holder: the user, the host name and the pid (for people), and two
identities for machines. `host_id` says where a pid means the same process: the
kernel's boot id and the pid namespace (Linux, from /proc), so that two containers
with one host name, or a host after a reboot, never read each other's pids. `process`
is the process's start time in clock ticks since boot, so that a pid reused by another
process does not pass for the holder. Without /proc (macOS, Windows) both are None
and only the lock's heartbeat tells whether its holder lives.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Holder:
    user: str
    host: str
    pid: int
    host_id: str | None = None
    process: str | None = None

    @classmethod
    def here(cls) -> Holder:
        """This process."""
        pid = os.getpid()
        return cls(_user(), socket.gethostname(), pid, host_id(), process_start(pid))

    def __str__(self) -> str:
        return f"{self.user}@{self.host} pid {self.pid}"

    @property
    def is_here(self) -> bool:
        """True when this host can tell whether the holder's process runs: same kernel boot
        and pid namespace."""
        return self.host_id is not None and self.host_id == host_id()

    def is_running(self) -> bool:
        """Whether the holder's process still runs; only meaningful when `is_here`.

        A pid that no longer exists, or that now belongs to a process started at another
        time, is not the holder. A pid that exists but whose start time cannot be read
        (another user's process under hidepid) counts as running: never guess dead."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # it exists, and belongs to another user
        started = process_start(self.pid)
        return self.process is None or started is None or started == self.process


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container's arbitrary user)
        return f"uid {os.getuid()}"


@functools.cache
def host_id() -> str | None:
    """The kernel boot and pid namespace this process runs in, or None without /proc."""
    try:
        boot = (PROC / "sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink(PROC / "self/ns/pid")
    except OSError:
        return None
    return hashlib.sha256(f"{boot} {namespace}".encode()).hexdigest()[:32]


def process_start(pid: int) -> str | None:
    """The start time of process `pid` in clock ticks since boot, or None when unknown."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None
