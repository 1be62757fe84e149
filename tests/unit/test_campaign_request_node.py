"""A flow submits a call request to a campaign (the campaign_request node
and the campaigns.request call service)."""

from __future__ import annotations

from typing import Any

import pytest

import ari_apps.campaigns.nodes  # noqa: F401  (registers the node kind)
from ari_apps.campaigns import services
from ari_apps.campaigns.calls import RequestCall
from ari_apps.ivr.commands import InputRecorded, RunCallService
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.exceptions import FlowDefinitionError
from ari_apps.ivr.flow import FlowDefinition
from ari_apps.ivr.testing import ScriptedCall
from hotline.center import Actor
from hotline.models_campaigns import CampaignContact
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient


def flow(**config: Any) -> dict[str, Any]:
    node = {"kind": "campaign_request", "campaign": "Call-backs", "next": "thanks", **config}
    return {
        "start": "ask",
        "nodes": {
            "ask": node,
            "thanks": {"kind": "hangup", "media": ["sound:auth-thankyou"]},
            "sorry": {"kind": "hangup", "media": ["sound:sorry"]},
        },
    }


@pytest.mark.parametrize(
    "config",
    [{"campaign": ""}, {"fields": {"not a name": "x"}}, {"fields": {"ok": 3}}],
    ids=["no campaign", "bad field name", "field not a template"],
)
def test_given_a_bad_node_then_the_flow_is_refused_naming_it(config: dict[str, Any]) -> None:
    with pytest.raises(FlowDefinitionError) as refused:
        FlowDefinition.from_json(flow(**config))
    assert refused.value.node_id == "ask"


def test_given_the_node_then_the_number_and_fields_are_expanded_and_outcomes_branch() -> None:
    call = ScriptedCall(
        flow(fields={"account": "${account}"}, on_failure="sorry"),
        {"caller_id": "13800000010", "account": "A-17"},
    )
    call.start()
    (request,) = [c for c in call.history if isinstance(c, RunCallService)]
    assert (request.service, request.params) == (
        "campaigns.request",
        {"campaign": "Call-backs", "number": "13800000010", "fields": {"account": "A-17"}},
    )
    call.send(CallServiceFinished(request.request_id, "refused"))
    assert call.session.current_node == "sorry"
    recorded = [c for c in call.history if isinstance(c, InputRecorded)]
    assert recorded[-1].value == "refused"


class Lent:
    """What the service reads of the lent channel."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self.call_id = "call-7"


async def test_given_a_request_then_the_number_joins_the_campaign_once(ui: UiClient) -> None:
    tenant = await home_tenant_id()
    await services.create(tenant, Actor("admin", "127.0.0.1", tenant), {"name": "Call-backs"})
    service = RequestCall()
    params = {"campaign": "Call-backs", "number": "138 0000 0010", "fields": {"bill": "88.50"}}
    first = await service.run(Lent(tenant), params)  # type: ignore[arg-type]
    again = await service.run(Lent(tenant), params)  # type: ignore[arg-type]
    missing = await service.run(Lent(tenant), {**params, "campaign": "Nope"})  # type: ignore[arg-type]
    assert (first.outcome, again.outcome, missing.outcome) == ("added", "refused", "no_campaign")
    contact = await CampaignContact.get(phone="+8613800000010", source="flow")
    assert contact.custom_fields == {"bill": "88.50"}
