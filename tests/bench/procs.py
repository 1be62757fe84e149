"""Processes the bench watches or drives: CPU from /proc, the Asterisk CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from hotline.asterisk_config import asterisk_rx_args
from hotline.settings import Settings

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float | None:
    """utime + stime of a whole process (all its threads), or None when gone."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name may contain spaces; the fields after it may not.
    fields = stat.rpartition(")")[2].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _CLOCK_TICKS


def asterisk_pid(settings: Settings) -> int | None:
    """The Asterisk process: inside the sandbox chroot, or the system one."""
    wanted_root = settings.asterisk_root or "/"
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "asterisk":
                continue
            root = os.readlink(entry / "root")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if root == wanted_root:
            return int(entry.name)
    return None


def asterisk_cli(settings: Settings, command: str) -> str:
    args = asterisk_rx_args(settings, command)
    result = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    return result.stdout
