"""Tenant scoping of calls that run no flow, and of what a call can reach.

* A call with no flow (voicemail access on 8500/*98, a fax DID) counts for
  the calling agent's tenant, else the dialled number's, else the home one.
* The phone menu opens only that tenant's boxes: another tenant's box with
  its own right PIN answers as an unknown box does, and lockouts and refused
  call-backs are audited for the call's tenant.
* Agent endpoints carry their tenant's accountcode, and a flow's transfer
  to an extension marks the channel with the flow's tenant before handing it
  to [hotline-agents], which compares the two (the real-call side is
  tests/integration/test_tenant_calls.py).
* A published version naming another tenant's prompt plays silence instead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ari_apps.app import CallCenter
from ari_apps.ari import AriClient
from ari_apps.ari.events import parse_event
from ari_apps.ari.fake_server import FakeAriServer
from ari_apps.ivr import routes
from ari_apps.ivr.commands import Transfer
from ari_apps.ivr.runner import FlowRunner
from ari_apps.provisioning import agent_objects
from hotline import calls, dial_policy, outbound_guard, seed, tenancy
from hotline.models import Agent, AuditEntry, CallRecord, Did, Flow, FlowVersion, Tenant
from hotline.models_fax import FaxDid
from hotline.models_prompts import Prompt
from hotline.models_voicemail import VoicemailMessage
from hotline.settings import Settings
from tests.unit.test_prompt_convert import make_wav
from tests.unit.test_vm_services import Vm
from tests.unit.test_vm_services import vm as vm
from vm import access_store, pin_guard
from vm.access_core import CheckPin, DeleteMessage, LoadMessages
from vm.mailboxes import box_by_number
from vm.messages import store_message
from vm.pin_guard import PinCheck
from vm.services import DEMO_BOX

pytestmark = pytest.mark.security

WRONG = "000000"


async def water() -> Tenant:
    return await Tenant.create(name="water")


# -- whose call is it ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("channel_name", "endpoint"),
    [
        ("PJSIP/1001-0000002a", "1001"),
        ("PJSIP/demo-trunk-00000003", "demo-trunk"),
        ("Local/8500@from-pstn-00000001;2", None),
        ("PJSIP/", None),
        (None, None),
        ("", None),
    ],
)
def test_the_pjsip_endpoint_is_read_from_the_channel_name(
    channel_name: str | None, endpoint: str | None
) -> None:
    assert tenancy.pjsip_endpoint_of(channel_name) == endpoint


async def test_given_a_call_with_no_flow_then_its_tenant_comes_from_phone_then_number(
    seeded: Settings,
) -> None:
    home = await tenancy.home_tenant_id()
    other = await water()
    await Agent.create(tenant=other, extension="2001", sip_password="x")
    flow = await Flow.create(tenant=other, name="water menu", draft={})
    await Did.create(number="8100", tenant=other, flow=flow)
    await FaxDid.create(number="8199", tenant=other, email="")

    async def of(endpoint: str | None, dialled: str | None) -> int:
        return await tenancy.tenant_of_call(caller_endpoint=endpoint, dialled=dialled)

    assert await of("2001", "*98") == other.id
    assert await of(seed.DEMO_AGENTS[0], "8100") == home  # the phone comes first
    assert await of(None, "8100") == other.id
    assert await of(None, "8199") == other.id
    assert await of("demo-trunk", "8500") == home
    assert await of(None, None) == home


async def test_given_an_agent_of_another_tenant_dials_star98_then_the_call_is_that_tenants(
    seeded: Settings, ari: FakeAriServer, call_center: CallCenter
) -> None:
    other = await water()
    await Agent.create(tenant=other, extension="2001", sip_password="x")
    event = {
        "type": "StasisStart",
        "application": "hotline",
        "args": ["service", "voicemail.access"],
        "channel": {
            "id": "star98",
            "name": "PJSIP/2001-00000007",
            "state": "Up",
            "caller": {"number": "2001"},
            "dialplan": {"context": "hotline-agents", "exten": "*98", "priority": 2},
        },
    }
    await call_center.on_channel_event(parse_event(event))
    await calls.flush()
    record = await CallRecord.get(call_id="star98")
    assert record.tenant_id == other.id
    context = call_center.service_calls["star98"]
    assert context.tenant_id == other.id
    await call_center.on_channel_event(
        parse_event({"type": "StasisEnd", "application": "hotline", "channel": {"id": "star98"}})
    )


# -- the phone menu ----------------------------------------------------------------------
async def leave(box: str = DEMO_BOX) -> int:
    target = await box_by_number(box)
    message = await store_message(target, "5550100", make_wav(1.0), None, "call-1")
    return message.id


async def test_given_a_call_of_another_tenant_then_a_demo_box_with_its_pin_does_not_open(
    vm: Vm, seeded: Settings
) -> None:
    other = await water()
    home = await tenancy.home_tenant_id()
    message_id = await leave()
    pin = seeded.demo_vm_pin
    foreign = access_store.Asker("5550101", seeded, other.id)
    own = access_store.Asker("5550102", seeded, home)

    refused = await access_store.answer("r1", CheckPin(DEMO_BOX, pin), {}, foreign)
    unknown = await access_store.answer("r2", CheckPin("4242", pin), {}, foreign)
    assert (refused.ok, refused.error) == (False, "login incorrect")
    assert (unknown.ok, unknown.error) == (refused.ok, refused.error)
    assert (await access_store.answer("r3", CheckPin(DEMO_BOX, pin), {}, own)).ok

    listed = await access_store.answer("r4", LoadMessages(DEMO_BOX), {}, foreign)
    deleted = await access_store.answer("r5", DeleteMessage(str(message_id)), {}, foreign)
    assert not listed.ok and not deleted.ok
    assert await VoicemailMessage.filter(id=message_id).exists()
    assert (await access_store.answer("r6", LoadMessages(DEMO_BOX), {}, own)).ok


async def test_given_a_lockout_from_another_tenants_call_then_its_audit_row_is_that_tenants(
    vm: Vm, seeded: Settings
) -> None:
    other = await water()
    at = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    results = [
        await pin_guard.check(
            DEMO_BOX, "5550666", WRONG, at + timedelta(minutes=i), tenant_id=other.id
        )
        for i in range(5)
    ]
    assert results[-1] is PinCheck.LOCKED
    rows = await AuditEntry.filter(action="voicemail_pin_locked")
    assert rows and {row.tenant_id for row in rows} == {other.id}


async def test_given_a_refused_call_back_then_the_audit_row_is_the_calls_tenant(
    seeded: Settings,
) -> None:
    other = await water()
    refusal = await outbound_guard.authorize(
        dial_policy.CALLBACK, "5550100", "0090012345678", seeded, tenant_id=other.id
    )
    assert refusal is not None
    row = await AuditEntry.filter(action=f"{dial_policy.CALLBACK}_refused").first()
    assert row is not None and row.tenant_id == other.id


# -- extensions: the accountcode mark ---------------------------------------------------
def test_given_a_tenant_then_its_agent_endpoints_carry_its_accountcode() -> None:
    objects = agent_objects("2001", "pw", accountcode=tenancy.tenant_accountcode(7))
    assert objects["endpoint"]["accountcode"] == "hotline-tenant-7"
    assert "accountcode" not in agent_objects("2001", "pw")["endpoint"]


def _runner(client: AriClient, tenant_id: int | None) -> FlowRunner:
    from unittest.mock import MagicMock

    session = MagicMock()
    session.call_id = "call-t"

    async def no_queue(*_args: Any) -> None:
        return None

    return FlowRunner(
        client, session, "chan-t", http=MagicMock(), on_enter_queue=no_queue, tenant_id=tenant_id
    )


async def test_given_a_transfer_to_an_extension_then_the_channel_is_marked_first(
    seeded: Settings, ari: FakeAriServer, client: AriClient
) -> None:
    await calls.open_record(
        "call-t", did="8000", caller_id="5550100", tenant_id=None, flow_version_id=None
    )
    runner = _runner(client, 3)
    await runner._execute([Transfer("1002", "extension")])
    paths = [(r.method, r.path, r.query) for r in ari.requests]
    marked = paths.index(
        (
            "POST",
            "/channels/chan-t/variable",
            {"variable": "CHANNEL(accountcode)", "value": "hotline-tenant-3"},
        )
    )
    continued = next(i for i, p in enumerate(paths) if p[1] == "/channels/chan-t/continue")
    assert marked < continued
    assert ari.requests[continued].query["context"] == "hotline-agents"


async def test_given_a_transfer_to_the_pstn_then_no_mark_is_set(
    seeded: Settings, ari: FakeAriServer, client: AriClient
) -> None:
    await calls.open_record(
        "call-t", did="8000", caller_id="5550100", tenant_id=None, flow_version_id=None
    )
    await _runner(client, 3)._execute([Transfer("5550199", "external")])
    assert not [r for r in ari.requests if r.path.endswith("/variable")]


# -- stale versions and other tenants' prompts ---------------------------------------------
async def _prompt(name: str, tenant: Tenant | None) -> None:
    await Prompt.create(name=name, duration_s=1.0, size_bytes=1, sha256="0" * 64, tenant=tenant)


async def test_given_a_stale_version_naming_another_tenants_prompt_then_silence_plays_instead(
    seeded: Settings,
) -> None:
    other = await water()
    await _prompt("water-welcome", other)
    await _prompt("water-own", other)
    flow = await Flow.create(tenant=other, name="stale", draft={})
    home_prompt = "home-secret"
    await _prompt(home_prompt, await Tenant.get(id=await tenancy.home_tenant_id()))
    definition = {
        "start": "hello",
        "nodes": {
            "hello": {
                "kind": "play",
                "media": [f"prompt:{home_prompt}", "prompt:water-own", "prompt:gone"],
                "next": "bye",
            },
            "bye": {"kind": "hangup"},
        },
    }
    version = await FlowVersion.create(flow=flow, version=1, definition=definition)
    flow.published_version_id = version.id
    await flow.save()
    await Did.create(number="8101", tenant=other, flow=flow)
    routes.invalidate()

    route = await routes.route_for("8101")
    assert isinstance(route, routes.FlowRoute)
    played = route.definition.nodes["hello"].media()
    assert played == (routes.FOREIGN_PROMPT_STANDIN, "prompt:water-own", "prompt:gone")
