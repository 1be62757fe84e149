"""The layers hold: import-linter's contracts (pyproject.toml) pass.

`make check` runs `lint-imports` too; this test makes `make test` (and so
CI) refuse a change that breaks a layer, adds an import cycle, or makes one
feature import another.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Removing a contract must be a visible decision, not a quiet edit.
CONTRACT_IDS = {
    "kernel",
    "web-on-top",
    "ari-client",
    "features",
    "flow-engine",
    "adapter",
    "web-pages",
    "web-no-telephony",
    "web-flows",
    "web-acd",
    "web-voicemail",
    "web-fax",
    "web-prompts",
    "no-cycles",
}


def test_every_layer_contract_is_declared() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    assert {contract["id"] for contract in contracts} == CONTRACT_IDS


def test_the_import_contracts_are_kept() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports;"
            " sys.exit(lint_imports(no_cache=True, no_logo=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout, run.stdout


# The ARI client's requests that change a call; reading (get_bridge,
# list_channels, a live recording's state) is not on the list.
CHANNEL_CHANGING_REQUESTS = frozenset(
    {
        "add_channel",
        "answer",
        "bridge_play",
        "bridge_start_moh",
        "bridge_stop_moh",
        "cancel_live_recording",
        "continue_in_dialplan",
        "create_bridge",
        "delete_mailbox",
        "destroy_bridge",
        "hangup",
        "originate",
        "play",
        "record",
        "remove_channel",
        "ring",
        "ring_stop",
        "set_channel_variable",
        "stop_live_recording",
        "stop_playback",
        "update_mailbox",
    }
)
FEATURE_CODE = ("ari_apps", "vm", "fax", "voice_prompts")
# The client itself, the executor that is the one way through it, and the
# demo phone call (a test client of its own, not part of the call handling).
ALLOWED = ("ari_apps/ari/", "ari_apps/executor.py", "ari_apps/demo_call/")


def _direct_ari_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in CHANNEL_CHANGING_REQUESTS:
            continue
        receiver = node.func.value
        name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        if name in ("ari", "_ari", "client"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}.{node.func.attr}()")
    return found


def test_features_change_calls_only_through_the_command_executor() -> None:
    offenders = [
        hit
        for package in FEATURE_CODE
        for path in sorted((ROOT / package).rglob("*.py"))
        if not str(path.relative_to(ROOT)).startswith(ALLOWED)
        for hit in _direct_ari_calls(path)
    ]
    assert offenders == [], "use ari_apps/executor.py:\n" + "\n".join(offenders)


def test_the_executor_check_sees_a_direct_call() -> None:
    # The check itself must not be blind: it finds the executor's own calls.
    assert _direct_ari_calls(ROOT / "ari_apps" / "executor.py")
