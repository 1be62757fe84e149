"""The wallboard page (/wallboard) and its server-sent updates (/wallboard/stream).

The real-browser test (tests/integration/test_wallboard_live.py) proves the
update reaches a Chromium within a second of a real call; here the page's
context, permissions and the stream's event logic are pinned without one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import Request

from admin_ui.wallboard import http as wallboard_http
from hotline.accounts.principal import Principal
from hotline.permissions import BUILTIN_ROLES
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient


async def test_given_a_supervisor_then_the_board_shows_every_queue_and_agent_state(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.get("/wallboard")
    assert response.status_code == 200
    assert ui.last.template == "wallboard/page.html"
    context = ui.last.context
    assert [queue["name"] for queue in context["queues"]]
    assert [group["state"] for group in context["agent_groups"]] == [
        "ready",
        "ringing",
        "on_call",
        "wrap_up",
        "not_ready",
        "logged_out",
    ]
    # Nothing offered yet: every rate is "–", never 0 % or 100 %.
    first = context["queues"][0]
    assert first["today"]["service_level"] == "–" and first["today"]["abandon_rate"] == "–"
    assert 'sse-connect="/wallboard/stream"' in response.text
    assert "/static/echarts-6.1.0.simple.min.js" in response.text


async def test_given_the_room_tv_then_big_screen_mode_has_no_navigation(ui: UiClient) -> None:
    await ui.login("agent")
    response = await ui.get("/wallboard?big=1")
    assert response.status_code == 200
    assert ui.last.template == "wallboard/big.html"
    assert 'class="mainnav"' not in response.text
    assert 'data-testid="wallboard-fullscreen"' in response.text


async def test_given_a_client_that_is_not_an_event_source_then_it_gets_one_board(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.get("/wallboard/stream")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.count("event: board") == 1
    assert 'data-testid="wallboard-board"' in response.text


def test_every_role_with_dashboard_sees_the_wallboard_except_the_telecom_engineer() -> None:
    may_view = {role for role, granted in BUILTIN_ROLES.items() if "wallboard:view" in granted}
    assert may_view == {"administrator", "supervisor", "agent", "auditor"}


async def _stream_request(ui: UiClient) -> Request:
    assert ui.app is not None
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/wallboard/stream",
        "headers": [(b"accept", b"text/event-stream")],
        "query_string": b"",
        "app": ui.app,
        "state": {},
        "session": {},
    }
    request = Request(scope)
    request.state.user = Principal(
        user_id=1,
        username="supervisor",
        display_name="supervisor",
        language="en",
        permissions=BUILTIN_ROLES["supervisor"],
        roles=("supervisor",),
        ip_allowlist=(),
        phone_extension=None,
        tenant_id=await home_tenant_id(),
    )
    return request


async def test_given_an_event_source_then_a_bus_event_brings_the_next_board(
    ui: UiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the periodic refresh out of the way, only the bus can bring a board.
    monkeypatch.setattr(wallboard_http, "REFRESH_S", 3600.0)
    response = await wallboard_http.board_stream(await _stream_request(ui))
    events = response.body_iterator.__aiter__()  # type: ignore[attr-defined]
    first = await asyncio.wait_for(events.__anext__(), timeout=30)
    assert first["event"] == "board" and 'data-testid="wallboard-board"' in first["data"]
    assert len(ui.center.bus._subscriptions) == 1  # the stream listens to the bus
    following = asyncio.ensure_future(events.__anext__())
    await asyncio.sleep(0.05)
    assert not following.done()  # nothing happened: no board
    ui.center.bus.publish("queue", "caller_joined", call_id="c1", queue="support")
    ui.center.bus.publish("agent", "state_changed", agent="1001", state="ringing")
    second = await asyncio.wait_for(following, timeout=30)
    assert second["event"] == "board"
    await events.aclose()
    assert ui.center.bus._subscriptions == []  # a closed stream stops listening


# -- supervisor control -------------------------------------------------------------------
async def test_given_a_supervisor_when_forcing_an_agent_not_ready_then_it_is_done_and_audited(
    ui: UiClient,
) -> None:
    from hotline.models import AuditEntry

    await ui.login("supervisor")
    page = await ui.get("/wallboard")
    assert 'data-testid="wallboard-control"' in page.text
    response = await ui.post(
        "/wallboard/control",
        {"extension": "1001", "action": "pause", "reason": "meeting"},
        headers={"HX-Request": "true"},
    )
    assert 'data-testid="wallboard-control-done"' in response.text
    assert ui.center.actions[-1] == ("1001", "pause", "meeting")
    entry = await AuditEntry.get(action="agent_forced_pause")
    assert (entry.username, entry.object_id) == ("supervisor", "1001")
    assert entry.after["why"] == "meeting" and entry.ip


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"extension": "1001", "action": "pause", "reason": ""}, "reason:"),
        ({"extension": "1001", "action": "ready", "reason": "meeting"}, "action:"),
        ({"extension": "4242", "action": "logout", "reason": "meeting"}, "4242"),
    ],
)
async def test_given_a_bad_control_request_then_nothing_changes_and_it_says_why(
    ui: UiClient, form: dict[str, str], message: str
) -> None:
    await ui.login("supervisor")
    await ui.get("/wallboard")
    response = await ui.post("/wallboard/control", form, headers={"HX-Request": "true"})
    assert 'data-testid="wallboard-control-error"' in response.text
    assert message in response.text
    assert ui.center.actions == []


async def test_given_an_agent_then_the_wallboard_has_no_control_and_refuses_it(
    ui: UiClient,
) -> None:
    await ui.login("agent")
    page = await ui.get("/wallboard")
    assert 'data-testid="wallboard-control"' not in page.text
    response = await ui.post(
        "/wallboard/control", {"extension": "1001", "action": "logout", "reason": "meeting"}
    )
    assert response.status_code == 403
    assert ui.center.actions == []
