"""/queues: list with live state, create, edit, membership, refused delete."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from hotline.models import Agent, AuditEntry, Flow, Queue, QueueMember
from tests.unit.ui_support import UiClient

GOLDEN_DIR = Path(__file__).parent / "golden"
HTMX = {"HX-Request": "true"}


def normalised(html: str) -> str:
    # The CSRF token changes per session; everything else must be stable.
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="CSRF"', html)
    return html.strip() + "\n"


def assert_golden(relative: str, html: str) -> None:
    """Compare a fragment with its golden file; HOTLINE_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN_DIR / relative
    if os.environ.get("HOTLINE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(normalised(html), encoding="utf-8")
    assert path.exists(), f"missing golden file {path}"
    assert normalised(html) == path.read_text(encoding="utf-8")


def queue_form(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "name": "billing",
        "strategy": "round-robin",
        "ring_timeout_s": "20",
        "wrapup_s": "10",
        "max_wait_s": "300",
        "overflow_kind": "queue",
        "overflow_target": "support",
        "join_empty": "on",
        "announce_every_s": "45",
        "announce_ewt": "on",
        "moh_class": "default",
        "skill_name": ["billing", "english", ""],
        "skill_level": ["3", "2", ""],
        "max_misses": "2",
        "vip_caller_ids": "+4930123\n5551234",
        "vip_priority": "20",
        "sl_threshold_s": "30",
        "sl_target_pct": "90",
        "short_abandon_s": "8",
        "record_policy": "sample",
        "record_sample_pct": "25",
        "recording_retention_days": "90",
        "members": ["1001"],
    }
    form.update(overrides)
    return form


async def test_given_queues_when_listing_then_page_shows_live_state(ui: UiClient) -> None:
    await ui.login("agent")
    response = await ui.get("/queues")
    assert response.status_code == 200
    assert ui.last.template == "queues/list.html"
    [row] = ui.last.context["rows"]
    assert row["name"] == "support" and row["configured"] and row["live"]
    assert row["agents_by_state"] == {"logged_out": 1, "ready": 1}
    assert 'hx-trigger="every 3s"' in response.text
    assert 'id="queue-new"' not in response.text  # agents may only look


async def test_given_htmx_poll_then_only_the_live_partial_matching_golden(ui: UiClient) -> None:
    await ui.login("supervisor")
    ui.center.queues["support"]["waiting"] = [{"call_id": "c1"}, {"call_id": "c2"}]
    ui.center.queues["support"]["longest_wait_s"] = 42.4
    ui.center.queues["support"]["estimated_wait_s"] = 30.0
    response = await ui.get("/queues", headers=HTMX)
    assert ui.last.template == "queues/_live.html"
    assert response.text.lstrip().startswith('<section id="queues-live"')
    assert ui.last.context["rows"][0]["waiting"] == 2
    assert_golden("queues/live.html", response.text)


async def test_given_live_queue_deleted_from_config_then_listed_as_still_live(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    # The ACD keeps a deleted queue live while a queue still overflows into it;
    # that queue's tenant is whose list shows it.
    await Queue.filter(name="support").update(overflow_kind="queue", overflow_target="gone")
    ui.center.queues["gone"] = {"name": "gone", "waiting": [], "agents_by_state": {}}
    ui.center.queues["elsewhere"] = {"name": "elsewhere", "waiting": [], "agents_by_state": {}}
    await ui.get("/queues", headers=HTMX)
    rows = {row["name"]: row for row in ui.last.context["rows"]}
    assert rows["gone"]["live"] and not rows["gone"]["configured"]
    # A live queue nothing of the tenant's leads to may be another tenant's: not listed.
    assert "elsewhere" not in rows


async def test_given_edit_page_then_form_holds_the_stored_queue(ui: UiClient) -> None:
    await ui.login("supervisor")
    response = await ui.get("/queues/support")
    assert response.status_code == 200
    assert ui.last.template == "queues/edit.html"
    values = ui.last.context["values"]
    assert values["name"] == "support" and values["ring_timeout_s"] == "15"
    assert values["announce_every_s"] == "30"
    assert values["members"] == ["1001", "1002"]
    assert "longest-idle" in ui.last.context["strategies"]
    assert {a["extension"] for a in ui.last.context["agents"]} == {"1001", "1002"}
    assert 'id="queue-save"' in response.text


async def test_given_unknown_queue_then_404(ui: UiClient) -> None:
    await ui.login("administrator")
    assert (await ui.get("/queues/nosuch")).status_code == 404
    assert (await ui.post("/queues/nosuch", queue_form())).status_code == 404


async def test_given_ring_timeout_zero_when_creating_then_form_names_field_and_keeps_input(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post("/queues", queue_form(ring_timeout_s="0"))
    assert response.status_code == 422
    assert ui.last.template == "queues/edit.html"
    assert set(ui.last.context["errors"]) == {"ring_timeout_s"}
    assert ui.last.context["errors"]["ring_timeout_s"].message == "queues.error.positive"
    values = ui.last.context["values"]
    assert values["name"] == "billing" and values["ring_timeout_s"] == "0"
    assert values["skills"] == [("billing", "3"), ("english", "2")]
    assert values["vip_caller_ids"] == "+4930123\n5551234"
    assert 'id="error-ring_timeout_s"' in response.text
    assert "Ring timeout (seconds): must be greater than 0" in response.text
    assert not await Queue.exists(name="billing")
    assert ui.center.reloads == 0


async def test_given_unknown_overflow_queue_then_refused_on_overflow_target(ui: UiClient) -> None:
    await ui.login("supervisor")
    response = await ui.post("/queues", queue_form(overflow_target="nowhere"))
    assert response.status_code == 422
    error = ui.last.context["errors"]["overflow_target"]
    assert error.message == "queues.error.unknown_queue" and error.values["value"] == "nowhere"
    assert ui.last.context["values"]["overflow_target"] == "nowhere"


async def test_given_proficiency_seven_then_refused_on_required_skills(ui: UiClient) -> None:
    await ui.login("supervisor")
    response = await ui.post("/queues", queue_form(skill_name=["billing"], skill_level=["7"]))
    assert response.status_code == 422
    error = ui.last.context["errors"]["required_skills"]
    assert error.message == "queues.error.proficiency" and error.values["skill"] == "billing"
    assert ui.last.context["values"]["skills"] == [("billing", "7")]
    assert "proficiency 7 must be 1 to 5" in response.text


async def test_given_acd_refusal_then_its_field_is_named(ui: UiClient) -> None:
    # These reach QueueConfig itself: the ACD's own validator names the field.
    await ui.login("supervisor")
    await ui.post("/queues", queue_form(strategy="fastest-first"))
    assert ui.last.context["errors"]["strategy"].message == "queues.error.choice"
    await ui.post("/queues", queue_form(name="loop", overflow_target="loop"))
    assert ui.last.context["errors"]["overflow_target"].message == "queues.error.self_overflow"
    await ui.post("/queues", queue_form(overflow_kind="flow_node", overflow_target=""))
    assert ui.last.context["errors"]["overflow_target"].message == "queues.error.required"
    await ui.post("/queues", queue_form(wrapup_s="-1", max_misses="x"))
    assert set(ui.last.context["errors"]) == {"max_misses"}  # type errors come first
    await ui.post("/queues", queue_form(wrapup_s="-1"))
    assert ui.last.context["errors"]["wrapup_s"].message == "queues.error.non_negative"


async def test_given_bad_names_then_refused(ui: UiClient) -> None:
    await ui.login("supervisor")
    for name, message in (
        ("", "queues.error.required"),
        ("new", "queues.error.name_format"),
        ("a b", "queues.error.name_format"),
        ("support", "queues.error.duplicate"),
    ):
        response = await ui.post("/queues", queue_form(name=name))
        assert response.status_code == 422, name
        assert ui.last.context["errors"]["name"].message == message, name


async def test_given_empty_form_then_422_not_500(ui: UiClient) -> None:
    await ui.login("administrator")
    response = await ui.post("/queues", {})
    assert response.status_code == 422
    assert {"name", "ring_timeout_s", "wrapup_s"} <= set(ui.last.context["errors"])


async def test_given_valid_queue_then_saved_reloaded_and_audited(ui: UiClient) -> None:
    await ui.login("supervisor")
    response = await ui.post("/queues", queue_form())
    assert response.status_code == 303
    assert response.headers["location"] == "/queues/billing?saved=1"
    queue = await Queue.get(name="billing")
    assert queue.strategy == "round-robin" and queue.ring_timeout_s == 20
    assert queue.max_wait_s == 300 and queue.overflow_kind == "queue"
    assert queue.overflow_target == "support" and queue.announce_every_s == 45
    assert queue.required_skills == {"billing": 3, "english": 2}
    assert queue.vip_caller_ids == ["+4930123", "5551234"] and queue.vip_priority == 20
    assert not queue.leave_empty and queue.join_empty
    members = await QueueMember.filter(queue=queue).prefetch_related("agent")
    assert [m.agent.extension for m in members] == ["1001"]
    assert ui.center.reloads == 1
    entry = await AuditEntry.get(action="create", object_type="queue", object_id="billing")
    assert entry.username == "supervisor" and entry.before is None
    assert entry.after["required_skills"] == {"billing": 3, "english": 2}
    assert entry.after["members"] == ["1001"]
    page = await ui.get("/queues/billing?saved=1")
    assert 'id="queue-saved"' in page.text


async def test_given_edit_then_membership_changes_and_audit_has_before_after(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    form = queue_form(name="ignored", members=["1002"], overflow_kind="", overflow_target="")
    response = await ui.post("/queues/support", form)
    assert response.status_code == 303
    queue = await Queue.get(name="support")
    assert queue.strategy == "round-robin" and queue.overflow_kind is None
    members = await QueueMember.filter(queue=queue).prefetch_related("agent")
    assert [m.agent.extension for m in members] == ["1002"]
    assert not await Queue.exists(name="ignored")  # the name is the URL's
    entry = await AuditEntry.get(action="update", object_type="queue", object_id="support")
    assert entry.before["members"] == ["1001", "1002"] and entry.after["members"] == ["1002"]
    assert entry.before["strategy"] == "longest-idle"
    assert ui.center.reloads == 1


async def test_given_unknown_member_then_refused(ui: UiClient) -> None:
    await ui.login("supervisor")
    response = await ui.post("/queues/support", queue_form(members=["1001", "9999"]))
    assert response.status_code == 422
    assert ui.last.context["errors"]["members"].values["value"] == "9999"
    assert ui.last.context["values"]["members"] == ["1001", "9999"]


async def test_given_queue_used_by_published_flow_then_delete_refused_naming_it(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    response = await ui.post("/queues/support/delete", {})
    assert response.status_code == 409
    assert ui.last.template == "queues/edit.html"
    assert ui.last.context["refusal"].flows == [
        "Case status",
        "Customer line",
        "Main menu",
        "Self-service answers",
    ]
    assert "Main menu" in response.text and 'id="queue-delete-refused"' in response.text
    assert await Queue.exists(name="support")
    assert ui.center.reloads == 0
    back = await ui.get("/queues/support/delete")  # e.g. the language switch reloading
    assert back.status_code == 303 and back.headers["location"] == "/queues/support"


async def test_given_unused_queue_then_deleted_audited_and_removed_from_the_running_acd(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await ui.post("/queues", queue_form(overflow_kind="", overflow_target=""))
    response = await ui.post("/queues/billing/delete", {})
    assert response.status_code == 303 and response.headers["location"] == "/queues?deleted=billing"
    assert not await Queue.exists(name="billing")
    assert await QueueMember.filter(agent=await Agent.get(extension="1001")).count() == 1
    entry = await AuditEntry.get(action="delete", object_type="queue", object_id="billing")
    assert entry.before["name"] == "billing" and entry.after is None
    assert ui.center.reloads == 2
    page = await ui.get("/queues?deleted=billing")
    assert "was deleted and removed from the running ACD" in page.text


async def test_given_callers_waiting_in_queue_then_delete_refused_with_their_count(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await ui.post("/queues", queue_form(overflow_kind="", overflow_target=""))
    ui.center.queues["billing"] = {"name": "billing", "waiting": [{"call_id": "c1"}] * 2}
    reloads = ui.center.reloads
    response = await ui.post("/queues/billing/delete", {})
    assert response.status_code == 409
    refusal = ui.last.context["refusal"]
    assert (refusal.error_id, refusal.waiting, refusal.flows, refusal.queues) == (
        "queue-in-use",
        2,
        [],
        [],
    )
    assert "2 caller(s) are waiting in it" in response.text
    assert await Queue.exists(name="billing")
    assert ui.center.reloads == reloads
    # Once they are served, it goes.
    ui.center.queues["billing"]["waiting"] = []
    assert (await ui.post("/queues/billing/delete", {})).status_code == 303


async def test_given_voicemail_overflow_then_the_box_must_exist(ui: UiClient) -> None:
    await ui.login("administrator")
    form = queue_form(overflow_kind="voicemail", overflow_target="4999")
    response = await ui.post("/queues", form)
    assert response.status_code == 422
    error = ui.last.context["errors"]["overflow_target"]
    assert (error.message, error.values) == ("queues.error.unknown_box", {"value": "4999"})
    response = await ui.post(
        "/queues", queue_form(overflow_kind="voicemail", overflow_target="5000")
    )
    assert response.status_code == 303
    assert (await Queue.get(name="billing")).overflow_target == "5000"


async def test_given_queue_overflowing_into_another_then_target_delete_refused(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await ui.post("/queues", queue_form(name="spare", overflow_kind="", overflow_target=""))
    await ui.post("/queues", queue_form(name="front", overflow_target="spare"))
    response = await ui.post("/queues/spare/delete", {})
    assert response.status_code == 409
    assert ui.last.context["refusal"].queues == ["front"]


async def test_given_flow_draft_only_uses_queue_then_delete_allowed(ui: UiClient) -> None:
    # Only published versions matter: a draft can still be changed.
    await ui.login("administrator")
    await ui.post("/queues", queue_form(name="spare", overflow_kind="", overflow_target=""))
    flow = await Flow.get(name="Main menu")
    flow.draft = {"start": "q", "nodes": {"q": {"kind": "queue", "queue": "spare"}}}
    await flow.save()
    assert (await ui.post("/queues/spare/delete", {})).status_code == 303


async def test_given_auditor_then_edit_form_is_read_only_and_save_forbidden(ui: UiClient) -> None:
    await ui.login("auditor")
    page = await ui.get("/queues/support")
    assert "<fieldset disabled>" in page.text and 'id="queue-save"' not in page.text
    assert (await ui.post("/queues/support", queue_form())).status_code == 403


async def test_given_chinese_then_queue_page_is_translated(ui: UiClient) -> None:
    await ui.login("supervisor")
    await ui.post("/language", {"language": "zh-CN", "next": "/queues"})
    response = await ui.post("/queues", queue_form(ring_timeout_s="0"))
    assert "振铃超时（秒）：必须大于 0" in response.text


async def test_given_service_level_and_recording_fields_then_saved_audited_and_shown_again(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post(
        "/queues/support", queue_form(name="support", overflow_kind="", overflow_target="")
    )
    assert response.status_code == 303
    queue = await Queue.get(name="support")
    assert (queue.sl_threshold_s, queue.sl_target_pct, queue.short_abandon_s) == (30, 90, 8)
    assert (queue.record_policy, queue.record_sample_pct) == ("sample", 25)
    assert queue.recording_retention_days == 90
    entry = await AuditEntry.get(action="update", object_type="queue", object_id="support")
    assert entry.before["sl_threshold_s"] == 20 and entry.after["sl_threshold_s"] == 30
    assert entry.after["record_policy"] == "sample"
    assert entry.after["recording_retention_days"] == 90
    assert entry.after["sl_target_pct"] == 90 and entry.after["short_abandon_s"] == 8
    assert entry.after["record_sample_pct"] == 25
    page = await ui.get("/queues/support")
    values = ui.last.context["values"]
    assert values["sl_threshold_s"] == "30" and values["sl_target_pct"] == "90"
    assert values["short_abandon_s"] == "8" and values["record_policy"] == "sample"
    assert values["record_sample_pct"] == "25" and values["recording_retention_days"] == "90"
    assert 'id="queue-service-level"' in page.text and 'id="queue-recording"' in page.text
    assert '<option value="sample" selected>' in page.text


async def test_given_empty_retention_then_recordings_are_kept_forever(ui: UiClient) -> None:
    await ui.login("supervisor")
    response = await ui.post(
        "/queues/support",
        queue_form(recording_retention_days="", overflow_kind="", overflow_target=""),
    )
    assert response.status_code == 303
    assert (await Queue.get(name="support")).recording_retention_days is None
    await ui.get("/queues/support")
    assert ui.last.context["values"]["recording_retention_days"] == ""


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("sl_threshold_s", "0", "queues.error.range"),
        ("sl_threshold_s", "3601", "queues.error.range"),
        ("sl_threshold_s", "", "queues.error.required"),
        ("sl_target_pct", "0", "queues.error.range"),
        ("sl_target_pct", "101", "queues.error.range"),
        ("short_abandon_s", "-1", "queues.error.range"),
        ("short_abandon_s", "601", "queues.error.range"),
        ("short_abandon_s", "x", "queues.error.integer"),
        ("record_policy", "some", "queues.error.choice"),
        ("record_sample_pct", "0", "queues.error.range"),
        ("record_sample_pct", "101", "queues.error.range"),
        ("recording_retention_days", "0", "queues.error.at_least"),
        ("recording_retention_days", "1.5", "queues.error.integer"),
    ],
)
async def test_given_bad_service_level_or_recording_value_then_refused_naming_it(
    ui: UiClient, field: str, bad: str, message: str
) -> None:
    await ui.login("supervisor")
    before = dict(await Queue.get(name="support").values())
    form = queue_form(overflow_kind="", overflow_target="", **{field: bad})
    response = await ui.post("/queues/support", form)
    assert response.status_code == 422
    assert set(ui.last.context["errors"]) == {field}
    assert ui.last.context["errors"][field].message == message
    assert ui.last.context["values"][field] == bad
    assert f'id="error-{field}"' in response.text
    assert dict(await Queue.get(name="support").values()) == before
    assert not await AuditEntry.exists(action="update", object_type="queue")
    assert ui.center.reloads == 0


async def test_given_a_survey_flow_then_only_a_flow_of_the_tenant_is_accepted(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post("/queues", queue_form(survey_flow="No such flow"))
    assert response.status_code == 422
    assert set(ui.last.context["errors"]) == {"survey_flow"}
    assert not await Queue.exists(name="billing")
    response = await ui.post("/queues", queue_form(survey_flow="Post-call survey"))
    assert response.status_code in (200, 303)
    assert (await Queue.get(name="billing")).survey_flow == "Post-call survey"
