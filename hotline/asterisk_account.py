"""The unprivileged account Asterisk runs as, and files shared with it.

Asterisk never runs as root (``asterisk -U asterisk -G asterisk``; see
``asterisk/sandbox.sh``).  Hotline itself runs as root or as its own user and
hands Asterisk three kinds of files:

- files Asterisk reads (rendered configuration, the custom dialplan,
  voicemail greetings and messages): owner Hotline, group asterisk, 0640 —
  readable by Asterisk and by no one else on the box;
- directories Asterisk reads: the same group, 0750;
- directories Asterisk writes into (received faxes): owned by asterisk, 0750.

For the sandbox the account is the chroot's ``asterisk`` entry (its uid is
chosen by ``sandbox.sh`` so that it is no account of the host); for a system
Asterisk it is the host's ``asterisk`` user.  With no such account, or when
Hotline is not root (it cannot give files away), the modes are still set and
ownership is left as it is.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

ACCOUNT_NAME = "asterisk"


@dataclass(frozen=True)
class AsteriskAccount:
    uid: int
    gid: int


def _from_passwd_file(passwd: Path) -> AsteriskAccount | None:
    try:
        lines = passwd.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split(":")
        if len(fields) >= 4 and fields[0] == ACCOUNT_NAME:
            try:
                return AsteriskAccount(int(fields[2]), int(fields[3]))
            except ValueError:
                return None
    return None


@functools.lru_cache(maxsize=8)
def _cached(root: str, passwd_mtime_ns: int) -> AsteriskAccount | None:
    if root:
        return _from_passwd_file(Path(root) / "etc/passwd")
    try:
        entry = pwd.getpwnam(ACCOUNT_NAME)
    except KeyError:
        return None
    return AsteriskAccount(entry.pw_uid, entry.pw_gid)


def asterisk_account(asterisk_root: str) -> AsteriskAccount | None:
    """The account for the Asterisk whose tree is at ``asterisk_root`` ("" = system)."""
    passwd = Path(asterisk_root or "/") / "etc/passwd"
    try:
        # sandbox.sh may renumber the account between starts; the mtime keys
        # the cache so a renumbered account is read again.
        mtime = passwd.stat().st_mtime_ns
    except OSError:
        mtime = 0
    return _cached(asterisk_root, mtime)


def _give(path: Path, uid: int, gid: int) -> None:
    if os.geteuid() != 0:
        return
    # Not root-owned links: never follow one out of the tree.
    with contextlib.suppress(FileNotFoundError):
        os.chown(path, uid, gid, follow_symlinks=False)


def share_file(path: Path, asterisk_root: str) -> None:
    """``path`` readable by Asterisk (group) and by no one else: 0640."""
    path.chmod(0o640)
    account = asterisk_account(asterisk_root)
    if account is not None:
        _give(path, -1, account.gid)


def shared_dir(path: Path, asterisk_root: str) -> Path:
    """Create ``path`` (and parents) as a directory Asterisk may read: 0750, group asterisk."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o750)
    account = asterisk_account(asterisk_root)
    if account is not None:
        _give(path, -1, account.gid)
    return path


def asterisk_writable_dir(path: Path, asterisk_root: str) -> Path:
    """Create ``path`` (and parents) as a directory Asterisk writes into: its own, 0750."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o750)
    account = asterisk_account(asterisk_root)
    if account is not None:
        _give(path, account.uid, account.gid)
    return path
