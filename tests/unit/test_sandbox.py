"""The confinement every converter (gs, ffmpeg, ffprobe, tiff2pdf) runs in.

Each test spawns the real runner with a tiny Python program in place of the
converter and checks, from inside the child, who it runs as, what it may
use and what it can see.  The tests run as root (the sandbox is the point
then); as another user, the child stays that user and the rest still holds.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
from pathlib import Path

import pytest

from hotline import sandbox
from hotline.sandbox import MIB, Limits

LIMITS = Limits(cpu_s=7, address_space_bytes=300 * MIB, file_size_bytes=3 * MIB, open_files=21)
EXPECTED_LIMITS = {  # (soft, hard) as the child reads them
    "RLIMIT_CPU": [7, 7],
    "RLIMIT_AS": [300 * MIB, 300 * MIB],
    "RLIMIT_FSIZE": [3 * MIB, 3 * MIB],
    "RLIMIT_NOFILE": [21, 21],
    "RLIMIT_CORE": [0, 0],
}
AS_ROOT = os.geteuid() == 0
# A Python for the child that nobody may run: Debian's.  (The venv's may live
# under /root, mode 0700, which is also why Hotline's own Python children keep
# Hotline's user and only the C converters drop to nobody.)
PYTHON = "/usr/bin/python3"
pytestmark = pytest.mark.skipif(not Path(PYTHON).exists(), reason="needs Debian's python3")

PROBE = """
import json, os, resource, sys
limits = {name: resource.getrlimit(getattr(resource, name))
          for name in ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE")}
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
tmp = os.environ.get("TMPDIR", "")
print(json.dumps({
    "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
    "cwd": os.getcwd(), "env": dict(os.environ), "limits": limits,
    "tmp_owner": os.stat(tmp).st_uid if tmp else None,
    "tmp_mode": oct(os.stat(tmp).st_mode & 0o777) if tmp else None,
    "no_new_privs": status["NoNewPrivs"].strip(), "cap_eff": status["CapEff"].strip(),
    "cap_bnd": status["CapBnd"].strip(),
}))
"""


def probe(work: Path, *, drop_privileges: bool = True) -> dict[str, object]:
    done = sandbox.run_sync(
        [PYTHON, "-I", "-c", PROBE],
        limits=LIMITS,
        workdir=work,
        timeout_s=20,
        drop_privileges=drop_privileges,
    )
    assert done.returncode == 0, done.stderr.decode()
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.security
@pytest.mark.skipif(not AS_ROOT, reason="dropping privileges needs root")
def test_given_root_when_a_converter_runs_then_it_is_nobody_without_groups_or_capabilities() -> (
    None
):
    with sandbox.private_dir("hotline-test-") as work:
        seen = probe(work)
    assert seen["uid"] == seen["euid"] == 65534  # nobody, not root
    assert seen["gid"] == 65534 and seen["groups"] == []
    assert seen["no_new_privs"] == "1"
    assert int(str(seen["cap_eff"]), 16) == 0 and int(str(seen["cap_bnd"]), 16) == 0


@pytest.mark.security
def test_given_a_converter_then_its_tmpdir_home_and_cwd_are_a_private_dir_of_its_own() -> None:
    with sandbox.private_dir("hotline-test-") as work:
        seen = probe(work)
        env = seen["env"]
        assert isinstance(env, dict)
        assert env["TMPDIR"] == env["HOME"] == seen["cwd"] == str(work)
        assert seen["tmp_mode"] == "0o700"
        assert seen["tmp_owner"] == (65534 if AS_ROOT else os.geteuid())
        assert str(work) != "/tmp" and work.parent == Path(tempfile.gettempdir())
    assert not work.exists()  # removed afterwards


@pytest.mark.security
def test_given_secrets_in_hotlines_environment_then_the_converter_sees_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOTLINE_ADMIN_PASSWORD", "s3cret")
    with sandbox.private_dir("hotline-test-") as work:
        env = probe(work)["env"]
    assert isinstance(env, dict)
    assert set(env) <= {"PATH", "TMPDIR", "HOME", "LC_ALL", "LC_CTYPE"}
    assert "s3cret" not in json.dumps(env)


@pytest.mark.security
def test_given_limits_then_the_converter_runs_under_them_soft_and_hard() -> None:
    with sandbox.private_dir("hotline-test-") as work:
        assert probe(work)["limits"] == EXPECTED_LIMITS


@pytest.mark.security
@pytest.mark.skipif(not AS_ROOT, reason="needs a root-only file")
def test_given_a_root_only_file_then_the_converter_can_neither_read_it_nor_write_beside_it(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "secret"
    secret.write_text("root only")
    secret.chmod(0o600)
    tmp_path.chmod(0o755)
    program = (
        "import sys\n"
        f"try: open({str(secret)!r}).read(); print('read')\n"
        "except PermissionError: print('denied')\n"
        f"try: open({str(tmp_path / 'dropped')!r}, 'w').write('x'); print('wrote')\n"
        "except PermissionError: print('denied')\n"
    )
    with sandbox.private_dir("hotline-test-") as work:
        done = sandbox.run_sync(
            [PYTHON, "-I", "-c", program], limits=LIMITS, workdir=work, timeout_s=20
        )
    assert done.stdout.split() == [b"denied", b"denied"], done.stderr
    assert not (tmp_path / "dropped").exists()


@pytest.mark.security
def test_given_a_converter_that_writes_past_its_file_size_limit_then_it_is_stopped() -> None:
    program = "open('big', 'wb').write(bytes(4 * 1024 * 1024))"
    with sandbox.private_dir("hotline-test-") as work:
        done = sandbox.run_sync(
            [PYTHON, "-I", "-c", program], limits=LIMITS, workdir=work, timeout_s=20
        )
        assert done.returncode != 0
        assert (work / "big").stat().st_size <= 3 * MIB


@pytest.mark.security
def test_given_a_converter_that_allocates_past_its_address_space_then_it_fails() -> None:
    program = "b = bytearray(600 * 1024 * 1024)"
    with sandbox.private_dir("hotline-test-") as work:
        done = sandbox.run_sync(
            [PYTHON, "-I", "-c", program], limits=LIMITS, workdir=work, timeout_s=20
        )
    assert done.returncode != 0 and b"MemoryError" in done.stderr


@pytest.mark.security
async def test_given_a_converter_that_hangs_then_it_is_killed_at_the_timeout() -> None:
    program = "import time; print(flush=True); time.sleep(60)"
    with sandbox.private_dir("hotline-test-") as work:
        with pytest.raises(TimeoutError):
            await sandbox.run(
                [PYTHON, "-I", "-c", program], limits=LIMITS, workdir=work, timeout_s=0.5
            )
        with pytest.raises(TimeoutError):
            sandbox.run_sync(
                [PYTHON, "-I", "-c", program], limits=LIMITS, workdir=work, timeout_s=0.5
            )


async def test_given_async_and_blocking_runs_then_both_pass_stdin_and_exit_status() -> None:
    program = "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read()[::-1]); sys.exit(3)"
    with sandbox.private_dir("hotline-test-") as work:
        done = await sandbox.run(
            [PYTHON, "-I", "-c", program], limits=LIMITS, workdir=work, timeout_s=20, stdin=b"abc"
        )
        assert (done.returncode, done.stdout) == (3, b"cba")
        done = sandbox.run_sync(
            [PYTHON, "-I", "-c", program], limits=LIMITS, workdir=work, timeout_s=20, stdin=b"xy"
        )
        assert (done.returncode, done.stdout) == (3, b"yx")


def test_given_no_privilege_drop_asked_then_the_run_keeps_our_user() -> None:
    with sandbox.private_dir("hotline-test-", drop_privileges=False) as work:
        seen = probe(work, drop_privileges=False)
    assert seen["uid"] == os.geteuid()
    assert seen["limits"] == EXPECTED_LIMITS


def test_given_the_wrapped_command_then_prlimit_and_setpriv_come_before_the_program() -> None:
    argv = sandbox.command(["gs", "-q"], LIMITS)
    assert Path(argv[0]).name == "prlimit" and argv[-2:] == ["gs", "-q"]
    assert "--no-new-privs" in argv and "--pdeathsig=KILL" in argv
    assert ("--reuid=65534" in argv) is AS_ROOT


def test_given_our_own_hard_limit_is_lower_then_the_converter_gets_ours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A converter started from a confined worker: raising a hard limit needs
    # CAP_SYS_RESOURCE, which containers drop, so prlimit would fail.
    real = resource.getrlimit

    def lower_cpu(which: int) -> tuple[int, int]:
        return (5, 5) if which == resource.RLIMIT_CPU else real(which)

    monkeypatch.setattr(resource, "getrlimit", lower_cpu)
    argv = sandbox.command(["gs"], LIMITS)
    assert "--cpu=5" in argv and f"--as={LIMITS.address_space_bytes}" in argv
