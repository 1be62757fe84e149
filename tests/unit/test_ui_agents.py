"""/agents: live list, create with a one-time SIP password, edit, reset, supervisor actions."""

from __future__ import annotations

import json

from hotline.models import Agent, AuditEntry, Queue, QueueMember
from tests.unit.test_ui_queues import (
    HTMX,
    assert_golden,
)
from tests.unit.ui_support import UiClient


def agent_form(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "extension": "1003",
        "name": "Mei Chen",
        "skill_name": ["mandarin", "billing", ""],
        "skill_level": ["5", "2", ""],
        "queues": ["support"],
    }
    form.update(overrides)
    return form


async def audit_text() -> str:
    entries = await AuditEntry.filter(object_type="agent").values("before", "after")
    return json.dumps(entries)


async def test_given_agents_when_listing_then_live_state_and_actions_shown(ui: UiClient) -> None:
    await ui.login("supervisor")
    response = await ui.get("/agents")
    assert response.status_code == 200
    assert ui.last.template == "agents/list.html"
    rows = {row["extension"]: row for row in ui.last.context["rows"]}
    assert rows["1001"]["state"] == "ready" and rows["1001"]["registered"]
    assert rows["1002"]["state"] == "logged_out" and not rows["1002"]["registered"]
    assert 'id="agent-login-1002"' in response.text and 'id="agent-pause-1001"' in response.text
    assert 'hx-trigger="every 3s"' in response.text


async def test_given_htmx_poll_then_live_partial_matches_golden(ui: UiClient) -> None:
    await ui.login("supervisor")
    ui.center.agents["1001"].update(state="not_ready", reason="lunch")
    response = await ui.get("/agents", headers=HTMX)
    assert ui.last.template == "agents/_live.html"
    assert response.text.lstrip().startswith('<section id="agents-live"')
    assert_golden("agents/live.html", response.text)


async def test_given_view_only_role_then_partial_has_no_actions(ui: UiClient) -> None:
    await ui.login("auditor")
    response = await ui.get("/agents", headers=HTMX)
    assert 'id="agent-login-1002"' not in response.text
    assert_golden("agents/live_read_only.html", response.text)


