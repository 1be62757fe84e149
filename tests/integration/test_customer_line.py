"""Customer records on real calls through the demo's customer line (DID
8800, flow "Customer line", ari_apps/customers/demo.py): the flow's
``customer`` node routes a caller by their record (a blacklisted caller is
refused, a VIP waits at the queue's VIP priority), and a known caller's
keyed account number is checked against their record before the record
shows account details.

The customers are made through the API with numbers of their own each run,
except the demo's own blacklisted customer, whose call proves the seeded
demo."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import wait_for_prompts, wait_until

pytestmark = pytest.mark.asterisk

DID = "8800"
VIP_PRIORITY = 10  # the demo queue's (Queue.vip_priority's default)
DEMO_BLACKLISTED_NUMBER = "13900139000"  # 李娜 (hotline/customers/demo.py)
LINE_PROMPTS = ("customer-account", "customer-account-again", "customer-refused")


def _mobile() -> str:
    """A valid Chinese mobile number nobody else in the database has."""
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


@pytest.fixture
async def customer_line(api: Api) -> AsyncIterator[None]:
    """The line's prompts drafted, and the agents paused while the test runs
    so a caller waits in the queue where their priority can be seen."""
    await wait_for_prompts(api, LINE_PROMPTS)
    paused: list[str] = []
    try:
        for extension in ("1001", "1002"):
            if (await api.get(f"/agents/{extension}"))["state"] == "ready":
                await api.post(f"/agents/{extension}/pause", {"reason": "break"})
                paused.append(extension)
        yield
    finally:
        for extension in paused:
            await api.post(f"/agents/{extension}/ready")


async def _timeline(api: Api, caller: SimCaller) -> list[dict[str, Any]]:
    detail: dict[str, Any] = await api.get(f"/calls/{caller.channel_id};2")
    timeline: list[dict[str, Any]] = detail["timeline"]
    return timeline


async def _lookups(api: Api, caller: SimCaller) -> list[dict[str, Any]]:
    return [e["data"] for e in await _timeline(api, caller) if e["kind"] == "customer_lookup"]


async def _entered(api: Api, caller: SimCaller, node: str) -> bool:
    return any(
        e["kind"] == "node" and e["data"].get("node") == node for e in await _timeline(api, caller)
    )


async def test_given_a_vip_calling_then_they_wait_in_the_queue_at_its_vip_priority(
    api: Api, harness: AriHarness, customer_line: None, clean_pbx: None
) -> None:
    number = _mobile()
    vip = await api.post(
        "/customers",
        {"name": "VIP caller", "numbers": [number], "marks": [{"kind": "vip", "reason": "test"}]},
    )
    caller = await harness.call(DID, caller_id=number)
    call_id = f"{caller.channel_id};2"

    async def waiting_as_vip() -> bool:
        status = await api.get("/queues/support")
        return any(
            w["call_id"] == call_id and w["priority"] == VIP_PRIORITY for w in status["waiting"]
        )

    await wait_until(waiting_as_vip, 15, "the VIP to wait at the queue's VIP priority")
    assert await _lookups(api, caller) == [
        {"customer_id": vip["id"], "standing": "vip", "identity": "not_checked", "field": None}
    ]
    assert any(e["kind"] == "customer_vip" for e in await _timeline(api, caller))
    await caller.hangup()


async def test_given_the_demos_blacklisted_customer_calling_then_the_line_refuses_them(
    api: Api, harness: AriHarness, customer_line: None, clean_pbx: None
) -> None:
    caller = await harness.call(DID, caller_id=DEMO_BLACKLISTED_NUMBER)

    async def refused() -> bool:
        return await _entered(api, caller, "refuse") and not await caller.is_up()

    await wait_until(refused, 30, "the blacklisted caller to be refused and hung up on")
    assert [e["standing"] for e in await _lookups(api, caller)] == ["blacklist"]
    assert not await _entered(api, caller, "agent")


async def test_given_a_nuisance_caller_then_the_line_refuses_them(
    api: Api, harness: AriHarness, customer_line: None, clean_pbx: None
) -> None:
    number = _mobile()
    await api.post(
        "/customers",
        {
            "name": "Silent caller",
            "numbers": [number],
            "marks": [{"kind": "nuisance", "reason": "test", "expires_at": "2099-12-31"}],
        },
    )
    caller = await harness.call(DID, caller_id=number)

    async def refused() -> bool:
        return await _entered(api, caller, "refuse") and not await caller.is_up()

    await wait_until(refused, 30, "the nuisance caller to be refused and hung up on")
    assert [e["standing"] for e in await _lookups(api, caller)] == ["nuisance"]


async def test_given_a_known_caller_then_account_details_show_only_once_their_keyed_account_matches(
    api: Api, harness: AriHarness, customer_line: None, clean_pbx: None
) -> None:
    number = _mobile()
    account = "".join(random.choice("0123456789") for _ in range(6))
    customer = await api.post(
        "/customers",
        {"name": "Known caller", "numbers": [number], "account_number": f"SH-{account}"},
    )
    caller = await harness.call(DID, caller_id=number)
    call_id = f"{caller.channel_id};2"
    await wait_until(lambda: _entered(api, caller, "ask_account"), 15, "the account question")
    await caller.listen(1.5)
    await caller.press("999#")

    async def asked_again() -> bool:
        return await _entered(api, caller, "ask_again")

    await wait_until(asked_again, 20, "a wrong account number to be asked again")
    record = await api.get(f"/customers/{customer['id']}?call_id={call_id}")
    assert (record["identity"], record["account"]) == ("failed", None)

    await caller.listen(1.5)
    await caller.press(account + "#")

    async def matched() -> bool:
        return any(e["identity"] == "matched" for e in await _lookups(api, caller))

    await wait_until(matched, 20, "the right account number to match")
    assert [e["identity"] for e in await _lookups(api, caller)] == [
        "not_checked",
        "failed",
        "matched",
    ]
    assert "999" not in str(await _lookups(api, caller)), "keyed digits stay off the timeline"
    record = await api.get(f"/customers/{customer['id']}?call_id={call_id}")
    assert record["identity"] == "matched"
    assert record["account"]["account_number"] == f"SH-{account}"
    await wait_until(lambda: _entered(api, caller, "agent"), 10, "the caller to reach the queue")
    await caller.hangup()


async def test_given_a_known_caller_failing_the_check_twice_then_an_agent_takes_them_unchecked(
    api: Api, harness: AriHarness, customer_line: None, clean_pbx: None
) -> None:
    number = _mobile()
    customer = await api.post(
        "/customers", {"name": "Forgetful caller", "numbers": [number], "account_number": "SH-4242"}
    )
    caller = await harness.call(DID, caller_id=number)
    call_id = f"{caller.channel_id};2"
    for question in ("ask_account", "ask_again"):
        await wait_until(
            lambda node=question: _entered(api, caller, node),
            20,
            f"the node {question}",
        )
        await caller.listen(1.5)
        await caller.press("1111#")

    await wait_until(lambda: _entered(api, caller, "agent"), 20, "the caller to reach the queue")
    assert [e["identity"] for e in await _lookups(api, caller)] == [
        "not_checked",
        "failed",
        "failed",
    ]
    record = await api.get(f"/customers/{customer['id']}?call_id={call_id}")
    assert (record["identity"], record["account"]) == ("failed", None)
    await caller.hangup()
