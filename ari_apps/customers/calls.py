"""The "customers.lookup" call service: a flow's ``customer`` node finds the
caller's record.  No telephony: the channel is lent for one read and given
straight back.  The call's timeline keeps what was found
(``customer_lookup``: the customer, the standing, the identity check's
result; never the digits keyed), which is what the desk reads before it
shows account details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ari_apps.call_services import CallServiceContext, ServiceResult, register_call_service
from ari_apps.customers.nodes import SERVICE_NAME
from hotline import calls
from hotline.customers import reading
from hotline.customers.core import IDENTITY_FIELDS
from hotline.tenancy import home_tenant_id

MAX_KEYED = 32


class LookupCall:
    name = SERVICE_NAME

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        tenant_id = call.tenant_id if call.tenant_id is not None else await home_tenant_id()
        field = str(params.get("field", ""))
        keyed = str(params.get("identity", ""))[:MAX_KEYED]
        if field not in IDENTITY_FIELDS:
            field, keyed = "", ""
        found = await reading.check_caller(tenant_id, call.caller_id, field, keyed)
        await calls.add_event(call.call_id, reading.LOOKUP_KIND, **found.timeline(field))
        return ServiceResult(
            found.standing,
            {
                "customer_id": "" if found.customer_id is None else str(found.customer_id),
                "customer_name": found.name,
                "customer_standing": found.standing,
                "customer_identity": found.identity,
            },
        )


register_call_service(LookupCall())
