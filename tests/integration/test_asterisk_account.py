"""The sandbox Asterisk runs as its own unprivileged account, not as root.

The review found the dialplan editor one ``System()`` away from root on the
host: Asterisk ran as root in a chroot with the host's /proc mounted.  Now
it runs as the chroot's ``asterisk`` account, renumbered to an id that no
host account or group has, with no capabilities and no_new_privs, and
inside the chroot /proc shows it only its own processes.  What it must
read (configuration Hotline renders) it reads through its group; what it
writes (spool, astdb, logs) is its own.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
from pathlib import Path

import pytest

from hotline.asterisk_account import asterisk_account

pytestmark = [pytest.mark.asterisk, pytest.mark.security]


def _sandbox_asterisk_pid(root: str) -> int:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "asterisk" and os.readlink(
                entry / "root"
            ) == root:
                return int(entry.name)
        except OSError:
            continue
    raise AssertionError(f"no Asterisk runs in {root}")


def _status(pid: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def test_given_sandbox_when_asterisk_runs_then_as_own_account_without_privileges(
    hotline_env: dict[str, str],
) -> None:
    root = hotline_env["HOTLINE_ASTERISK_ROOT"]
    account = asterisk_account(root)
    assert account is not None
    assert account.uid != 0 and account.gid != 0
    # No host account shares the id: signals, /proc/<pid>/root and files of
    # that account would otherwise be Asterisk's too.
    with pytest.raises(KeyError):
        pwd.getpwuid(account.uid)
    with pytest.raises(KeyError):
        grp.getgrgid(account.gid)

    status = _status(_sandbox_asterisk_pid(root))
    assert status["Uid"].split() == [str(account.uid)] * 4
    assert status["Gid"].split() == [str(account.gid)] * 4
    assert status["Groups"] == ""
    for capabilities in ("CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[capabilities], 16) == 0, (capabilities, status[capabilities])
    assert status["NoNewPrivs"] == "1"


def test_given_sandbox_when_asterisk_account_lists_proc_then_it_sees_no_root_process(
    hotline_env: dict[str, str],
) -> None:
    root = hotline_env["HOTLINE_ASTERISK_ROOT"]
    account = asterisk_account(root)
    assert account is not None
    listed = subprocess.run(
        ["chroot", f"--userspec={account.uid}:{account.gid}", root, "ls", "/proc"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout.split()
    pids = [int(name) for name in listed if name.isdigit()]
    assert _sandbox_asterisk_pid(root) in pids, "the account sees its own processes"
    for pid in pids:
        try:
            owner = Path(f"/proc/{pid}").stat().st_uid
        except FileNotFoundError:
            continue  # ls itself, gone by now
        assert owner == account.uid, pid
    # Not even the chroot's view of host init.
    assert 1 not in pids


def test_given_sandbox_when_hotline_rendered_config_then_asterisk_reads_it_by_group_only(
    hotline_env: dict[str, str],
) -> None:
    root = hotline_env["HOTLINE_ASTERISK_ROOT"]
    account = asterisk_account(root)
    assert account is not None
    for name in ("ari.conf", "manager.conf", "pjsip.conf", "extensions.conf"):
        info = (Path(root) / "etc/asterisk" / name).stat()
        assert info.st_gid == account.gid, name
        assert stat.S_IMODE(info.st_mode) == 0o640, (name, oct(info.st_mode))
    for writable in ("var/lib/asterisk", "var/spool/asterisk", "var/log/asterisk"):
        assert (Path(root) / writable).stat().st_uid == account.uid, writable
