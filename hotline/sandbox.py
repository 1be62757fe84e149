"""Run a converter on untrusted input as an unprivileged user, inside limits.

Why: uploaded PDFs and audio, and received faxes, are parsed by Ghostscript,
ffmpeg and libtiff, large C programs with a long history of exploitable
bugs.  A security review made a PostScript file that passed for a PDF write a
file to /tmp as root and read a root-only file into the fax page callers
receive, all under ``gs -dSAFER`` (SAFER lets gs use ``$TMPDIR``, which was
the shared /tmp).  So every such program now runs:

- as ``nobody:nogroup`` when Hotline runs as root (util-linux ``setpriv``:
  no supplementary groups, an empty capability bounding set, no new
  privileges, and SIGKILL if Hotline dies first); as Hotline's own user
  otherwise, which is then already unprivileged;
- in a private directory (``mkdtemp``, mode 0700, owned by that user) that
  is its working directory, ``$TMPDIR`` and ``$HOME`` and holds its input
  and output, with an environment of only those and ``PATH``;
- under rlimits set by util-linux ``prlimit`` before it starts: CPU
  seconds, address space, largest file it may write, open files, and no
  core dumps; and under a wall-clock timeout, after which it is killed.

Both tools are in util-linux, which every Debian 12 has (it is Essential).
They are wrappers that ``exec`` the program, so the pid we hold is the
program's own and a timeout kills the program itself.  ``preexec_fn`` would
have done the same without them, but Python warns it may deadlock in a
process with threads, and Hotline has them (SQLite, ``to_thread``).

Hotline's own Python children (the pypdf check of a fax upload, the audio
pipeline around ffmpeg) use the same runner with ``drop_privileges=False``:
limits and a timeout, but Hotline's user, since the venv's interpreter may
live where nobody cannot read it (under /root, mode 0700, here) and
pure-Python parsing needs bounding rather than another user.

What this does not do: hide world-readable files from the program (it runs
as ``nobody``, not in a mount namespace), so nothing secret under Hotline's
tree should be world-readable.  Ghostscript's ``-dSAFER`` still confines it
to its input, its output and its own resources.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import pwd
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

UNPRIVILEGED_USER: Final = "nobody"
UNPRIVILEGED_GROUP: Final = "nogroup"
SYSTEM_PATH: Final = "/usr/local/bin:/usr/bin:/bin"
_TOOL_PATH: Final = "/usr/bin:/bin:/usr/sbin:/sbin"
MIB: Final = 1024 * 1024


class SandboxUnavailable(RuntimeError):
    """prlimit/setpriv or the unprivileged user is missing: we refuse to run unconfined."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one run may use; each becomes both the soft and the hard rlimit."""

    cpu_s: int
    address_space_bytes: int
    file_size_bytes: int
    open_files: int = 64


@dataclass(frozen=True, slots=True)
class Completed:
    returncode: int
    stdout: bytes
    stderr: bytes

    def first_error_lines(self, count: int = 3) -> str:
        lines = self.stderr.decode("utf-8", "replace").strip().splitlines()
        return " / ".join(lines[-count:])


@dataclass(frozen=True, slots=True)
class RunAs:
    """The ids a sandboxed program gets; None means "stay who we are"."""

    uid: int | None
    gid: int | None


def run_as(*, drop_privileges: bool = True) -> RunAs:
    """``nobody:nogroup`` when we are root and asked to drop; else ourselves."""
    if not drop_privileges or os.geteuid() != 0:
        return RunAs(None, None)
    try:
        uid = pwd.getpwnam(UNPRIVILEGED_USER).pw_uid
        gid = grp.getgrnam(UNPRIVILEGED_GROUP).gr_gid
    except KeyError as exc:
        raise SandboxUnavailable(
            f"no {UNPRIVILEGED_USER}/{UNPRIVILEGED_GROUP} on this system"
        ) from exc
    return RunAs(uid, gid)


