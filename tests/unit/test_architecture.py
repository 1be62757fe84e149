"""The layers hold: import-linter's contracts (pyproject.toml) pass.

`make check` runs `lint-imports` too; this test makes `make test` (and so
CI) refuse a change that breaks a layer, adds an import cycle, or makes one
feature import another.
"""

from __future__ import annotations

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
