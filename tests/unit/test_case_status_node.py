"""The case status line's node (case_status) and its call service
(cases.status): the number keyed, a branch per status, the timeline entry."""

from __future__ import annotations

from typing import Any

import pytest

import ari_apps.cases.nodes  # noqa: F401  (registers the node kind)
from ari_apps.cases.calls import StatusCall
from ari_apps.cases.demo import STATUS_LINE
from ari_apps.ivr.commands import RunCallService
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.exceptions import FlowDefinitionError
from ari_apps.ivr.flow import FlowDefinition
from ari_apps.ivr.testing import ScriptedCall
from hotline import calls
from hotline.cases import services
from hotline.center import Actor
from hotline.models import CallEvent
from hotline.models_cases import CaseMessage
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient


def flow(**config: Any) -> dict[str, Any]:
    node = {
        "kind": "case_status",
        "branches": {"handling": "handling", "closed": "closed"},
        "next": "other",
        "on_not_found": "missing",
        **config,
    }
    ends = {name: {"kind": "hangup"} for name in ("handling", "closed", "other", "missing")}
    return {"start": "look", "nodes": {"look": node, **ends}}


def test_given_a_branch_that_is_no_status_then_the_flow_is_refused_naming_the_node() -> None:
    with pytest.raises(FlowDefinitionError) as refused:
        FlowDefinition.from_json(flow(branches={"lost": "other"}))
    assert refused.value.node_id == "look"


def test_the_demo_status_line_is_a_valid_flow() -> None:
    assert FlowDefinition.from_json(STATUS_LINE).start == "ask"


@pytest.mark.parametrize(
    ("outcome", "node"),
    [
        ("handling", "handling"),
        ("reviewing", "other"),  # no branch of its own: next
        ("closed_sms", "closed"),  # no closed_sms branch: closed's
        ("not_found", "missing"),
    ],
)
def test_given_an_outcome_then_the_call_takes_its_branch(outcome: str, node: str) -> None:
    call = ScriptedCall(flow(), {"caller_id": "5550123", "case_number": "202612050001"})
    call.start()
    (request,) = [c for c in call.history if isinstance(c, RunCallService)]
    assert (request.service, request.params) == ("cases.status", {"number": "202612050001"})
    call.send(CallServiceFinished(request.request_id, outcome))
    assert call.session.current_node == node


class Lent:
    def __init__(self, tenant_id: int, call_id: str) -> None:
        self.tenant_id = tenant_id
        self.call_id = call_id


async def test_given_a_case_then_the_service_finds_it_and_the_timeline_says_so(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    case = await services.create_case(
        tenant,
        Actor("agent1001", "", tenant),
        {"category": "投诉", "subject": "Leak", "caller_number": "5550123", "department": "supply"},
    )
    await calls.open_record(
        "call-9", did="8600", caller_id="5550123", tenant_id=tenant, flow_version_id=None
    )
    service = StatusCall()
    found = await service.run(Lent(tenant, "call-9"), {"number": case["number"]})  # type: ignore[arg-type]
    assert (found.outcome, found.variables["case_holders"]) == ("handling", "supply")
    missing = await service.run(Lent(tenant, "call-9"), {"number": "19990101"})  # type: ignore[arg-type]
    assert missing.outcome == "not_found"
    await services.act(
        tenant, Actor("supply", "", tenant), case["id"], {"action": "reply", "note": "ok"}
    )
    await services.act(tenant, Actor("supervisor", "", tenant), case["id"], {"action": "close"})
    await CaseMessage.filter(event="case_replied").update(status="sent")
    closed = await service.run(Lent(tenant, "call-9"), {"number": case["number"]})  # type: ignore[arg-type]
    assert closed.outcome == "closed_sms"
    await calls.flush()
    lookups = [e.data for e in await CallEvent.filter(kind="case_lookup").order_by("id")]
    assert lookups == [
        {"number": case["number"], "status": "handling"},
        {"number": "19990101", "status": "not_found"},
        {"number": case["number"], "status": "closed"},
    ]