def _tool(name: str) -> str:
    path = shutil.which(name, path=_TOOL_PATH)
    if path is None:
        raise SandboxUnavailable(f"{name} (util-linux) is not installed")
    return path


def _within_ours(value: int, which: int) -> int:
    # Never above our own hard limit: raising one needs CAP_SYS_RESOURCE,
    # which containers often drop (this one does), and a converter started
    # from a confined worker inherits the worker's limits.
    hard = resource.getrlimit(which)[1]
    return value if hard == resource.RLIM_INFINITY else min(value, hard)


def command(argv: Sequence[str], limits: Limits, *, drop_privileges: bool = True) -> list[str]:
    """``argv`` wrapped in prlimit and setpriv (pure but for looking up the tools)."""
    who = run_as(drop_privileges=drop_privileges)
    wrapped = [
        _tool("prlimit"),
        f"--cpu={_within_ours(limits.cpu_s, resource.RLIMIT_CPU)}",
        f"--as={_within_ours(limits.address_space_bytes, resource.RLIMIT_AS)}",
        f"--fsize={_within_ours(limits.file_size_bytes, resource.RLIMIT_FSIZE)}",
        f"--nofile={_within_ours(limits.open_files, resource.RLIMIT_NOFILE)}",
        "--core=0",
        "--",
        _tool("setpriv"),
    ]
    if who.uid is not None:
        wrapped += [
            f"--reuid={who.uid}",
            f"--regid={who.gid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ]
    wrapped += ["--no-new-privs", "--pdeathsig=KILL", "--", *argv]
    return wrapped


def environment(workdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """All the environment a sandboxed program sees."""
    env = {
        "PATH": SYSTEM_PATH,
        "TMPDIR": str(workdir),
        "HOME": str(workdir),
        "LC_ALL": "C",
    }
    env.update(extra or {})
    return env


@contextlib.contextmanager
def private_dir(prefix: str, *, drop_privileges: bool = True) -> Iterator[Path]:
    """A fresh 0700 directory owned by the user programs will run as; removed after."""
    who = run_as(drop_privileges=drop_privileges)
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if who.uid is not None and who.gid is not None:
            os.chown(path, who.uid, who.gid)
        path.chmod(0o700)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def hand_over(path: Path, *, drop_privileges: bool = True) -> None:
    """Make a file we wrote into a private directory the sandboxed user's own."""
    who = run_as(drop_privileges=drop_privileges)
    if who.uid is not None and who.gid is not None:
        os.chown(path, who.uid, who.gid)
    path.chmod(0o600)


async def run(
    argv: Sequence[str],
    *,
    limits: Limits,
    workdir: Path,
    timeout_s: float,
    stdin: bytes | None = None,
    drop_privileges: bool = True,
    extra_env: dict[str, str] | None = None,
) -> Completed:
    """Run ``argv`` confined (see the module docstring); TimeoutError once killed."""
    process = await asyncio.create_subprocess_exec(
        *command(argv, limits, drop_privileges=drop_privileges),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=workdir,
        env=environment(workdir, extra_env),
        start_new_session=True,
    )
    try:
        async with asyncio.timeout(timeout_s):
            stdout, stderr = await process.communicate(stdin)
    except BaseException:
        # Timeout or cancellation: the program is ours to stop, never to leak.
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Completed(process.returncode, stdout, stderr)


def run_sync(
    argv: Sequence[str],
    *,
    limits: Limits,
    workdir: Path,
    timeout_s: float,
    stdin: bytes | None = None,
    drop_privileges: bool = True,
    extra_env: dict[str, str] | None = None,
) -> Completed:
    """``run`` for code that is already off the event loop; TimeoutError once killed."""
    try:
        completed = subprocess.run(
            command(argv, limits, drop_privileges=drop_privileges),
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            cwd=workdir,
            env=environment(workdir, extra_env),
            timeout=timeout_s,
            check=False,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired as exc:  # subprocess.run has killed it
        raise TimeoutError(f"{argv[0]} took longer than {timeout_s:g} s") from exc
    return Completed(completed.returncode, completed.stdout, completed.stderr)
