"""The demo's customer line (客户专线, DID 8800): the flow "Customer line"
serves callers by their customer record, as a water utility's account line
does.

- A blacklisted or nuisance caller hears that the line cannot take the call,
  and is hung up on.
- A VIP goes straight to an agent, and waits at the queue's VIP priority.
- A known caller keys their account number (``SH-100234`` is keyed
  ``100234``), twice at most. A match lets the desk show the record's
  account details; a caller who fails both times still reaches an agent, who
  then sees no account details.
- A caller with no record goes to an agent.

The four demo customers (``hotline/customers/demo.py``) show each branch.
The prompts are text-to-speech drafts made at the first start
(``DEMO_PROMPT_TEXTS``), replaced by recordings on /prompts.
"""

from __future__ import annotations

from typing import Any, Final

from hotline.seed import DEMO_QUEUE, seed_demo_line
from hotline.settings import Settings

CUSTOMER_DID: Final = "8800"
CUSTOMER_FLOW: Final = "Customer line"
DEMO_PROMPT_TEXTS: Final[dict[str, tuple[str, str]]] = {
    "customer-account": (
        "Please key the digits of your account number, then the hash key.",
        "请输入您的户号数字，以井号键结束。",
    ),
    "customer-account-again": (
        "That account number does not match our records. Please key it again, then the hash key.",
        "户号与记录不符，请重新输入，以井号键结束。",
    ),
    "customer-refused": (
        "We are sorry, this line cannot take your call. Goodbye.",
        "很抱歉，本线路无法受理您的来电，再见。",
    ),
}


def _ask_account(prompt: str, next_node: str) -> dict[str, Any]:
    return {
        "kind": "collect",
        "label": "Account number",
        "variable": "account",
        "prompt": [f"prompt:{prompt}"],
        "min_length": 1,
        "max_length": 12,
        "first_digit_timeout_s": 8,
        "inter_digit_timeout_s": 4,
        "max_attempts": 2,
        "next": next_node,
        # No digits at all: an agent checks the caller instead.
        "on_invalid": "agent",
    }


def customer_line() -> dict[str, Any]:
    return {
        "start": "who",
        "nodes": {
            "who": {
                "kind": "customer",
                "label": "Who is calling",
                "branches": {
                    "blacklist": "refuse",
                    "nuisance": "refuse",
                    "vip": "agent",
                    "known": "ask_account",
                },
                "next": "agent",
            },
            "ask_account": _ask_account("customer-account", "check"),
            "check": {
                "kind": "customer",
                "label": "Check the account number",
                "identity": "${account}",
                "identity_field": "account_number",
                "on_identity_failed": "ask_again",
                "next": "agent",
            },
            "ask_again": _ask_account("customer-account-again", "check_again"),
            "check_again": {
                "kind": "customer",
                "label": "Check it once more",
                "identity": "${account}",
                "identity_field": "account_number",
                # Unchecked, the caller is still served; the desk shows no
                # account details for the call.
                "on_identity_failed": "agent",
                "next": "agent",
            },
            "agent": {"kind": "queue", "queue": DEMO_QUEUE, "on_overflow": "goodbye"},
            "refuse": {
                "kind": "hangup",
                "label": "Refused",
                "media": ["prompt:customer-refused"],
                "reason": "customer_refused",
            },
            "goodbye": {"kind": "hangup", "media": ["sound:vm-goodbye"], "reason": "overflow"},
        },
    }


async def seed_customer_line(settings: Settings, *, tenant_id: int) -> None:
    """The flow and its DID, created once (an administrator's edits stay)."""
    await seed_demo_line(tenant_id, CUSTOMER_FLOW, customer_line(), CUSTOMER_DID)
