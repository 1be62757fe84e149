"""Callbacks without Asterisk: scheduling refusals name the field, cancelling
and tenants, the desk's panel (an agent's own only), the wallboard's call
back, and the settling of rows a restart left in progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ari_apps.callbacks import core, services
from ari_apps.callbacks.stasis import CallbackDialer
from hotline import outbound_guard
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotFound
from hotline.models import AuditEntry, Tenant, User
from hotline.models_callbacks import Callback
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient

RULES = outbound_guard.rules_or_defaults(None)
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


async def _schedule(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"number": "5550123", "agent": "1001", "due_at": NOW, "notes": "n"}
    fields.update(overrides)
    actor = Actor("supervisor", "127.0.0.1", await home_tenant_id())
    return await services.schedule(await home_tenant_id(), actor, RULES, **fields)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": "12ab"}, "number"),
        ({"number": "0900123456"}, "number"),  # premium rate: refused by the dial rules
        ({"number": ""}, "number"),
        ({"agent": "1999"}, "agent"),
        ({"due_at": datetime(2026, 12, 5, 9, 0)}, "due_at"),  # no time zone
        ({"notes": "x" * 2001}, "notes"),
    ],
)
async def test_given_a_bad_callback_then_it_is_refused_naming_the_field(
    ui: UiClient, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await _schedule(**overrides)
    assert refused.value.details == {"field": field}
    assert not await Callback.exists()


async def test_given_a_callback_then_it_is_listed_audited_cancelled_once(ui: UiClient) -> None:
    row = await _schedule(number="555 0123")
    assert row["number"] == "5550123" and row["state"] == core.SCHEDULED
    tenant = await home_tenant_id()
    assert [r["id"] for r in await services.listed(tenant, agent="1001", open_only=True)] == [
        row["id"]
    ]
    actor = Actor("agent1001", "10.0.0.5", tenant)
    assert (await services.cancel(tenant, row["id"], actor))["state"] == core.CANCELLED
    assert await services.listed(tenant, agent="1001", open_only=True) == []
    with pytest.raises(InvalidRequest, match="cancelled"):
        await services.cancel(tenant, row["id"], actor)
    actions = await AuditEntry.filter(object_type="callback").values_list("action", "ip")
    assert sorted(actions) == [
        ("callback_cancelled", "10.0.0.5"),
        ("callback_scheduled", "127.0.0.1"),
    ]


async def test_given_another_tenants_callback_then_it_is_unknown(ui: UiClient) -> None:
    row = await _schedule()
    other = await Tenant.create(name="water")
    with pytest.raises(NotFound):
        await services.cancel(other.id, row["id"], Actor("x", "127.0.0.1", other.id))
    assert await services.listed(other.id) == []


class FakeAgents:
    def __init__(self) -> None:
        self.states = {"1001": ("not_ready", "callback"), "1002": ("not_ready", "lunch")}
        self.released: list[str] = []

    def agent_state(self, extension: str) -> str | None:
        return self.states[extension][0]

    def paused_for_callback(self, extension: str) -> bool:
        return self.states[extension] == ("not_ready", "callback")

    async def hold_for_callback(self, extension: str) -> bool:
        return True

    async def release_after_callback(self, extension: str, was_ready: bool) -> None:
        self.released.append(extension)


async def test_given_a_restart_then_callbacks_in_progress_are_settled_and_agents_freed(
    ui: UiClient,
) -> None:
    ringing = await _schedule(agent="1001")
    talking = await _schedule(agent="1002")
    waiting = await _schedule(agent="1001")
    await Callback.filter(id=ringing["id"]).update(state=core.RINGING_AGENT)
    await Callback.filter(id=talking["id"]).update(state=core.CONNECTED)
    agents = FakeAgents()
    dialer = CallbackDialer(None, None, "hotline", None, agents, RULES)  # type: ignore[arg-type]
    await dialer.recover_after_restart()
    states = dict(await Callback.all().values_list("id", "state"))
    assert states == {
        ringing["id"]: core.SCHEDULED,  # the caller was never rung: still to do
        talking["id"]: core.DONE,  # they talked: made, not made twice
        waiting["id"]: core.SCHEDULED,
    }
    # 1001 was paused by the callback; 1002's lunch is theirs to keep.
    assert agents.released == ["1001"]


async def _desk_agent(ui: UiClient, extension: str = "1001") -> None:
    await User.filter(username="agent").update(phone_extension=extension)
    await ui.login("agent")


async def test_given_the_desk_then_an_agent_schedules_places_and_cancels_their_own(
    ui: UiClient,
) -> None:
    await _desk_agent(ui)
    page = await ui.get("/desk")
    assert (
        'data-testid="desk-callbacks"' in page.text
        and 'data-testid="desk-no-callbacks"' in page.text
    )
    response = await ui.post(
        "/desk/callbacks",
        {"number": "5550199", "due_at": "2026-12-05T15:30", "notes": "after the meter visit"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and 'data-testid="desk-callback-done"' in response.text
    callback = await Callback.get(number="5550199")
    assert callback.agent == "1001" and callback.notes == "after the meter visit"
    assert callback.due_at == datetime(2026, 12, 5, 15, 30, tzinfo=UTC)  # the site clock: UTC here
    placed = await ui.post(
        f"/desk/callbacks/{callback.id}/place", {}, headers={"HX-Request": "true"}
    )
    assert placed.status_code == 200
    assert [(c[1], c[2]) for c in ui.center.callbacks_placed] == [(callback.id, "1001")]
    # Another agent's callback is as unknown as a missing one.
    theirs = await _schedule(agent="1002")
    assert (await ui.post(f"/desk/callbacks/{theirs['id']}/place", {})).status_code == 404
    assert (await ui.post(f"/desk/callbacks/{theirs['id']}/cancel", {})).status_code == 404
    cancelled = await ui.post(
        f"/desk/callbacks/{callback.id}/cancel", {}, headers={"HX-Request": "true"}
    )
    assert cancelled.status_code == 200
    assert (await Callback.get(id=callback.id)).state == core.CANCELLED


async def test_given_a_bad_number_on_the_desk_then_it_says_so_and_saves_nothing(
    ui: UiClient,
) -> None:
    await _desk_agent(ui)
    response = await ui.post(
        "/desk/callbacks", {"number": "00441234", "due_at": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert 'data-testid="desk-callback-refused"' in response.text and "number" in response.text
    assert not await Callback.exists()


async def test_given_the_wallboard_then_a_call_back_needs_one_of_todays_abandoned_calls(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    page = await ui.get("/wallboard")
    assert 'data-testid="wallboard-callback"' in page.text
    response = await ui.post(
        "/wallboard/callback",
        {"call_id": "no-such-call", "agent": "1001"},
        headers={"HX-Request": "true"},
    )
    assert 'data-testid="wallboard-callback-error"' in response.text
    assert ui.center.callbacks_placed == []
    await ui.login("agent")
    assert (
        await ui.post("/wallboard/callback", {"call_id": "x", "agent": "1001"})
    ).status_code == 403


def test_given_due_rows_then_only_scheduled_ones_due_by_then_are_due() -> None:
    rows = [
        {"id": 1, "state": core.SCHEDULED, "due_at": (NOW - timedelta(minutes=1)).isoformat()},
        {"id": 2, "state": core.SCHEDULED, "due_at": (NOW + timedelta(hours=1)).isoformat()},
        {"id": 3, "state": core.FAILED, "due_at": (NOW - timedelta(hours=1)).isoformat()},
    ]
    assert [row["id"] for row in services.due_soon(rows, NOW, timedelta(0))] == [1]


async def test_given_a_callback_being_placed_then_the_desk_says_whom_it_calls(
    ui: UiClient,
) -> None:
    await _desk_agent(ui)
    assert 'data-testid="desk-active-callback"' not in (await ui.get("/desk")).text
    row = await _schedule(notes="asked about the bill")
    await Callback.filter(id=row["id"]).update(state=core.DIALING)
    page = (await ui.get("/desk")).text
    assert 'data-testid="desk-active-callback"' in page and 'data-state="dialing"' in page
    assert 'data-testid="desk-active-callback-number">5550123<' in page
    assert "asked about the bill" in page
