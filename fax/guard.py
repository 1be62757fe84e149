"""Call service ``fax.check_destination``: may Hotline fax-back this number?

The fax_on_demand node asks before it queues a fax-back job.  The rules and
the daily limits are ``hotline/dial_policy.py``'s, counted for the number
of the caller asking (``hotline/outbound_guard.py``, which audits every
refusal).  Only the database is touched: the caller's channel stays with
the node, which plays the refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ari_apps.call_services import CallServiceContext, ServiceResult, register_call_service
from fax.nodes import (
    CHECK_DESTINATION_SERVICE,
    DESTINATION_ALLOWED,
    DESTINATION_LIMITED,
    DESTINATION_REFUSED,
)
from hotline import dial_policy, outbound_guard


class CheckDestination:
    name = CHECK_DESTINATION_SERVICE

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        number = str(params.get("number", ""))
        refusal = await outbound_guard.authorize(
            dial_policy.FAX_BACK, call.caller_id, number, call.settings, tenant_id=call.tenant_id
        )
        if refusal is None:
            return ServiceResult(DESTINATION_ALLOWED)
        limited = refusal.reason in dial_policy.RATE_LIMITS
        outcome = DESTINATION_LIMITED if limited else DESTINATION_REFUSED
        return ServiceResult(outcome, {"fax_refusal": refusal.reason})


register_call_service(CheckDestination())
