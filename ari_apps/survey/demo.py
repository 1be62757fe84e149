"""The demo's post-call survey: a flow asking for 1–5, on the demo queue."""

from __future__ import annotations

from typing import Any, Final

from hotline.models import Flow, Queue
from hotline.seed import DEMO_QUEUE, publish_version
from hotline.settings import Settings

SURVEY_FLOW: Final = "Post-call survey"

# Stock Asterisk has no "rate us" sound: the demo says "press 1 … press 5"
# and thanks the caller; record a real prompt on /prompts and edit the flow.
SURVEY: Final[dict[str, Any]] = {
    "start": "ask",
    "nodes": {
        "ask": {
            "kind": "collect",
            "label": "Rate the service 1 (poor) to 5 (excellent)",
            "variable": "rating",
            "prompt": ["sound:vm-press", "digits:1", "sound:vm-press", "digits:5"],
            "min_length": 1,
            "max_length": 1,
            "terminator": None,
            "pattern": "^[1-5]$",
            "first_digit_timeout_s": 6,
            "max_attempts": 2,
            "next": "thanks",
            "on_invalid": "goodbye",
        },
        "thanks": {
            "kind": "hangup",
            "label": "Thank you",
            "media": ["sound:auth-thankyou"],
            "reason": "survey_rated",
        },
        "goodbye": {
            "kind": "hangup",
            "label": "Goodbye",
            "media": ["sound:vm-goodbye"],
            "reason": "survey_not_rated",
        },
    },
}


async def seed_demo_survey(settings: Settings, *, tenant_id: int) -> None:
    """Created once, and only then put on the demo queue: an administrator's
    later choice (another flow, no survey) is left alone."""
    if await Flow.exists(tenant_id=tenant_id, name=SURVEY_FLOW):
        return
    flow = await Flow.create(tenant_id=tenant_id, name=SURVEY_FLOW, draft=SURVEY)
    await publish_version(flow, SURVEY, "seed")
    await Queue.filter(name=DEMO_QUEUE, tenant_id=tenant_id, survey_flow=None).update(
        survey_flow=SURVEY_FLOW
    )
