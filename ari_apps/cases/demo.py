"""The demo's case status line (★): DID 8600 runs the flow "Case status".

The caller keys their case number and #; the ``case_status`` node finds it
and the flow says where it stands, then offers an agent (or, waiting, a
call back: the queue's * keeps their place).  A wrong number gets a clear
prompt and one more try.  The words are prompts (``prompt:case-status-*``),
drafted with text-to-speech at the first start (``DEMO_PROMPT_TEXTS``) and
meant to be recorded properly on /prompts; the flow is an ordinary one,
edited on /flows.
"""

from __future__ import annotations

from typing import Any, Final

from hotline.seed import DEMO_QUEUE, seed_demo_line
from hotline.settings import Settings

STATUS_DID: Final = "8600"
STATUS_FLOW: Final = "Case status"
# The prompts' drafts (name → English, Chinese).
DEMO_PROMPT_TEXTS: Final[dict[str, tuple[str, str]]] = {
    "case-status-ask": (
        "Please key your case number, then press the hash key.",
        "请输入您的工单编号，以井号键结束。",
    ),
    "case-status-not-found": (
        "Sorry, there is no case with that number.",
        "对不起，没有这个编号的工单。",
    ),
    "case-status-registered": (
        "Your case has been received by the hotline centre.",
        "您的工单已由热线中心受理。",
    ),
    "case-status-handling": (
        "Your case is being handled by the responsible department.",
        "您的工单正在由承办部门办理。",
    ),
    "case-status-replied": (
        "The department has replied to your case. It is being reviewed.",
        "承办部门已回复您的工单，正在审核。",
    ),
    "case-status-closed": ("Your case is closed.", "您的工单已办结。"),
    "case-status-closed-sms": (
        "Your case is closed. The answer was sent to you by text message.",
        "您的工单已办结，答复已通过短信发送给您。",
    ),
    "case-status-offer": (
        "To speak to an agent, or to ask for a call back, press 1.",
        "如需人工服务或预约回电，请按1。",
    ),
}


def _collect(next_node: str, on_invalid: str) -> dict[str, Any]:
    return {
        "kind": "collect",
        "label": "Case number",
        "variable": "case_number",
        "prompt": ["prompt:case-status-ask"],
        "min_length": 8,
        "max_length": 16,
        "pattern": "^[0-9]+$",
        "first_digit_timeout_s": 8,
        "inter_digit_timeout_s": 4,
        "max_attempts": 2,
        "next": next_node,
        "on_invalid": on_invalid,
    }


_BRANCHES: Final = {
    "registered": "say_registered",
    "handling": "say_handling",
    "joint_review": "say_handling",
    "reviewing": "say_replied",
    "closed": "say_closed",
    "closed_sms": "say_closed_sms",
}


def _lookup(on_not_found: str) -> dict[str, Any]:
    return {
        "kind": "case_status",
        "label": "Find the case",
        "number": "${case_number}",
        "branches": dict(_BRANCHES),
        "next": "say_handling",
        "on_not_found": on_not_found,
    }


def _say(prompt: str) -> dict[str, Any]:
    return {"kind": "play", "media": [f"prompt:{prompt}"], "next": "offer"}


STATUS_LINE: Final[dict[str, Any]] = {
    "start": "ask",
    "nodes": {
        "ask": _collect("lookup", "goodbye"),
        "lookup": _lookup("not_found"),
        "not_found": {
            "kind": "play",
            "label": "No such case: once more",
            "media": ["prompt:case-status-not-found"],
            "next": "ask_again",
        },
        "ask_again": _collect("lookup_again", "goodbye"),
        "lookup_again": _lookup("sorry"),
        "sorry": {
            "kind": "hangup",
            "media": ["prompt:case-status-not-found", "sound:vm-goodbye"],
            "reason": "case_not_found",
        },
        "say_registered": _say("case-status-registered"),
        "say_handling": _say("case-status-handling"),
        "say_replied": _say("case-status-replied"),
        "say_closed": _say("case-status-closed"),
        "say_closed_sms": _say("case-status-closed-sms"),
        "offer": {
            "kind": "menu",
            "label": "Agent or call back",
            "prompt": ["prompt:case-status-offer"],
            "options": {"1": "agent"},
            "max_attempts": 1,
            "on_exhausted": "goodbye",
        },
        "agent": {"kind": "queue", "queue": DEMO_QUEUE, "callback": True, "on_overflow": "goodbye"},
        "goodbye": {"kind": "hangup", "media": ["sound:vm-goodbye"], "reason": "case_status_done"},
    },
}


async def seed_status_line(settings: Settings, *, tenant_id: int) -> None:
    """The flow and its DID, created once (an administrator's edits stay)."""
    await seed_demo_line(tenant_id, STATUS_FLOW, STATUS_LINE, STATUS_DID)
