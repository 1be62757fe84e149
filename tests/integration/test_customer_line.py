"""Customer records on real calls: the flow's ``customer`` node routes a
caller by their record (a blacklisted caller is refused, a VIP waits at the
queue's VIP priority), and a known caller's keyed account number is checked
against their record before the record shows account details.

The demo menu (DID 8000) is given a ``customer`` node in front for the
test and put back after, as test_flow_nodes.py does; the customers are
made through the API with numbers of their own each run."""

from __future__ import annotations

import copy
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import wait_until

pytestmark = pytest.mark.asterisk

DID = "8000"
VIP_PRIORITY = 10  # the demo queue's (Queue.vip_priority's default)


def _mobile() -> str:
    """A valid Chinese mobile number nobody else in the database has."""
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


def _collect(next_node: str, on_invalid: str) -> dict[str, Any]:
    return {
        "kind": "collect",
        "variable": "account",
        "prompt": ["sound:vm-enter-num-to-call"],
        "min_length": 1,
        "max_length": 12,
        "first_digit_timeout_s": 8,
        "inter_digit_timeout_s": 4,
        "max_attempts": 2,
        "next": next_node,
        "on_invalid": on_invalid,
    }


def _customer_line(draft: dict[str, Any]) -> dict[str, Any]:
    """The demo menu behind a customer look-up: blacklisted callers refused,
    VIPs straight to the queue, known callers asked their account number."""
    line = copy.deepcopy(draft)
    menu_start = line["start"]
    line["start"] = "who"
    line["nodes"].update(
        {
            "who": {
                "kind": "customer",
                "branches": {"blacklist": "refuse", "vip": "agent", "known": "ask_account"},
                "next": menu_start,
            },
            "ask_account": _collect("check", "refuse"),
            "check": {
                "kind": "customer",
                "identity": "${account}",
                "identity_field": "account_number",
                "on_identity_failed": "ask_again",
                "next": "agent",
            },
            "ask_again": _collect("check_again", "refuse"),
            "check_again": {
                "kind": "customer",
                "identity": "${account}",
                "on_identity_failed": "refuse",
                "next": "agent",
            },
            "agent": {"kind": "queue", "queue": "support"},
            "refuse": {
                "kind": "hangup",
                "media": ["sound:vm-goodbye"],
                "reason": "customer_refused",
            },
        }
    )
    return line


@pytest.fixture
async def customer_line(api: Api) -> AsyncIterator[None]:
    """The customer line on DID 8000 while the test runs; agents paused so a
    caller waits in the queue where their priority can be seen."""
    flows = await api.get("/flows")
    flow = next(f for f in flows if f["name"] == "Main menu")
    before = await api.get(f"/flows/{flow['id']}")
    paused: list[str] = []
    try:
        saved = await api.put(f"/flows/{flow['id']}/draft", _customer_line(before["draft"]))
        assert saved["issues"] == [], saved["issues"]
        await api.post(f"/flows/{flow['id']}/publish")
        for extension in ("1001", "1002"):
            if (await api.get(f"/agents/{extension}"))["state"] == "ready":
                await api.post(f"/agents/{extension}/pause", {"reason": "break"})
                paused.append(extension)
        yield
    finally:
        await api.put(f"/flows/{flow['id']}/draft", before["draft"])
        await api.post(f"/flows/{flow['id']}/publish")
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


async def test_given_a_blacklisted_caller_then_the_flow_refuses_them(
    api: Api, harness: AriHarness, customer_line: None, clean_pbx: None
) -> None:
    number = _mobile()
    await api.post(
        "/customers",
        {
            "name": "Abusive caller",
            "numbers": [number],
            "marks": [{"kind": "blacklist", "reason": "test", "expires_at": "2099-12-31"}],
        },
    )
    caller = await harness.call(DID, caller_id=number)

    async def refused() -> bool:
        return await _entered(api, caller, "refuse") and not await caller.is_up()

    await wait_until(refused, 20, "the blacklisted caller to be refused and hung up on")
    assert [e["standing"] for e in await _lookups(api, caller)] == ["blacklist"]
    assert not await _entered(api, caller, "agent")


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
