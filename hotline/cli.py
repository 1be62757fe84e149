"""Process control behind the Makefile: ``up``, ``down``, ``run``, ``render``.

``up`` is idempotent: it provisions and starts the sandbox Asterisk only when
it is not already running, and starts Hotline only when its pid is dead, so
``make up`` after a ``kill -9`` of Hotline leaves Asterisk and the callers on
the line alone.  An ``up`` that does not become healthy stops what it
started and prints why: ``/healthz``'s reasons and the errors Hotline logged.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from hotline.asterisk_config import asterisk_rx_args, render_all
from hotline.settings import REPO_ROOT, Settings, contract_env, load_settings, write_env_file

SANDBOX = REPO_ROOT / "asterisk" / "sandbox.sh"


def _sandbox(settings: Settings, action: str) -> int:
    env = os.environ | {"HOTLINE_ASTERISK_CACHE": str(Path(settings.asterisk_root).parent)}
    return subprocess.run(["bash", str(SANDBOX), action], env=env, check=False).returncode


def _asterisk_rx(settings: Settings, command: str) -> None:
    subprocess.run(asterisk_rx_args(settings, command), check=False, capture_output=True)


def start_asterisk(settings: Settings) -> bool:
    """Render the config and make sure Asterisk runs; True if this call started it."""
    if settings.asterisk_mode == "system":
        changed = render_all(settings)
        if changed:
            print(
                f"hotline: rendered {len(changed)} file(s) into {settings.asterisk_etc}; "
                "#include them from your Asterisk config and reload (see README)"
            )
        return False
    if _sandbox(settings, "provision") != 0:
        sys.exit("hotline: could not provision the sandbox Asterisk")
    changed = render_all(settings)
    if _sandbox(settings, "status") == 0:
        if changed:
            # A reload, not a restart: callers on the line stay connected.
            _asterisk_rx(settings, "core reload")
        return False
    if _sandbox(settings, "start") != 0:
        sys.exit("hotline: the sandbox Asterisk did not start")
    return True


def reset_sandbox(settings: Settings) -> None:
    """Stop everything and give the sandbox Asterisk a cold state (see sandbox.sh)."""
    stop_hotline(settings)
    if settings.asterisk_mode != "sandbox":
        sys.exit("hotline: reset is for the sandbox Asterisk only")
    _sandbox(settings, "stop")
    if _sandbox(settings, "reset") != 0:
        sys.exit("hotline: could not reset the sandbox Asterisk")
    print("hotline: sandbox Asterisk reset to a cold state (astdb, spool and logs emptied)")


def pid_file(settings: Settings) -> Path:
    return settings.run_dir / "hotline.pid"


def running_pid(settings: Settings) -> int | None:
    path = pid_file(settings)
    try:
        pid = int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    # A zombie or a recycled pid is not Hotline.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return None
    return pid if b"hotline" in cmdline else None


def health(settings: Settings) -> tuple[bool, str]:
    """Whether ``/healthz`` answers 200, and if not, what it says is wrong."""
    try:
        with urllib.request.urlopen(settings.web_url + "/healthz", timeout=2) as response:
            return bool(response.status == 200), ""
    except urllib.error.HTTPError as error:
        return False, _failing_checks(error.read())
    except (urllib.error.URLError, OSError) as error:
        return False, f"the web server at {settings.web_url} does not answer ({error})"


def healthy(settings: Settings) -> bool:
    return health(settings)[0]


def _failing_checks(body: bytes) -> str:
    try:
        checks = json.loads(body)["checks"]
        failing = [
            f"{name}: {check.get('reason') or 'failing'}"
            for name, check in checks.items()
            if not check.get("ok")
        ]
    except (ValueError, KeyError, TypeError, AttributeError):
        return body.decode(errors="replace")[:300]
    return "; ".join(failing)


def _log_path(settings: Settings) -> Path:
    return settings.var_dir / "log" / "hotline.log"


def _log_size(settings: Settings) -> int:
    try:
        return _log_path(settings).stat().st_size
    except OSError:
        return 0


def logged_problems(settings: Settings, since: int, limit: int = 8) -> list[str]:
    """The last WARNING/ERROR lines Hotline logged after byte ``since``."""
    try:
        with _log_path(settings).open("rb") as log:
            log.seek(since)
            lines = log.read().decode(errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if " ERROR " in line or " WARNING " in line][-limit:]


def up_timeout_s() -> float:
    return float(os.environ.get("HOTLINE_UP_TIMEOUT_S", "90"))


def pid_alive(pid: int) -> Callable[[], bool]:
    def alive() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    return alive


def wait_healthy(settings: Settings, alive: Callable[[], bool], timeout_s: float) -> str | None:
    """None once healthy; otherwise why not (the process died, or /healthz's reasons)."""
    deadline = time.monotonic() + timeout_s
    reason = ""
    while time.monotonic() < deadline:
        ok, reason = health(settings)
        if ok:
            return None
        if not alive():
            return "the Hotline process exited during start-up"
        time.sleep(0.2)
    return f"/healthz did not answer 200 within {timeout_s:.0f} s: {reason}"


def write_contract(settings: Settings, pid: int | None) -> Path:
    path = settings.run_dir / "hotline.env"
    write_env_file(path, contract_env(settings, pid))
    return path


def _spawn_hotline(settings: Settings) -> subprocess.Popen[bytes]:
    log_dir = settings.var_dir / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "hotline.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hotline"],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    pid_file(settings).write_text(str(process.pid))
    return process


