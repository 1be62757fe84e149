"""Files Hotline hands to an unprivileged Asterisk: group-readable, never world-readable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hotline.asterisk_account import (
    AsteriskAccount,
    asterisk_account,
    asterisk_writable_dir,
    share_file,
    shared_dir,
)

pytestmark = pytest.mark.security

UID = 64321
GID = 64322


def _chroot(tmp_path: Path, uid: int = UID, gid: int = GID) -> str:
    etc = tmp_path / "root/etc"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\n"
        f"asterisk:x:{uid}:{gid}:Asterisk PBX daemon:/var/lib/asterisk:/usr/sbin/nologin\n"
    )
    return str(tmp_path / "root")


def test_given_chroot_passwd_when_read_then_its_asterisk_account(tmp_path: Path) -> None:
    assert asterisk_account(_chroot(tmp_path)) == AsteriskAccount(UID, GID)


def test_given_chroot_without_account_when_read_then_none(tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    assert asterisk_account(str(tmp_path)) is None
    assert asterisk_account(str(tmp_path / "missing")) is None


def test_given_renumbered_account_when_read_again_then_new_ids(tmp_path: Path) -> None:
    root = _chroot(tmp_path)
    assert asterisk_account(root) == AsteriskAccount(UID, GID)
    passwd = Path(root) / "etc/passwd"
    before = passwd.stat().st_mtime_ns
    _chroot(tmp_path, uid=64400, gid=64400)
    os.utime(passwd, ns=(before + 1_000_000, before + 1_000_000))
    assert asterisk_account(root) == AsteriskAccount(64400, 64400)


def test_given_file_when_shared_then_0640_and_asterisk_group(tmp_path: Path) -> None:
    root = _chroot(tmp_path)
    target = tmp_path / "ari.conf"
    target.write_text("secret")
    target.chmod(0o644)
    share_file(target, root)
    info = target.stat()
    assert stat.S_IMODE(info.st_mode) == 0o640
    if os.geteuid() == 0:
        assert info.st_gid == GID
        assert info.st_uid == 0


def test_given_dirs_when_made_then_read_only_or_owned_by_asterisk(tmp_path: Path) -> None:
    root = _chroot(tmp_path)
    readable = shared_dir(tmp_path / "store/box-1", root)
    writable = asterisk_writable_dir(tmp_path / "fax/received", root)
    assert stat.S_IMODE(readable.stat().st_mode) == 0o750
    assert stat.S_IMODE(writable.stat().st_mode) == 0o750
    if os.geteuid() == 0:
        assert (readable.stat().st_uid, readable.stat().st_gid) == (0, GID)
        assert (writable.stat().st_uid, writable.stat().st_gid) == (UID, GID)
