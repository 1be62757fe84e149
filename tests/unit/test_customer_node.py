"""The flow's ``customer`` node and its call service (customers.lookup): a
branch per standing, the identity check's own branch, the timeline entry
(never the digits keyed) and the flow variables."""

from __future__ import annotations

from typing import Any

import pytest

import ari_apps.customers.nodes  # noqa: F401  (registers the node kind)
from ari_apps.customers.calls import LookupCall
from ari_apps.ivr.commands import RunCallService
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.exceptions import FlowDefinitionError
from ari_apps.ivr.flow import FlowDefinition
from ari_apps.ivr.testing import ScriptedCall
from hotline import calls
from hotline.models import CallEvent
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id

ENDS = ("vip", "blacklist", "known", "other", "retry")


def flow(**config: Any) -> dict[str, Any]:
    node = {
        "kind": "customer",
        "branches": {"vip": "vip", "blacklist": "blacklist", "known": "known"},
        "next": "other",
        **config,
    }
    ends = {name: {"kind": "hangup"} for name in ENDS}
    return {"start": "who", "nodes": {"who": node, **ends}}


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"branches": {"gold": "other"}}, "branches"),
        ({"identity_field": "birthday", "identity": "${x}"}, "identity_field"),
        ({"on_identity_failed": "retry"}, "on_identity_failed"),  # no identity to check
    ],
)
def test_given_a_wrong_config_then_the_flow_is_refused_naming_the_node(
    config: dict[str, Any], field: str
) -> None:
    with pytest.raises(FlowDefinitionError) as refused:
        FlowDefinition.from_json(flow(**config))
    assert refused.value.node_id == "who" and field in str(refused.value)


@pytest.mark.parametrize(
    ("standing", "identity", "node"),
    [
        ("vip", "not_checked", "vip"),
        ("blacklist", "failed", "blacklist"),  # barred whatever was keyed
        ("nuisance", "not_checked", "other"),  # no branch of its own: next
        ("known", "matched", "known"),
        ("known", "failed", "retry"),
        ("vip", "failed", "retry"),
        ("unknown", "not_checked", "other"),
        ("failed", "", "other"),  # the look-up failed: a stranger, never stuck
    ],
)
def test_given_a_look_up_then_the_call_takes_its_branch(
    standing: str, identity: str, node: str
) -> None:
    call = ScriptedCall(
        flow(identity="${account}", on_identity_failed="retry"),
        {"caller_id": "13800138000", "account": "100234"},
    )
    call.start()
    (request,) = [c for c in call.history if isinstance(c, RunCallService)]
    assert (request.service, request.params) == (
        "customers.lookup",
        {"identity": "100234", "field": "account_number"},
    )
    call.send(CallServiceFinished(request.request_id, standing, {"customer_identity": identity}))
    assert call.session.current_node == node


def test_given_no_identity_configured_then_nothing_keyed_is_sent() -> None:
    call = ScriptedCall(flow(), {"caller_id": "13800138000"})
    call.start()
    (request,) = [c for c in call.history if isinstance(c, RunCallService)]
    assert request.params == {}


class Lent:
    """What a call service sees of the channel lent to it."""

    def __init__(self, tenant_id: int, call_id: str, caller_id: str) -> None:
        self.tenant_id = tenant_id
        self.call_id = call_id
        self.caller_id = caller_id


async def test_given_the_demo_customers_then_the_service_finds_them_and_the_timeline_says_so(
    seeded: Settings,
) -> None:
    tenant = await home_tenant_id()
    service = LookupCall()
    lent: list[Any] = []
    for call_id, caller in (("v", "+8613800138000"), ("b", "13900139000"), ("s", "5550100")):
        await calls.open_record(
            call_id, did="8000", caller_id=caller, tenant_id=tenant, flow_version_id=None
        )
        lent.append(Lent(tenant, call_id, caller))
    vip = await service.run(lent[0], {"identity": "100234", "field": "account_number"})
    assert (vip.outcome, vip.variables["customer_identity"]) == ("vip", "matched")
    assert vip.variables["customer_name"] == "张伟 Zhang Wei"
    wrong = await service.run(lent[0], {"identity": "1234", "field": "id_last6"})
    assert wrong.variables["customer_identity"] == "failed"
    barred = await service.run(lent[1], {})
    assert (barred.outcome, barred.variables["customer_identity"]) == ("blacklist", "not_checked")
    stranger = await service.run(lent[2], {"identity": "100234", "field": "account_number"})
    assert (stranger.outcome, stranger.variables["customer_id"]) == ("unknown", "")

    await calls.flush()
    entries = [
        (e.call_id, e.data)  # type: ignore[attr-defined]
        for e in await CallEvent.filter(kind="customer_lookup").order_by("id")
    ]
    customer_id = int(vip.variables["customer_id"])
    assert entries[0] == (
        "v",
        {
            "customer_id": customer_id,
            "standing": "vip",
            "identity": "matched",
            "field": "account_number",
        },
    )
    assert entries[1][1]["identity"] == "failed"
    assert entries[2] == (
        "b",
        {"customer_id": 2, "standing": "blacklist", "identity": "not_checked", "field": None},
    )
    assert entries[3][1] == {
        "customer_id": None,
        "standing": "unknown",
        "identity": "not_checked",
        "field": None,
    }
    assert "100234" not in str(entries), "the digits keyed stay off the timeline"
