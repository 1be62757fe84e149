"""The demo tenant's "Main menu" flow, reached on DID 8000.

Greets, then: 1 support queue, 2 voicemail (box 5000: leave a message
after the beep, # or hang up to finish, 0 for support), 3 fax-on-demand,
9 repeat the menu. 3 runs the fax_on_demand node (document 1, two pages,
ships with the demo). After three invalid
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
                "2": "voicemail",
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
        "voicemail": {
            # Greeting, beep, record until # / silence / 2 min; 0 reaches support.
            "kind": "voicemail",
            "label": "Voicemail box 5000",
            "box": "5000",
            "greeting": "unavailable",
            "max_length_s": 120,
            "silence_s": 5,
            "operator": "support_hold",
            "next": "voicemail_done",
            "on_no_message": "menu",
            "on_failure": "goodbye",
        },
        "voicemail_done": {
            "kind": "hangup",
            "label": "Message left: goodbye",
            "media": ["sound:vm-goodbye"],
            "reason": "voicemail_left",
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
