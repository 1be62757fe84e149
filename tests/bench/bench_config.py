"""The baseline's queue, installed for a run and removed after it.

The baseline dialplan (asterisk/config/hotline-bench.conf) is rendered with
the rest of Asterisk's config and stays loaded.  Its queue depends on how
many agents a run needs, so asterisk/bench/hotline-bench-queues.conf is
rendered here into Asterisk's etc directory, next to Hotline's own config,
and only app_queue is reloaded (a `dialplan reload` leaks a stasis
subscription in Asterisk 22; an app_queue reload does not).
"""

from __future__ import annotations

import re

from hotline.asterisk_account import share_file
from hotline.asterisk_config import render_template
from hotline.settings import REPO_ROOT, Settings
from tests.bench.procs import asterisk_cli

QUEUE_TEMPLATE = REPO_ROOT / "asterisk" / "bench" / "hotline-bench-queues.conf"
QUEUES_FILE = "hotline-bench-queues.conf"
DIALPLAN_FILE = "hotline-bench.conf"
NATIVE_CONTEXT = "hotline-bench-pstn"
NATIVE_DID = "8100"
NATIVE_QUEUE = "hotline-bench-support"
NATIVE_ENDPOINT = f"Local/{NATIVE_DID}@{NATIVE_CONTEXT}/n"
CALLER_CONTEXT = "hotline-bench-caller"


class BaselineNotLoaded(RuntimeError):
    pass


def check_dialplan(settings: Settings) -> None:
    for context, extension in ((NATIVE_CONTEXT, NATIVE_DID), (CALLER_CONTEXT, "s")):
        shown = asterisk_cli(settings, f"dialplan show {extension}@{context}")
        if "Stasis" not in shown and "Answer" not in shown:
            raise BaselineNotLoaded(
                f"context {context} is not loaded: asterisk/config/extensions.conf needs "
                f"`#tryinclude {DIALPLAN_FILE}` (then `make up` or a dialplan reload)"
            )


def install_queue(settings: Settings, agent_extensions: list[str]) -> None:
    members = "\n".join(f"member => PJSIP/{ext},0,Bench agent {ext}" for ext in agent_extensions)
    text = QUEUE_TEMPLATE.read_text(encoding="utf-8")
    target = settings.asterisk_etc / QUEUES_FILE
    target.write_text(render_template(text, {"BENCH_MEMBERS": members}, QUEUES_FILE))
    # Asterisk runs as its own account: the file is group asterisk, 0640.
    share_file(target, settings.asterisk_root)
    asterisk_cli(settings, "module reload app_queue.so")
    shown = asterisk_cli(settings, f"queue show {NATIVE_QUEUE}")
    listed = set(re.findall(r"PJSIP/(\d+)\b", shown))
    if NATIVE_QUEUE not in shown or not set(agent_extensions) <= listed:
        raise BaselineNotLoaded(
            f"queue {NATIVE_QUEUE} did not load with its members: queues.conf needs "
            f"`#tryinclude {QUEUES_FILE}` (asterisk/config/queues.conf)"
        )


def remove_queue(settings: Settings) -> None:
    target = settings.asterisk_etc / QUEUES_FILE
    if target.exists():
        target.unlink()
        asterisk_cli(settings, "module reload app_queue.so")
