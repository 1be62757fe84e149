"""``asterisk/sandbox.sh reset``: a built chroot back to a newcomer's cold
state, and nothing to do (and no failure) before the first build.

Runs the real script against a stand-in cache directory; no Asterisk runs
there, so its "is Asterisk running" check finds none."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hotline.settings import REPO_ROOT
from tests.unit.conftest import SANDBOX_BUILT_MARK

SANDBOX_SH = REPO_ROOT / "asterisk" / "sandbox.sh"


def _reset(cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SANDBOX_SH), "reset"],
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOTLINE_ASTERISK_CACHE": str(cache)},
        capture_output=True,
        text=True,
        check=False,
    )


def _write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_given_no_chroot_at_all_then_reset_succeeds(tmp_path: Path) -> None:
    done = _reset(tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert not (tmp_path / "asterisk-sid").exists()


def test_given_only_files_hotline_wrote_before_the_first_build_then_reset_succeeds(
    tmp_path: Path,
) -> None:
    """Seen on a cold machine: prompts and fax documents written for
    Asterisk made the directory exist, reset looked for a spool and logs
    that only a built chroot has, failed, and every integration test
    errored at setup."""
    root = tmp_path / "asterisk-sid"
    prompt = _write(root / "usr/share/asterisk/sounds/en/hotline/kb-3.wav")
    document = _write(root / "var/spool/asterisk/fax/hotline/documents/1-abc.tif")
    done = _reset(tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    # Left for provision, which replaces the directory with the built chroot.
    assert prompt.exists() and document.exists()


def test_given_a_built_chroot_then_astdb_spool_logs_and_hotlines_includes_go(
    tmp_path: Path,
) -> None:
    root = tmp_path / "asterisk-sid"
    _write(root / SANDBOX_BUILT_MARK, "")
    astdb = _write(root / "var/lib/asterisk/astdb.sqlite3")
    astdb_wal = _write(root / "var/lib/asterisk/astdb.sqlite3-wal")
    message = _write(root / "var/spool/asterisk/voicemail/default/1001/INBOX/msg0000.wav")
    log = _write(root / "var/log/asterisk/messages.log")
    custom = _write(root / "etc/asterisk/hotline-custom.conf")
    trunks = _write(root / "etc/asterisk/hotline-trunks.conf")
    stock = _write(root / "etc/asterisk/asterisk.conf")
    done = _reset(tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    for gone in (astdb, astdb_wal, message, log, custom, trunks):
        assert not gone.exists(), gone
    assert stock.exists(), "the chroot's own configuration stays"
    spool = root / "var/spool/asterisk"
    assert sorted(p.name for p in spool.iterdir()) == [
        "dictate",
        "meetme",
        "monitor",
        "outgoing",
        "recording",
        "system",
        "tmp",
        "voicemail",
    ]
    assert not any((spool / "voicemail").iterdir())
    assert sorted(p.name for p in (root / "var/log/asterisk").iterdir()) == [
        "cdr-csv",
        "cdr-custom",
    ]
