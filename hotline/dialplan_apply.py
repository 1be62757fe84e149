"""Apply a custom dialplan or trunk document to Asterisk, and roll back on failure.

Steps: check, write the file atomically, reload, verify that what the text
declares is live, and on any failure put the previous file back and reload
again.  All Asterisk I/O goes through ``AsteriskCli`` so the unit tests use a
stand-in and the integration test the real sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from hotline.asterisk_account import share_file
from hotline.asterisk_config import asterisk_rx_args
from hotline.dialplan_check import (
    DEFAULT_STASIS_APP,
    CheckResult,
    check_dialplan,
    check_trunks,
)
from hotline.settings import Settings

ApplyStatus = Literal["applied", "rolled_back", "rejected"]
CLI_TIMEOUT_S = 20.0
# Output that means the CLI command itself did not work, whatever the exit code.
_CLI_FAILURES = (
    "unable to connect to remote asterisk",
    "no such command",
    "failed to load",
    "not properly initialized",
    "command '",  # "Command 'x' failed." / "... not found"
)


@dataclass(frozen=True)
class CliResult:
    ok: bool
    output: str


class AsteriskCli(Protocol):
    async def run(self, command: str) -> CliResult: ...


@dataclass(frozen=True)
class DocumentKind:
    """One editable document: where it goes and how Asterisk picks it up."""

    name: str
    filename: str
    parent_filename: str  # Hotline's file that #tryincludes it
    reload_command: str
    check: Callable[[str, str], CheckResult]  # (text, Hotline's ARI app name)
    verify_command: Callable[[str], str]
    is_live: Callable[[str, str], bool]  # (name, command output)


def _context_is_live(name: str, output: str) -> bool:
    return f"[ Context '{name}'" in output


def _endpoint_is_live(name: str, output: str) -> bool:
    pattern = rf"^\s*Endpoint:\s+{re.escape(name)}(?:/|\s|$)"
    return re.search(pattern, output, re.MULTILINE) is not None


KINDS: dict[str, DocumentKind] = {
    "dialplan": DocumentKind(
        name="dialplan",
        filename="hotline-custom.conf",
        parent_filename="extensions.conf",
        reload_command="dialplan reload",
        check=lambda text, stasis_app: check_dialplan(text, stasis_app),
        verify_command=lambda context: f"dialplan show {context}",
        is_live=_context_is_live,
    ),
    "trunks": DocumentKind(
        name="trunks",
        filename="hotline-trunks.conf",
        parent_filename="pjsip.conf",
        reload_command="module reload res_pjsip.so",
        check=lambda text, _stasis_app: check_trunks(text),
        verify_command=lambda endpoint: f"pjsip show endpoint {endpoint}",
        is_live=_endpoint_is_live,
    ),
}


@dataclass(frozen=True)
class ApplyResult:
    status: ApplyStatus
    error: str = ""
    log: tuple[str, ...] = ()  # the commands run and what Asterisk said

    @property
    def ok(self) -> bool:
        return self.status == "applied"


class RxCli:
    """``asterisk -rx`` through the sandbox chroot, or on the system Asterisk."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def run(self, command: str) -> CliResult:
        try:
            process = await asyncio.create_subprocess_exec(
                *asterisk_rx_args(self._settings, command),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
        except OSError as exc:
            return CliResult(False, str(exc))
        try:
            stdout, _ = await asyncio.wait_for(process.communicate(), CLI_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
            return CliResult(False, f"timed out after {CLI_TIMEOUT_S:.0f} s")
        output = stdout.decode("utf-8", "replace").strip()
        failed = process.returncode != 0 or any(m in output.lower() for m in _CLI_FAILURES)
        return CliResult(not failed, output)


def write_atomically(path: Path, text: str | None, asterisk_root: str) -> None:
    """Replace ``path`` with ``text`` in one rename; ``None`` removes the file."""
    if text is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    # Shared as render_all shares its files, so the same Asterisk reads it.
    share_file(tmp, asterisk_root)
    os.replace(tmp, path)


def touch(path: Path) -> None:
    """Mark ``path`` as changed, so a reload does not skip it as unchanged.

    Asterisk's config cache only knows the includes that existed at the last
    load; a hotline-trunks.conf that appeared (or vanished) since would not
    make res_pjsip re-read pjsip.conf on its own.
    """
    # No parent file (a system Asterisk includes ours elsewhere): nothing to mark.
    with contextlib.suppress(OSError):
        os.utime(path)


class DialplanApplier:
    def __init__(
        self,
        etc_dir: Path,
        cli: AsteriskCli,
        *,
        stasis_app: str = DEFAULT_STASIS_APP,
        asterisk_root: str = "",
    ) -> None:
        self.etc_dir = etc_dir
        self.asterisk_root = asterisk_root
        self.cli = cli
        # The only ARI app the custom dialplan may hand calls to (Stasis()).
        self.stasis_app = stasis_app
        # One apply at a time: a rollback must restore the file it replaced.
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> DialplanApplier:
        return cls(
            settings.asterisk_etc,
            RxCli(settings),
            stasis_app=settings.ari_app,
            asterisk_root=settings.asterisk_root,
        )

    def path_of(self, kind: str) -> Path:
        return self.etc_dir / KINDS[kind].filename

    def live_text(self, kind: str) -> str | None:
        try:
            return self.path_of(kind).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    async def apply(self, kind: str, text: str) -> ApplyResult:
        document = KINDS[kind]
        checked = document.check(text, self.stasis_app)
        if not checked.ok:
            return ApplyResult("rejected", "; ".join(e.reason for e in checked.errors))
        async with self._lock:
            previous = self.live_text(kind)
            write_atomically(self.path_of(kind), text, self.asterisk_root)
            log: list[str] = []
            error = await self._reload_and_verify(document, checked.names_to_verify, log)
            if error is None:
                return ApplyResult("applied", "", tuple(log))
            write_atomically(self.path_of(kind), previous, self.asterisk_root)
            log.append("-- rollback: previous file restored --")
            touch(self.etc_dir / document.parent_filename)
            restore = await self._run(document.reload_command, log)
            if not restore.ok:
                error += f"; the reload after the rollback failed too: {restore.output}"
            return ApplyResult("rolled_back", error, tuple(log))

    async def _run(self, command: str, log: list[str]) -> CliResult:
        result = await self.cli.run(command)
        log.append(f"> {command}\n{result.output}")
        return result

    async def _reload_and_verify(
        self, document: DocumentKind, names: tuple[str, ...], log: list[str]
    ) -> str | None:
        """None when live; otherwise why not."""
        touch(self.etc_dir / document.parent_filename)
        reload = await self._run(document.reload_command, log)
        if not reload.ok:
            return f"{document.reload_command!r} failed: {reload.output}"
        for name in names:
            shown = await self._run(document.verify_command(name), log)
            if not shown.ok or not document.is_live(name, shown.output):
                return f"{name!r} is not live after the reload: {shown.output}"
        return None
