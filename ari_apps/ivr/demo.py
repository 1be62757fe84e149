"""The demo tenant's "Main menu" flow, reached on DID 8000.

Greets, then: 1 support queue, 2 voicemail (box 5000), 3 fax-on-demand,
9 repeat the menu. 3 runs the fax_on_demand node (document 1, two pages,
ships with the demo). Voicemail is not built yet, so 2 says
"feature not available" and returns to the menu. After three invalid
entries or timeouts the caller hears goodbye and is hung up on.
Only Asterisk stock sounds are used; digits are spoken with ``digits:``.
"""

from __future__ import annotations

from typing import Any, Final

MAIN_MENU_NAME: Final = "Main menu"
MAIN_MENU_DID: Final = "8000"
SUPPORT_QUEUE: Final = "support"

MAIN_MENU: Final[dict[str, Any]] = {
    "start": "greet",
    "nodes": {
        "greet": {
            "kind": "play",
            "label": "Welcome",
            "media": ["sound:hello-world"],
            "interruptible": True,
            "next": "menu",
        },
        "menu": {
            "kind": "menu",
            "label": "Main menu",
            "prompt": [
                "sound:vm-press",
                "digits:1",
                "sound:vm-press",
                "digits:2",
                "sound:vm-press",
                "digits:3",
                "sound:vm-press",
                "digits:9",
            ],
            "options": {
                "1": "support_hold",
                "2": "voicemail_unavailable",
                "3": "fax_on_demand",
                "9": "menu",
            },
            "timeout_s": 5,
            "max_attempts": 3,
            "invalid_prompt": ["sound:pbx-invalid"],
            "timeout_prompt": ["sound:please-try-again"],
            "on_exhausted": "goodbye",
        },
        "support_hold": {
            "kind": "play",
            "label": "Support: please hold",
            "media": ["sound:one-moment-please"],
            "next": "support_queue",
        },
        "support_queue": {
            "kind": "queue",
            "label": "Support queue",
            "queue": SUPPORT_QUEUE,
            "priority": 0,
            "max_wait_s": 600,
            "on_overflow": "goodbye",
        },
        "voicemail_unavailable": {
            "kind": "play",
            "label": "Voicemail box 5000 (not available yet)",
            "media": ["sound:feature-not-avail-line"],
            "next": "menu",
        },
        "fax_on_demand": {
            # Document number + #, then 1 = fax on this call, 2 = fax-back.
            "kind": "fax_on_demand",
            "label": "Fax on demand",
            "mode": "ask",
            "next": "menu",
            "on_invalid": "menu",
            "on_failure": "goodbye",
        },
        "goodbye": {
            "kind": "hangup",
            "label": "Goodbye",
            "media": ["sound:vm-goodbye"],
            "reason": "menu_exhausted",
        },
    },
}
