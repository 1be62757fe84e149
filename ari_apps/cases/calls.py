"""The "cases.status" call service: a flow's ``case_status`` node finds the
caller's case by its number.  No telephony: the channel is lent for one
read and given straight back.  The call's timeline keeps what was asked and
what was found (``case_lookup``: the number keyed, the status), so a
supervisor can see what the caller heard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ari_apps.call_services import CallServiceContext, ServiceResult, register_call_service
from ari_apps.cases.nodes import CLOSED_SMS, NOT_FOUND, SERVICE_NAME
from hotline import calls
from hotline.cases import reading
from hotline.models_cases import CaseMessage
from hotline.tenancy import home_tenant_id

TIMELINE_KIND = "case_lookup"


class StatusCall:
    name = SERVICE_NAME

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        tenant_id = call.tenant_id if call.tenant_id is not None else await home_tenant_id()
        number = str(params.get("number", ""))[:16]
        case = await reading.by_number(tenant_id, number) if number.isdigit() else None
        status = case.status if case is not None else NOT_FOUND
        await calls.add_event(call.call_id, TIMELINE_KIND, number=number, status=status)
        if case is None:
            return ServiceResult(NOT_FOUND)
        answered_by_sms = await CaseMessage.filter(
            case=case, event="case_replied", channel="sms", status="sent"
        ).exists()
        return ServiceResult(
            CLOSED_SMS if status == "closed" and answered_by_sms else status,
            {
                "case_status": status,
                "case_replied": "yes" if case.replied else "no",
                "case_holders": ",".join(case.awaiting),
            },
        )


register_call_service(StatusCall())
