"""Process control behind the Makefile: ``up``, ``down``, ``run``, ``render``.

``up`` is idempotent: it provisions and starts the sandbox Asterisk only when
it is not already running, and starts Hotline only when its pid is dead, so
``make up`` after a ``kill -9`` of Hotline leaves Asterisk and the callers on
the line alone.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from hotline.asterisk_config import asterisk_rx_args, render_all
from hotline.settings import REPO_ROOT, Settings, contract_env, load_settings, write_env_file

SANDBOX = REPO_ROOT / "asterisk" / "sandbox.sh"


def _sandbox(settings: Settings, action: str) -> int:
    env = os.environ | {"HOTLINE_ASTERISK_CACHE": str(Path(settings.asterisk_root).parent)}
    return subprocess.run(["bash", str(SANDBOX), action], env=env, check=False).returncode


def _asterisk_rx(settings: Settings, command: str) -> None:
    subprocess.run(asterisk_rx_args(settings, command), check=False, capture_output=True)


def start_asterisk(settings: Settings) -> None:
    if settings.asterisk_mode == "system":
        changed = render_all(settings)
        if changed:
            print(
                f"hotline: rendered {len(changed)} file(s) into {settings.asterisk_etc}; "
                "#include them from your Asterisk config and reload (see README)"
            )
        return
    if _sandbox(settings, "provision") != 0:
        sys.exit("hotline: could not provision the sandbox Asterisk")
    changed = render_all(settings)
    if _sandbox(settings, "status") == 0:
        if changed:
            # A reload, not a restart: callers on the line stay connected.
            _asterisk_rx(settings, "core reload")
        return
    if _sandbox(settings, "start") != 0:
        sys.exit("hotline: the sandbox Asterisk did not start")


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


def healthy(settings: Settings) -> bool:
    try:
        with urllib.request.urlopen(settings.web_url + "/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(settings: Settings, pid: int, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if healthy(settings):
            return
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            log = settings.var_dir / "log" / "hotline.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            sys.exit(f"hotline: the process exited during start-up; {log}:\n{tail}")
        time.sleep(0.2)
    sys.exit(f"hotline: /healthz did not answer 200 within {timeout_s:.0f} s")


def write_contract(settings: Settings, pid: int | None) -> Path:
    path = settings.run_dir / "hotline.env"
    write_env_file(path, contract_env(settings, pid))
    return path


def up(settings: Settings) -> None:
    start_asterisk(settings)
    pid = running_pid(settings)
    if pid is None:
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
        pid = process.pid
        pid_file(settings).write_text(str(pid))
    wait_healthy(settings, pid)
    path = write_contract(settings, pid)
    print(f"hotline: up (pid {pid}); contract in {path}")


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
    write_contract(settings, os.getpid())
    print(f"hotline: web {settings.web_url}  ARI {settings.ari_url}  (Ctrl-C stops)")
    from hotline.__main__ import main

    try:
        main()
    finally:
        pid_file(settings).unlink(missing_ok=True)
        if settings.asterisk_mode == "sandbox":
            _sandbox(settings, "stop")


def main() -> None:
    parser = argparse.ArgumentParser(prog="hotline")
    parser.add_argument("command", choices=["up", "down", "run", "render", "env"])
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
    elif args.command == "env":
        print(write_contract(settings, running_pid(settings)))


if __name__ == "__main__":
    main()
