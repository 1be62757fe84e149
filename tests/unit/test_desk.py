"""The agent desk (/desk): who gets one, the screen pop built before the phone
is answered (IVR data, masking, wait, history, business link), the agent's
own state buttons (audited) and the live stream's first event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hotline import calls
from hotline.desk import NotAnAgent, business_url, desk_for, mask
from hotline.models import AuditEntry, CallEvent, CallRecord, User
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.stand_in import StandInCenter
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api  # the fixture, re-exported
from tests.unit.ui_support import UiClient

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


# -- pure parts -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("110101199003077777", "**************7777"),
        ("12345", "***2345"),
        ("12", "***"),
        ("", "***"),
    ],
)
def test_given_a_masked_value_then_only_its_last_four_characters_show(
    value: str, shown: str
) -> None:
    assert mask(value) == shown


def test_given_a_url_template_then_values_are_filled_in_and_encoded() -> None:
    template = "https://crm.example/find?phone={caller_id}&account={account}&x={missing}"
    url = business_url(template, {"caller_id": "+86 10", "account": "A&B"})
    assert url == "https://crm.example/find?phone=%2B86%2010&account=A%26B&x="
    assert business_url("", {"caller_id": "1"}) is None


def test_given_a_screen_pop_url_that_is_not_a_web_address_then_settings_refuse_it() -> None:
    from hotline.settings import load_settings

    with pytest.raises(ValueError, match="HOTLINE_SCREEN_POP_URL"):
        load_settings({"HOTLINE_SCREEN_POP_URL": "javascript:alert(1)"})


# -- the desk from the live ACD and the call records --------------------------------------------
async def _ringing_call(center: StandInCenter, tenant: int) -> None:
    center.agents["1001"] = {
        "extension": "1001",
        "state": "ringing",
        "reason": None,
        "registered": True,
        "state_since": NOW.timestamp() - 3,
        "offered_call_id": "call-9;2",
        "connected_call_id": None,
    }
    center.call_contexts["call-9;2"] = {
        "call_id": "call-9;2",
        "caller_id": "5550142",
        "dialed_number": "8000",
        "queue": "support",
        "variables": {
            "caller_id": "5550142",
            "dialed_number": "8000",
            "call_id": "call-9;2",
            "language": "en",
            "account": "778899",
            "id_number": "110101199003077777",
        },
    }
    record = await CallRecord.create(
        call_id="call-9;2", tenant_id=tenant, caller_id="5550142", started_at=NOW
    )
    await CallEvent.create(
        call=record, at=NOW - timedelta(seconds=42), kind="queue_joined", data={"queue": "support"}
    )
    for days, agent, disposition in ((3, "1002", "answered"), (10, None, "abandoned")):
        await CallRecord.create(
            call_id=f"old-{days}",
            tenant_id=tenant,
            caller_id="5550142",
            agent_extension=agent,
            queue="support",
            disposition=disposition,
            started_at=NOW - timedelta(days=days),
        )
    await CallRecord.create(
        call_id="someone-else", tenant_id=tenant, caller_id="5550999", started_at=NOW
    )


async def test_given_a_ringing_call_then_the_pop_has_ivr_data_masked_wait_and_history(
    seeded: Settings,
) -> None:
    center = StandInCenter()
    tenant = await home_tenant_id()
    await _ringing_call(center, tenant)
    desk = await desk_for(
        center,
        "1001",
        tenant,
        NOW,
        url_template="https://crm.example/c?phone={caller_id}&id={id_number}",
        masked=("id_number",),
    )
    pop = desk.pop
    assert pop is not None
    assert (pop.stage, pop.caller_id, pop.dialed_number, pop.queue) == (
        "ringing",
        "5550142",
        "8000",
        "support",
    )
    assert dict(pop.variables) == {"account": "778899", "id_number": "**************7777"}
    assert pop.waited_s == pytest.approx(42)
    assert [(c["call_id"], c["agent"], c["disposition"]) for c in pop.previous_calls] == [
        ("old-3", "1002", "answered"),
        ("old-10", None, "abandoned"),
    ]
    # The link carries what the agent may see: never the unmasked ID number.
    assert (
        pop.business_url
        == "https://crm.example/c?phone=5550142&id=%2A%2A%2A%2A%2A%2A%2A%2A%2A%2A%2A%2A%2A%2A7777"
    )


async def test_given_no_call_then_the_desk_has_no_pop(seeded: Settings) -> None:
    desk = await desk_for(StandInCenter(), "1001", await home_tenant_id(), NOW)
    assert desk.status is not None and desk.status["state"] == "ready"
    assert desk.pop is None


@pytest.mark.parametrize("extension", [None, "", "4242"])
async def test_given_a_user_without_an_agent_extension_then_no_desk(
    seeded: Settings, extension: str | None
) -> None:
    with pytest.raises(NotAnAgent):
        await desk_for(StandInCenter(), extension, await home_tenant_id(), NOW)


# -- the page -----------------------------------------------------------------------------------
async def _agent_at(ui: UiClient, extension: str | None) -> None:
    await User.filter(username="agent").update(phone_extension=extension)
    await ui.login("agent")


async def test_given_an_agent_when_a_call_rings_then_the_page_pops_it(ui: UiClient) -> None:
    await _ringing_call(ui.center, await home_tenant_id())
    await _agent_at(ui, "1001")
    response = await ui.get("/desk")
    assert response.status_code == 200
    text = response.text
    assert 'data-testid="screen-pop"' in text and 'data-stage="ringing"' in text
    assert 'data-testid="pop-caller">5550142<' in text
    assert 'data-testid="pop-var-account">778899<' in text
    assert "110101199003077777" not in text, "the ID number is masked"
    assert 'data-testid="pop-history"' in text
    assert 'sse-connect="/desk/stream"' in text
    assert 'href="/desk"' in text, "the navigation offers the desk to an agent"


async def test_given_a_user_not_tied_to_an_agent_then_the_desk_says_so(ui: UiClient) -> None:
    await _agent_at(ui, None)
    response = await ui.get("/desk")
    assert response.status_code == 200
    assert 'data-testid="desk-not-an-agent"' in response.text
    refused = await ui.post("/desk/state", {"action": "login"})
    assert refused.status_code == 409
    assert ui.center.actions == []
    assert 'href="/desk"' not in response.text


@pytest.mark.parametrize(("role", "status"), [("auditor", 403), ("telecom_engineer", 403)])
async def test_given_a_role_without_the_desk_then_it_is_refused(
    ui: UiClient, role: str, status: int
) -> None:
    await User.filter(username=role).update(phone_extension="1001")
    await ui.login(role)
    response = await ui.post("/desk/state", {"action": "pause"})
    assert response.status_code == status


async def test_given_an_agent_when_pausing_with_a_reason_then_state_changes_and_is_audited(
    ui: UiClient,
) -> None:
    await _agent_at(ui, "1001")
    await ui.get("/desk")
    response = await ui.post(
        "/desk/state", {"action": "pause", "reason": "lunch"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert ui.center.actions[-1] == ("1001", "pause", "lunch")
    assert 'data-state="not_ready"' in response.text
    entry = await AuditEntry.filter(action="desk_agent_pause").first()
    assert entry is not None
    assert (entry.username, entry.object_id) == ("agent", "1001")
    assert entry.after == {"state": "not_ready", "reason": "lunch"}


async def test_given_an_unknown_pause_reason_then_the_desk_says_so_and_nothing_changes(
    ui: UiClient,
) -> None:
    await _agent_at(ui, "1001")
    await ui.get("/desk")
    response = await ui.post(
        "/desk/state", {"action": "pause", "reason": "nap"}, headers={"HX-Request": "true"}
    )
    assert 'data-testid="desk-refused"' in response.text
    assert ui.center.actions == []


async def test_given_an_agent_then_a_desk_action_only_ever_moves_their_own_extension(
    ui: UiClient,
) -> None:
    await _agent_at(ui, "1001")
    await ui.get("/desk")
    # A forged extension field is ignored: the desk acts on the user's own.
    await ui.post("/desk/state", {"action": "logout", "extension": "1002"})
    assert [action[0] for action in ui.center.actions] == ["1001"]


async def test_given_a_client_that_is_not_an_event_source_then_it_gets_one_desk(
    ui: UiClient,
) -> None:
    await _ringing_call(ui.center, await home_tenant_id())
    await _agent_at(ui, "1001")
    response = await ui.get("/desk/stream")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events: list[dict[str, Any]] = []
    for block in response.text.split("\r\n\r\n"):
        lines = [line for line in block.splitlines() if line]
        if any(line.startswith("event: desk") for line in lines):
            events.append(
                {"data": "\n".join(line[6:] for line in lines if line.startswith("data: "))}
            )
    assert len(events) == 1
    assert 'data-testid="screen-pop"' in events[0]["data"]


async def test_given_wrap_up_then_the_agent_may_extend_it_and_it_is_audited(
    ui: UiClient,
) -> None:
    ui.center.agents["1001"] = {
        "extension": "1001",
        "state": "wrap_up",
        "reason": None,
        "registered": True,
        "state_since": NOW.timestamp(),
        "wrap_up_ends_at": NOW.timestamp() + 20,
    }
    await _agent_at(ui, "1001")
    page = await ui.get("/desk")
    assert 'data-testid="desk-extend"' in page.text
    assert 'data-testid="desk-wrap-up-left"' in page.text
    response = await ui.post("/desk/state", {"action": "extend"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert ui.center.agents["1001"]["wrap_up_ends_at"] == NOW.timestamp() + 50
    assert await AuditEntry.exists(action="desk_agent_extend", object_id="1001")


async def test_given_no_wrap_up_then_extending_is_refused_on_the_desk(ui: UiClient) -> None:
    await _agent_at(ui, "1001")
    await ui.get("/desk")
    response = await ui.post("/desk/state", {"action": "extend"}, headers={"HX-Request": "true"})
    assert 'data-testid="desk-refused"' in response.text
    assert not await AuditEntry.exists(action="desk_agent_extend")


# -- the outcome of a call ------------------------------------------------------------------
async def _answered_by_1001(call_id: str = "done-1;2") -> None:
    now = datetime.now(UTC)
    await CallRecord.create(
        call_id=call_id,
        tenant_id=await home_tenant_id(),
        caller_id="5550160",
        queue="support",
        agent_extension="1001",
        started_at=now - timedelta(minutes=3),
        answered_at=now - timedelta(minutes=2),
        ended_at=now - timedelta(minutes=1),
        disposition="answered",
    )


async def test_given_a_call_just_ended_then_the_agent_records_its_outcome_and_it_is_audited(
    ui: UiClient,
) -> None:
    await _answered_by_1001()
    await _agent_at(ui, "1001")
    page = await ui.get("/desk")
    assert 'data-testid="desk-outcome"' in page.text
    assert 'value="follow_up"' in page.text  # the demo queue's codes
    response = await ui.post(
        "/desk/outcome",
        {"call_id": "done-1;2", "code": "follow_up", "notes": "Call back about the meter"},
        headers={"HX-Request": "true"},
    )
    assert 'data-testid="desk-outcome-saved"' in response.text
    record = await CallRecord.get(call_id="done-1;2")
    assert (record.agent_disposition, record.agent_notes) == (
        "follow_up",
        "Call back about the meter",
    )
    await calls.flush()  # timeline events go through the ordered writer
    assert await CallEvent.exists(call_id="done-1;2", kind="disposition")
    entry = await AuditEntry.get(action="desk_disposition")
    assert (entry.username, entry.object_id) == ("agent", "done-1;2")
    assert entry.after == {"disposition": "follow_up", "notes": "Call back about the meter"}


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"call_id": "done-1;2", "code": "nonsense", "notes": ""}, "code: &#39;nonsense&#39;"),
        ({"call_id": "done-1;2", "code": "resolved", "notes": "x" * 2001}, "notes: at most"),
        ({"call_id": "someone-elses", "code": "resolved", "notes": ""}, "not one of your calls"),
    ],
)
async def test_given_a_bad_outcome_then_the_desk_names_the_field_and_saves_nothing(
    ui: UiClient, form: dict[str, str], message: str
) -> None:
    await _answered_by_1001()
    await CallRecord.create(
        call_id="someone-elses",
        tenant_id=await home_tenant_id(),
        queue="support",
        agent_extension="1002",
        started_at=datetime.now(UTC),
    )
    await _agent_at(ui, "1001")
    await ui.get("/desk")
    response = await ui.post("/desk/outcome", form, headers={"HX-Request": "true"})
    assert message in response.text
    assert (await CallRecord.get(call_id="done-1;2")).agent_disposition is None
    assert not await AuditEntry.exists(action="desk_disposition")


# -- the same outcome through the API (a business system's own desk) -----------------
async def test_given_the_api_when_recording_an_outcome_then_it_is_the_answering_agents_and_audited(
    api: Api,
) -> None:
    await _answered_by_1001()
    events = api.center.bus.subscribe({"call"})
    response = await api.client.post(
        "/api/v1/calls/done-1;2/disposition",
        json={"code": "complaint", "notes": "Water pressure low"},
        headers=api.auth("supervisor"),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "call_id": "done-1;2",
        "agent": "1001",
        "disposition": "complaint",
        "notes": "Water pressure low",
    }
    record = await CallRecord.get(call_id="done-1;2")
    assert record.agent_disposition == "complaint"
    entry = await AuditEntry.get(action="call_disposition")
    assert (entry.source, entry.after["agent"]) == ("api", "1001")
    published = events.queue.get_nowait()
    assert (published.kind, published.data["disposition"]) == ("disposition", "complaint")

    refused = await api.client.post(
        "/api/v1/calls/done-1;2/disposition",
        json={"code": "nonsense"},
        headers=api.auth("supervisor"),
    )
    assert refused.status_code == 400
    assert refused.json()["details"] == {"field": "code"}
    assert (await CallRecord.get(call_id="done-1;2")).agent_disposition == "complaint"


async def test_given_a_browser_phone_agent_then_the_desk_has_the_phone_and_its_own_credentials(
    ui: UiClient,
) -> None:
    from hotline.models import Agent

    await Agent.filter(extension="1001").update(phone="browser")
    await _agent_at(ui, "1001")
    page = await ui.get("/desk")
    assert 'data-testid="browser-phone"' in page.text
    assert "/static/jssip-3.13.8.min.js" in page.text and "/static/desk-phone.js" in page.text
    password = (await Agent.get(extension="1001")).sip_password
    assert password not in page.text, "the page never carries the SIP password"
    response = await ui.get("/desk/phone")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "websocket_url": "ws://127.0.0.1:8088/ws",
        "sip_uri": "sip:1001@127.0.0.1",
        "username": "1001",
        "password": password,
        "display_name": "Agent 1001",
    }


async def test_given_a_desk_phone_agent_then_no_browser_phone_and_no_credentials(
    ui: UiClient,
) -> None:
    await _agent_at(ui, "1001")
    assert 'data-testid="browser-phone"' not in (await ui.get("/desk")).text
    assert (await ui.get("/desk/phone")).status_code == 409
    await _agent_at(ui, None)
    assert (await ui.get("/desk/phone")).status_code == 409


@pytest.mark.parametrize("role", ["auditor", "telecom_engineer"])
async def test_given_a_role_without_the_desk_then_no_phone_credentials(
    ui: UiClient, role: str
) -> None:
    from hotline.models import Agent

    await Agent.filter(extension="1001").update(phone="browser")
    await User.filter(username=role).update(phone_extension="1001")
    await ui.login(role)
    response = await ui.get("/desk/phone")
    assert response.status_code == 403
    assert (await Agent.get(extension="1001")).sip_password not in response.text


async def test_given_a_supervisor_whose_phone_is_a_browser_one_then_the_wallboard_has_it(
    ui: UiClient,
) -> None:
    from hotline.models import Agent

    await User.filter(username="supervisor").update(phone_extension="1002")
    await ui.login("supervisor")
    assert 'data-testid="browser-phone"' not in (await ui.get("/wallboard")).text
    await Agent.filter(extension="1002").update(phone="browser")
    page = (await ui.get("/wallboard")).text
    assert 'data-testid="browser-phone"' in page and "/static/desk-phone.js" in page
    assert "Browser phone 1002" in page
    big = (await ui.get("/wallboard?big=1")).text
    assert 'data-testid="browser-phone"' not in big, "the room's TV has no phone"
    assert (await ui.get("/desk/phone")).json()["username"] == "1002"


async def test_given_a_queue_callback_ringing_the_agent_then_the_pop_says_it_is_a_callback(
    ui: UiClient,
) -> None:
    await _ringing_call(ui.center, await home_tenant_id())
    ui.center.call_contexts["call-9;2"]["is_callback"] = True
    await _agent_at(ui, "1001")

    text = (await ui.get("/desk")).text

    assert 'data-testid="pop-callback"' in text
    assert "asked to be called back" in text


async def test_given_an_ordinary_call_then_the_pop_does_not_say_callback(ui: UiClient) -> None:
    await _ringing_call(ui.center, await home_tenant_id())
    await _agent_at(ui, "1001")

    assert 'data-testid="pop-callback"' not in (await ui.get("/desk")).text