def up(settings: Settings) -> None:
    started_asterisk = start_asterisk(settings)
    pid = running_pid(settings)
    started_hotline = pid is None
    log_start = _log_size(settings)
    alive: Callable[[], bool]
    if pid is None:
        process = _spawn_hotline(settings)
        pid = process.pid
        # poll(), not kill(pid, 0): our own child that died is a zombie until reaped.
        alive = lambda: process.poll() is None  # noqa: E731
    else:
        alive = pid_alive(pid)
    failure = wait_healthy(settings, alive, up_timeout_s())
    if failure is not None:
        problems = logged_problems(settings, log_start)
        # Leave the box as it was: what this call started, it stops.
        if started_hotline:
            stop_hotline(settings)
        if started_asterisk:
            _sandbox(settings, "stop")
        stopped = [
            name
            for name, did in (("Hotline", started_hotline), ("Asterisk", started_asterisk))
            if did
        ]
        lines = [f"hotline: not healthy: {failure}"]
        if problems:
            lines.append(f"hotline: last problems in {_log_path(settings)}:")
            lines.extend(f"  {line}" for line in problems)
        if stopped:
            lines.append(f"hotline: stopped what this start started: {', '.join(stopped)}")
        sys.exit("\n".join(lines))
    path = write_contract(settings, pid)
    print(f"hotline: up (pid {pid}); contract in {path}")
    print(next_steps(settings, path))


def next_steps(settings: Settings, contract: Path, stop_hint: str = "make down") -> str:
    """What a newcomer can do now (printed by ``make up`` and ``make run``)."""
    shown = os.path.relpath(contract, REPO_ROOT) if contract.is_relative_to(REPO_ROOT) else contract
    return "\n".join(
        [
            "",
            f"  Web UI      {settings.web_url}  (sign in as {settings.admin_user}; the password"
            f" is HOTLINE_ADMIN_PASSWORD in {shown})",
            "  Demo calls  8000 main menu: 1 queue 'support', 2 voicemail, 3 fax-on-demand;"
            " 8500 voicemail by phone",
            f"  SIP phones  register as 1001 or 1002 at {settings.sip_host}:{settings.sip_port}"
            f" (UDP), password HOTLINE_DEMO_SIP_PASSWORD in {shown}, then dial 8000",
            "  No phone?   make demo-call   (dials 8000, presses 1, reports whether an agent"
            " answered)",
            f"  Stop        {stop_hint}",
            "",
        ]
    )


def stop_hotline(settings: Settings) -> None:
    pid = running_pid(settings)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
    pid_file(settings).unlink(missing_ok=True)


def down(settings: Settings) -> None:
    stop_hotline(settings)
    if settings.asterisk_mode == "sandbox":
        _sandbox(settings, "stop")
    print("hotline: down")


def run(settings: Settings) -> None:
    start_asterisk(settings)
    if running_pid(settings) is not None:
        sys.exit("hotline: already running in the background; `make down` first")
    pid_file(settings).write_text(str(os.getpid()))
    contract = write_contract(settings, os.getpid())
    print(f"hotline: web {settings.web_url}  ARI {settings.ari_url}  (Ctrl-C stops)")
    _announce_when_healthy(settings, contract)
    from hotline.__main__ import main

    try:
        main()
    finally:
        pid_file(settings).unlink(missing_ok=True)
        if settings.asterisk_mode == "sandbox":
            _sandbox(settings, "stop")


def _announce_when_healthy(settings: Settings, contract: Path) -> None:
    """In the foreground the service is this process, logging to the
    terminal: a thread watches ``/healthz`` and prints the next steps, or
    why it is not healthy yet (the log lines above say more)."""

    def watch() -> None:
        itself = pid_alive(os.getpid())
        while (failure := wait_healthy(settings, itself, up_timeout_s())) is not None:
            print(f"hotline: not healthy yet: {failure}", flush=True)
        print(f"hotline: ready.{next_steps(settings, contract, 'Ctrl-C')}", flush=True)

    threading.Thread(target=watch, name="announce", daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(prog="hotline")
    parser.add_argument("command", choices=["up", "down", "run", "render", "env", "reset"])
    args = parser.parse_args()
    settings = load_settings()
    if args.command == "up":
        up(settings)
    elif args.command == "down":
        down(settings)
    elif args.command == "run":
        run(settings)
    elif args.command == "render":
        for path in render_all(settings):
            print(path)
    elif args.command == "reset":
        reset_sandbox(settings)
    elif args.command == "env":
        print(write_contract(settings, running_pid(settings)))


if __name__ == "__main__":
    main()
