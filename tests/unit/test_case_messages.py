"""SMS and email to citizens without Asterisk: the case's messages are
queued with the case change, delivered to a real HTTP gateway on loopback
(an aiohttp server here; the sandbox's simulator in the app), retried after
a refusal and failed at last, each try on the row; templates edited per
event, channel and language."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from hotline.cases import messages, services
from hotline.center import Actor
from hotline.models_cases import CaseMessage, SimulatedSms
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient


@dataclasses.dataclass
class Gateway:
    url: str
    received: list[dict[str, Any]]
    headers: list[str]
    status: int = 201


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    state = Gateway("", [], [])

    async def send(request: web.Request) -> web.Response:
        state.received.append(await request.json())
        state.headers.append(request.headers.get("Authorization", ""))
        return web.json_response({"id": f"gw-{len(state.received)}"}, status=state.status)

    app = web.Application()
    app.router.add_post("/send", send)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/send"
    try:
        yield state
    finally:
        await runner.cleanup()


async def _actor() -> Actor:
    return Actor("agent1001", "127.0.0.1", await home_tenant_id())


async def test_given_a_case_taken_in_and_answered_then_the_caller_gets_both_sms(
    ui: UiClient, seeded: Settings, gateway: Gateway
) -> None:
    settings = dataclasses.replace(seeded, sms_gateway_url=gateway.url, sms_gateway_token="t0ken")
    tenant = await home_tenant_id()
    case = await services.create_case(
        tenant,
        await _actor(),
        {
            "category": "投诉",
            "subject": "Leak",
            "caller_number": "+8613800000010",
            "department": "billing",
        },
    )
    assert await messages.deliver_due(datetime.now(UTC), settings) == 1
    (received,) = gateway.received
    assert received["to"] == "+8613800000010" and case["number"] in received["text"]
    assert gateway.headers == ["Bearer t0ken"]
    await services.act(
        tenant,
        Actor("billing", "", tenant),
        case["id"],
        {"action": "reply", "note": "fixed", "result": "solved"},
    )
    closed = await services.act(
        tenant, Actor("supervisor", "", tenant), case["id"], {"action": "close"}
    )
    assert await messages.deliver_due(datetime.now(UTC), settings) == 1
    replied = gateway.received[1]["text"]
    assert case["number"] in replied and "已解决" in replied  # the result's label
    assert [(m["event"], m["status"]) for m in closed["messages"]] == [
        ("case_received", "sent"),
        ("case_replied", "queued"),
    ]
    assert [(m.event, m.status, m.gateway_id) for m in await CaseMessage.all().order_by("id")] == [
        ("case_received", "sent", "gw-1"),
        ("case_replied", "sent", "gw-2"),
    ]


async def test_given_a_gateway_that_refuses_then_the_message_is_retried_then_failed(
    ui: UiClient, seeded: Settings, gateway: Gateway
) -> None:
    settings = dataclasses.replace(seeded, sms_gateway_url=gateway.url, sms_gateway_token="x")
    gateway.status = 503
    tenant = await home_tenant_id()
    await services.create_case(
        tenant, await _actor(), {"category": "咨询", "subject": "Hours", "caller_number": "5550123"}
    )
    now = datetime.now(UTC)
    for attempt in range(1, 5):
        assert await messages.deliver_due(now, settings) == 0
        row = await CaseMessage.get()
        assert row.attempts == attempt and "503" in row.last_error
        if attempt < 4:
            assert row.status == "queued" and row.next_attempt_at is not None
            assert await messages.deliver_due(now, settings) == 0  # not due yet
            now = row.next_attempt_at + timedelta(seconds=1)
    assert (await CaseMessage.get()).status == "failed"
    assert len(gateway.received) == 4


async def test_given_an_answer_at_first_contact_then_no_message_is_sent(
    ui: UiClient,
) -> None:
    await services.create_case(
        await home_tenant_id(),
        await _actor(),
        {
            "category": "咨询",
            "subject": "Hours",
            "caller_number": "5550123",
            "first_contact_resolved": True,
        },
    )
    assert not await CaseMessage.exists()


async def test_the_simulator_takes_messages_with_the_token_only(
    ui: UiClient, seeded: Settings
) -> None:
    ui.app.state.settings = dataclasses.replace(seeded, sms_gateway_token="s3cret")  # type: ignore[union-attr]
    body = {"to": "5550123", "text": "hello 202612050001", "reference": "7"}
    refused = await ui.client.post("/sms-simulator/messages", json=body)
    assert refused.status_code == 401
    taken = await ui.client.post(
        "/sms-simulator/messages", json=body, headers={"Authorization": "Bearer s3cret"}
    )
    assert taken.status_code == 201 and taken.json()["id"].startswith("sim-")
    listed = await ui.client.get(
        "/sms-simulator/messages", headers={"Authorization": "Bearer s3cret"}
    )
    assert [m["text"] for m in listed.json()] == ["hello 202612050001"]
    assert await SimulatedSms.all().count() == 1


async def test_given_an_edited_template_then_the_next_message_uses_it(ui: UiClient) -> None:
    await ui.login("administrator")
    saved = await ui.post(
        "/cases/settings/templates",
        {
            "event": "case_received",
            "channel": "sms",
            "language": "zh-CN",
            "text": "编号 ${number}，谢谢。",
        },
    )
    assert saved.status_code == 303
    await services.create_case(
        await home_tenant_id(),
        await _actor(),
        {"category": "建议", "subject": "Bus stop", "caller_number": "5550123"},
    )
    row = await CaseMessage.get()
    assert row.text.startswith("编号 2") and row.text.endswith("，谢谢。")
    bad = await ui.post(
        "/cases/settings/templates",
        {"event": "birthday", "channel": "sms", "language": "zh-CN", "text": "x"},
    )
    assert bad.status_code == 422 and ui.last.context["error_field"] == "event"


async def test_given_a_caller_email_then_the_case_number_reaches_a_real_smtp_server(
    ui: UiClient, seeded: Settings
) -> None:
    from tests.integration.smtp import SMTP_HOST, start_smtp_server

    controller, inbox = start_smtp_server()
    try:
        settings = dataclasses.replace(seeded, smtp_host=SMTP_HOST, smtp_port=controller.port)
        case = await services.create_case(
            await home_tenant_id(),
            await _actor(),
            {
                "category": "咨询",
                "subject": "Hours",
                "caller_email": "li@example.test",
                "language": "en",
            },
        )
        assert await messages.deliver_due(datetime.now(UTC), settings) == 1
        (mail,) = inbox.messages
        assert mail["To"] == "li@example.test" and case["number"] in mail["Subject"]
        assert case["number"] in mail.get_content()
        assert (await CaseMessage.get()).status == "sent"
    finally:
        controller.stop()
