"""The "campaigns.request" call service: a flow's ``campaign_request`` node
adds a number to one of its tenant's campaigns (the contact's source is
"flow").  No telephony: the channel is lent for a database write and given
straight back; the dialer calls the number in its turn."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ari_apps.call_services import CallServiceContext, ServiceResult, register_call_service
from ari_apps.campaigns import services
from ari_apps.campaigns.nodes import OUTCOME_ADDED, SERVICE_NAME
from hotline.center import Actor
from hotline.errors import HotlineError
from hotline.models_campaigns import Campaign
from hotline.tenancy import home_tenant_id, scoped

log = logging.getLogger(__name__)


class RequestCall:
    name = SERVICE_NAME

    async def run(self, call: CallServiceContext, params: Mapping[str, Any]) -> ServiceResult:
        tenant_id = call.tenant_id if call.tenant_id is not None else await home_tenant_id()
        name = str(params.get("campaign", ""))
        campaign = await scoped(Campaign, tenant_id).get_or_none(name=name)
        if campaign is None:
            log.warning("call %s: no campaign %r to request a call from", call.call_id, name)
            return ServiceResult("no_campaign")
        fields = params.get("fields") or {}
        row = {
            "phone": str(params.get("number", "")),
            "fields": {str(k): str(v) for k, v in dict(fields).items()},
        }
        actor = Actor(f"flow:{call.call_id}"[:64], "", tenant_id, source="flow")
        try:
            report = await services.add_contacts(
                tenant_id, actor, campaign.id, [row], source="flow"
            )
        except HotlineError as refused:
            log.warning("call %s: request to campaign %r refused: %s", call.call_id, name, refused)
            return ServiceResult("refused")
        if report["accepted"]:
            return ServiceResult(OUTCOME_ADDED)
        return ServiceResult(
            "refused", {"campaign_request_reason": report["rejected"][0]["reason"][:200]}
        )


register_call_service(RequestCall())
