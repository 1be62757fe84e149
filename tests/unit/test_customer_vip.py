"""A VIP customer's caller gets the queue's VIP priority: the ACD core's
decision (pure), the index the ACD asks as each caller arrives (a mark that
counts now, in the queue's tenant), and the call's timeline saying so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ari_apps.acd import Acd, AgentNotReady, CallerArrived, CallerQueued, OverflowTarget, Tick
from ari_apps.app import CallCenter
from ari_apps.ari.fake_server import FakeAriServer
from hotline import calls
from hotline.center import Actor
from hotline.customers import services, vip
from hotline.models import CallEvent, Queue, Tenant
from hotline.models_customers import Customer, CustomerMark
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from hotline.writer import WRITER
from tests.unit.test_acd_callers import answer_next
from tests.unit.test_acd_helpers import T0, agent, bring_online, of_type, queue

# The demo's VIP (hotline/customers/demo.py): 张伟, two numbers.
DEMO_VIP = "13800138000"
DEMO_VIP_LANDLINE = "01065529988"
DEMO_BLACKLISTED = "13900139000"


def _paused(*queues: object, agent_queues: tuple[str, ...] = ("sales",)) -> Acd:
    acd = Acd(list(queues) or [queue()], [agent("a", queues=agent_queues)])  # type: ignore[arg-type]
    bring_online(acd, "a")
    acd.handle(AgentNotReady(T0, "a", "setup"))
    return acd


def test_given_a_vip_customer_then_the_queue_raises_them_to_its_vip_priority() -> None:
    config = queue(vip_priority=7)
    assert config.effective_priority(0, "+8613800138000", vip=True) == 7
    assert config.effective_priority(9, "+8613800138000", vip=True) == 9  # never lowered
    assert config.effective_priority(0, "+8613800138000") == 0


def test_given_a_vip_arriving_later_then_they_are_served_first() -> None:
    acd = _paused(queue(vip_priority=7))
    acd.handle(CallerArrived(T0, "earlier", "sales", priority=3))
    queued = of_type(acd.handle(CallerArrived(T0 + 1, "vip", "sales", vip=True)), CallerQueued)
    assert queued[0].priority == 7
    assert answer_next(acd, "a", T0 + 10) == "vip"


def test_given_a_vip_overflowing_then_the_next_queue_gives_its_own_vip_priority() -> None:
    sales = queue("sales", max_wait_s=60, overflow=OverflowTarget("queue", "backup"))
    backup = queue("backup", vip_priority=20)
    acd = _paused(sales, backup, agent_queues=("sales", "backup"))
    acd.handle(CallerArrived(T0, "vip", "sales", vip=True))
    acd.handle(Tick(T0 + 60))
    (waiting,) = acd.queue_status("backup", T0 + 60).waiting
    assert (waiting.call_id, waiting.priority) == ("vip", 20)


async def test_given_the_demo_vip_then_every_form_of_their_numbers_is_vip_in_their_queues(
    seeded: Settings,
) -> None:
    vip.invalidate()
    assert await vip.is_vip_caller("support", DEMO_VIP)
    assert await vip.is_vip_caller("support", "+86" + DEMO_VIP)
    assert await vip.is_vip_caller("support", DEMO_VIP_LANDLINE)
    assert not await vip.is_vip_caller("support", DEMO_BLACKLISTED)
    assert not await vip.is_vip_caller("support", "")
    assert not await vip.is_vip_caller("support", "1001")


async def test_given_another_tenants_queue_then_the_vip_is_nobody_special_there(
    seeded: Settings,
) -> None:
    other = await Tenant.create(name="other")
    await Queue.create(tenant=other, name="elsewhere")
    assert not await vip.is_vip_caller("elsewhere", DEMO_VIP)


async def test_given_the_vip_mark_expires_or_is_revoked_then_it_counts_no_more(
    seeded: Settings,
) -> None:
    tenant = await home_tenant_id()
    customer = await Customer.get(tenant_id=tenant, account_number="SH-100234")
    mark = await CustomerMark.get(customer=customer, kind="vip")
    now = datetime.now(UTC)
    mark.expires_at = now + timedelta(minutes=5)
    await mark.save()  # the save drops the index: no 30 s wait
    assert await vip.is_vip_caller("support", DEMO_VIP, now)
    assert not await vip.is_vip_caller("support", DEMO_VIP, now + timedelta(minutes=5))
    await services.revoke_mark(
        tenant, Actor("supervisor", "10.0.0.7", tenant), customer.id, mark.id
    )
    assert not await vip.is_vip_caller("support", DEMO_VIP, now)


async def test_given_the_demo_vip_calls_then_the_acd_queues_them_at_vip_priority_and_says_so(
    seeded: Settings, call_center: CallCenter, ari: FakeAriServer
) -> None:
    await call_center.reload_config()
    ari.respond("GET", "/bridges/hl-q-c1", status=404, body={"message": "Bridge not found"})
    ari.respond("GET", "/bridges/hl-q-c2", status=404, body={"message": "Bridge not found"})
    for call_id, caller in (("c1", "5550100"), ("c2", DEMO_VIP)):
        await calls.open_record(
            call_id, did="8000", caller_id=caller, tenant_id=None, flow_version_id=None
        )
        await call_center.acd.enqueue(call_id, call_id, "support", 0, caller)
    status = call_center.queue_status("support")
    assert status is not None
    assert [(w["call_id"], w["priority"]) for w in status["waiting"]] == [("c2", 10), ("c1", 0)]
    await calls.flush()
    assert await CallEvent.filter(call_id="c2", kind="customer_vip").exists()
    assert not await CallEvent.filter(call_id="c1", kind="customer_vip").exists()
    await WRITER.flush()
