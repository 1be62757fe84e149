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
    "web-kernel-pages",
    "recordings-observe",
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


# What each page package of the web may call of the features: its own
# feature's use-case modules, and for the flow editor the engine's public
# definitions (node kinds, validation, errors) it renders.  Anything else
# (a core, glue, store, live state) is out of reach of the pages; the kernel
# (hotline.*) is everyone's.  Pages not listed call the kernel only.
PAGE_USE_CASES: dict[str, frozenset[str]] = {
    "desk": frozenset(
        {
            "ari_apps.acd.agent_supervision",
            "ari_apps.acd.pause_reason_settings",
            "ari_apps.acd.settings_edit",
            # The agent's own callbacks (placing them is the center's).
            "ari_apps.callbacks.services",
            # Preview campaigns' next contacts (calling them is the center's).
            "ari_apps.campaigns.services",
        }
    ),
    "callbacks": frozenset({"ari_apps.callbacks.services"}),
    # Campaign pages and API: the use cases, and the core's names (kinds, actions).
    "campaigns": frozenset({"ari_apps.campaigns.services", "ari_apps.campaigns.core"}),
    "agents": frozenset(
        {
            "ari_apps.acd.agent_settings",
            "ari_apps.acd.agent_supervision",
            "ari_apps.acd.pause_reason_settings",
        }
    ),
    "queues": frozenset(
        {
            "ari_apps.acd.queue_overview",
            "ari_apps.acd.queue_removal",
            "ari_apps.acd.queue_settings",
            "ari_apps.acd.settings_edit",
        }
    ),
    "flows": frozenset(
        {
            "ari_apps.ivr.flow_drafts",
            "ari_apps.ivr.flow_views",
            "ari_apps.ivr.flow_versions",
            "ari_apps.ivr.lookup_allow_list",
            "ari_apps.ivr.services",
            "ari_apps.ivr.validation",
            "ari_apps.ivr.registry",
            "ari_apps.ivr.exceptions",
        }
    ),
    "voicemail": frozenset({"vm.mailbox_admin", "vm.store"}),
    "fax": frozenset(
        {
            "fax.catalogue",
            "fax.dids",
            "fax.document_pdf",
            "fax.documents",
            "fax.jobs",
            "fax.results",
            "fax.services",
        }
    ),
    "prompts": frozenset({"voice_prompts.preview", "voice_prompts.services"}),
    # The JSON API (admin_ui/api.py) and the web's shared parts.
    "api": frozenset({"ari_apps.ivr.services", "vm.mailboxes", "vm.messages"}),
    "web": frozenset({"fax.documents"}),
}
FEATURE_ROOTS = ("ari_apps", "vm", "fax", "voice_prompts")


def _feature_imports(path: Path) -> set[str]:
    """Feature modules a file imports, ``from pkg import module`` resolved to the module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                is_module = (ROOT / (submodule.replace(".", "/") + ".py")).exists()
                found.add(submodule if is_module else node.module)
    return {name for name in found if name.split(".")[0] in FEATURE_ROOTS}


def _page_of(path: Path) -> str:
    relative = path.relative_to(ROOT / "admin_ui")
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def test_each_page_calls_only_its_own_features_use_cases() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "admin_ui").rglob("*.py"))
        for module in sorted(_feature_imports(path))
        if module not in PAGE_USE_CASES.get(_page_of(path), frozenset())
    ]
    assert offenders == [], "\n".join(offenders)


def test_the_page_check_sees_a_features_internals(tmp_path: Path) -> None:
    # Not blind: both import forms of a core or glue module are found.
    page = tmp_path / "page.py"
    page.write_text("from ari_apps.acd import core\nimport vm.calls\nfrom hotline import db\n")
    assert _feature_imports(page) == {"ari_apps.acd.core", "vm.calls"}