async def test_given_new_agent_then_created_password_shown_once_and_never_again(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post("/agents", agent_form())
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert ui.last.template == "agents/password.html"
    password = ui.last.context["password"]
    assert len(password) >= 20 and password in response.text
    agent = await Agent.get(extension="1003")
    assert agent.sip_password == password and agent.name == "Mei Chen"
    assert agent.skills == {"mandarin": 5, "billing": 2}
    members = await QueueMember.filter(agent=agent).prefetch_related("queue")
    assert [m.queue.name for m in members] == ["support"]
    assert ui.center.reloads == 1
    page = await ui.get("/agents/1003")
    assert password not in page.text
    assert password not in (await ui.get("/agents")).text
    entry = await AuditEntry.get(action="create", object_type="agent", object_id="1003")
    assert entry.after["sip_password"] == "********" and entry.after["queues"] == ["support"]
    assert password not in await audit_text()


async def test_given_bad_extension_or_proficiency_then_form_names_field_and_keeps_input(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post("/agents", agent_form(extension="10a3"))
    assert response.status_code == 422
    assert ui.last.template == "agents/edit.html"
    assert ui.last.context["errors"]["extension"].message == "agents.error.extension_format"
    assert ui.last.context["values"]["name"] == "Mei Chen"
    assert 'value="10a3"' in response.text
    response = await ui.post("/agents", agent_form(skill_name=["mandarin"], skill_level=["7"]))
    assert response.status_code == 422
    assert ui.last.context["errors"]["skills"].message == "queues.error.proficiency"
    assert ui.last.context["values"]["skills"] == [("mandarin", "7")]
    assert "Skills and proficiency: skill mandarin: proficiency 7 must be 1 to 5" in response.text
    response = await ui.post("/agents", agent_form(extension="1001"))
    assert ui.last.context["errors"]["extension"].message == "queues.error.duplicate"
    response = await ui.post("/agents", agent_form(queues=["nowhere"]))
    assert ui.last.context["errors"]["queues"].values["value"] == "nowhere"
    assert not await Agent.exists(extension="1003")
    assert ui.center.reloads == 0


async def test_given_empty_form_then_422(ui: UiClient) -> None:
    await ui.login("administrator")
    assert (await ui.post("/agents", {})).status_code == 422
    assert ui.last.context["errors"]["extension"].message == "queues.error.required"


async def test_given_edit_page_then_form_has_the_agent_without_its_password(ui: UiClient) -> None:
    await ui.login("supervisor")
    agent = await Agent.get(extension="1001")
    response = await ui.get("/agents/1001")
    assert response.status_code == 200
    assert ui.last.template == "agents/edit.html"
    assert ui.last.context["values"] == {
        "extension": "1001",
        "name": "Agent 1001",
        "phone": "sip",
        "skills": [],
        "queues": ["support"],
    }
    assert ui.last.context["status"]["state"] == "ready"
    assert agent.sip_password not in response.text
    assert 'id="agent-password-reset"' in response.text
    assert (await ui.get("/agents/9999")).status_code == 404


async def test_given_edit_then_skills_and_membership_saved_reloaded_and_audited(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    await ui.post(
        "/queues",
        {
            "name": "sales",
            "strategy": "ring-all",
            "ring_timeout_s": "10",
            "wrapup_s": "0",
            "max_misses": "0",
            "vip_priority": "10",
            "sl_threshold_s": "20",
            "sl_target_pct": "80",
            "short_abandon_s": "5",
            "record_policy": "none",
            "record_sample_pct": "100",
            "recording_retention_days": "",
        },
    )
    assert ui.center.reloads == 1
    form = agent_form(extension="ignored", name="Ann", queues=["sales"])
    response = await ui.post("/agents/1001", form)
    assert response.status_code == 303 and response.headers["location"] == "/agents/1001?saved=1"
    agent = await Agent.get(extension="1001")
    assert agent.name == "Ann" and agent.skills == {"mandarin": 5, "billing": 2}
    members = await QueueMember.filter(agent=agent).prefetch_related("queue")
    assert [m.queue.name for m in members] == ["sales"]
    assert await QueueMember.filter(queue=await Queue.get(name="support")).count() == 1
    assert ui.center.reloads == 2
    entry = await AuditEntry.get(action="update", object_type="agent", object_id="1001")
    assert entry.before["queues"] == ["support"] and entry.after["queues"] == ["sales"]
    assert entry.before["name"] == "Agent 1001" and entry.after["skills"]["mandarin"] == 5
    assert agent.sip_password not in await audit_text()


async def test_given_password_reset_then_new_password_shown_once_and_stored(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    old = (await Agent.get(extension="1002")).sip_password
    response = await ui.post("/agents/1002/password", {})
    assert response.status_code == 200
    assert ui.last.template == "agents/password.html"
    new = ui.last.context["password"]
    assert new != old and new in response.text
    assert (await Agent.get(extension="1002")).sip_password == new
    assert ui.center.reloads == 1
    assert new not in (await ui.get("/agents/1002")).text
    entry = await AuditEntry.get(action="reset_password", object_id="1002")
    assert entry.after == {"sip_password": "********", "changed": True}
    text = await audit_text()
    assert new not in text and old not in text
    assert (await ui.post("/agents/9999/password", {})).status_code == 404


async def test_given_supervisor_actions_then_they_reach_the_center_and_are_audited(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post("/agents/1002/actions", {"action": "login"})
    assert response.status_code == 303 and response.headers["location"] == "/agents"
    response = await ui.post(
        "/agents/1001/actions", {"action": "pause", "reason": "lunch"}, headers=HTMX
    )
    assert response.status_code == 200
    assert ui.last.template == "agents/_live.html"
    assert_golden("agents/live_after_pause.html", response.text)
    await ui.post("/agents/1001/actions", {"action": "ready", "reason": "ignored"})
    await ui.post("/agents/1002/actions", {"action": "logout"})
    assert ui.center.actions == [
        ("1002", "login", None),
        ("1001", "pause", "lunch"),
        ("1001", "ready", None),
        ("1002", "logout", None),
    ]
    entry = await AuditEntry.get(action="agent_pause", object_id="1001")
    assert entry.before == {"state": "ready", "reason": None}
    assert entry.after == {"state": "not_ready", "reason": "lunch"}
    assert await AuditEntry.filter(object_type="agent", action__startswith="agent_").count() == 4


async def test_given_refused_or_unknown_action_then_error_shown_and_nothing_audited(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post("/agents/1001/actions", {"action": "dance"})
    assert response.status_code == 409
    assert ui.last.template == "agents/list.html"
    assert ui.last.context["refused"].error == "agents.error.unknown_action"
    await ui.post("/agents", agent_form())  # in the database, not in the stand-in's ACD
    response = await ui.post("/agents/1003/actions", {"action": "login"}, headers=HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx responses
    assert ui.last.template == "agents/_live.html"
    assert 'id="agent-action-error"' in response.text and "no agent" in response.text
    assert ui.center.actions == []
    assert not await AuditEntry.filter(action__startswith="agent_").exists()
    assert (await ui.post("/agents/9999/actions", {"action": "login"})).status_code == 404


async def test_given_view_only_roles_then_changes_are_forbidden(ui: UiClient) -> None:
    await ui.login("telecom_engineer")
    assert (await ui.get("/agents/1001")).status_code == 200
    assert (await ui.post("/agents/1001/actions", {"action": "logout"})).status_code == 403
    assert (await ui.post("/agents/1001/password", {})).status_code == 403
    assert ui.center.actions == []


async def test_given_chinese_then_password_page_is_translated(ui: UiClient) -> None:
    await ui.login("supervisor")
    await ui.post("/language", {"language": "zh-CN", "next": "/agents"})
    response = await ui.post("/agents/1002/password", {})
    assert "此密码只显示这一次" in response.text


async def test_given_password_path_opened_with_get_then_back_to_agent_without_password(
    ui: UiClient,
) -> None:
    # The language switch reloads the current path with GET after a reset.
    await ui.login("supervisor")
    response = await ui.get("/agents/1002/password")
    assert response.status_code == 303 and response.headers["location"] == "/agents/1002"
    response = await ui.get("/agents/1002/actions")
    assert response.status_code == 303 and response.headers["location"] == "/agents/1002"


async def test_given_a_browser_phone_then_it_is_saved_audited_and_kept_by_an_edit_without_it(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post("/agents/1001", agent_form(phone="browser"))
    assert response.status_code == 303
    assert (await Agent.get(extension="1001")).phone == "browser"
    entry = await AuditEntry.get(action="update", object_type="agent", object_id="1001")
    assert entry.before["phone"] == "sip" and entry.after["phone"] == "browser"
    assert ui.center.reloads == 1, "the endpoint is re-provisioned"
    # A form that does not name the phone (an older page) keeps it.
    await ui.post("/agents/1001", agent_form())
    assert (await Agent.get(extension="1001")).phone == "browser"


async def test_given_an_unknown_phone_then_the_form_names_the_field_and_saves_nothing(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post("/agents/1001", agent_form(phone="fax"))
    assert response.status_code == 422
    assert ui.last.context["errors"]["phone"].message == "agents.error.phone"
    assert (await Agent.get(extension="1001")).phone == "sip"
