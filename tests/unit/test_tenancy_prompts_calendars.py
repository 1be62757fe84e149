"""Tenant scoping of prompts and business calendars: a second tenant's
administrator (pages) and token (API) see neither the demo tenant's prompts
nor its calendars, get 404 for them and change nothing; their flows cannot
name them; a name the demo tenant holds is only "not available"; and what
they create is their own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ari_apps.ivr import routes
from ari_apps.ivr import services as flows
from hotline import audio_convert as convert
from hotline.api_tokens import SCOPES
from hotline.audio_convert import ConvertedPrompt
from hotline.calendars import UnknownCalendar, resolve_calendars
from hotline.models import AuditEntry, FlowVersion, Tenant
from hotline.models_prompts import Prompt, PromptVersion
from hotline.models_shifts import BusinessCalendar
from hotline.shifts import business_calendars as shift_services
from hotline.shifts.exceptions import CalendarInUse
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_tokens import bearer, create_token
from tests.unit.test_prompt_convert import make_wav
from tests.unit.test_tenancy import other_tenant_admin
from tests.unit.test_ui_shifts import CALENDAR_FORM
from tests.unit.ui_support import UiClient
from voice_prompts import services as prompt_services
from voice_prompts import tts
from voice_prompts.services import PromptFiles

pytestmark = pytest.mark.security

DEMO_PROMPT = "welcome"
DEMO_CALENDAR = CALENDAR_FORM["name"]


def converted(seconds: float = 0.5) -> ConvertedPrompt:
    wav = make_wav(seconds)
    return ConvertedPrompt(
        narrowband_wav=wav,
        wideband_sln16=b"\0\0" * int(16000 * seconds),
        duration_s=seconds,
        source_format="wav",
        trimmed_s=0.0,
        gain_db=0.0,
    )


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PromptFiles:
    """A sounds tree under tmp_path; no real conversion (not under test here)."""
    prompt_files = PromptFiles(tmp_path / "sounds")
    monkeypatch.setattr(prompt_services, "current_files", lambda: prompt_files)
    monkeypatch.setattr(convert, "convert_upload", lambda data, filename: converted())
    monkeypatch.setattr(tts, "synthesise", lambda text, language: converted(0.8))
    return prompt_files


async def demo_world(files: PromptFiles) -> None:
    """The demo (home) tenant's prompt and calendar."""
    home = await home_tenant_id()
    await prompt_services.store(
        DEMO_PROMPT, "greeting", "en", converted(), source="upload", uploaded_by="a", tenant_id=home
    )
    await shift_services.create_calendar(home, CALENDAR_FORM)


async def demo_state(files: PromptFiles) -> dict[str, Any]:
    """Everything a foreign request must leave as it was."""
    return {
        "prompts": await Prompt.all().order_by("id").values(),
        "versions": await PromptVersion.all().order_by("id").values("id", "prompt_id", "version"),
        "calendars": await BusinessCalendar.all().order_by("id").values(),
        "files": sorted(p.name for p in files.directory("en").iterdir()),
        "audit": await AuditEntry.all().count(),
    }


def flow_naming(*, prompt: str | None = None, calendar: str | None = None) -> dict[str, Any]:
    """A draft that plays ``prompt`` or branches on ``calendar``, then hangs up."""
    node: dict[str, Any]
    if calendar is not None:
        node = {"kind": "time_condition", "calendar": calendar, "open": "bye", "closed": "bye"}
    else:
        node = {"kind": "play", "media": [f"prompt:{prompt}"], "next": "bye"}
    return {"start": "first", "nodes": {"first": node, "bye": {"kind": "hangup"}}}


async def upload(ui: UiClient, name: str) -> Any:
    return await ui.post(
        "/prompts",
        {"name": name, "category": "greeting", "language": "en"},
        files={"file": ("x.wav", make_wav(0.5), "audio/wav")},
    )


# -- pages ------------------------------------------------------------------------------


async def test_given_second_tenant_admin_when_listing_then_no_demo_prompts_or_calendars(
    ui: UiClient, files: PromptFiles
) -> None:
    await demo_world(files)
    await other_tenant_admin(ui)

    response = await ui.get("/prompts")
    assert response.status_code == 200
    assert ui.last.context["items"] == []
    assert f"/prompts/{DEMO_PROMPT}/audio" not in response.text

    response = await ui.get("/shifts/calendars")
    assert response.status_code == 200
    assert ui.last.context["calendars"] == []
    assert DEMO_CALENDAR not in response.text


async def test_given_second_tenant_admin_when_touching_demo_prompt_and_calendar_then_404(
    ui: UiClient, files: PromptFiles
) -> None:
    await demo_world(files)
    await other_tenant_admin(ui)
    before = await demo_state(files)

    assert (await ui.get(f"/prompts/{DEMO_PROMPT}/audio")).status_code == 404
    assert (await ui.post(f"/prompts/{DEMO_PROMPT}/delete")).status_code == 404
    restore = f"/prompts/{DEMO_PROMPT}/versions/1/restore"
    assert (await ui.post(restore)).status_code == 404

    page = f"/shifts/calendars/{DEMO_CALENDAR}"
    assert (await ui.get(page)).status_code == 404
    changed = {**CALENDAR_FORM, "timezone": "UTC"}
    assert (await ui.post(page, changed)).status_code == 404
    assert (await ui.post(f"{page}/delete")).status_code == 404

    assert await demo_state(files) == before


async def test_given_same_names_as_demo_tenant_when_created_then_not_available_and_unchanged(
    ui: UiClient, files: PromptFiles
) -> None:
    await demo_world(files)
    await other_tenant_admin(ui)
    before = await demo_state(files)

    response = await upload(ui, DEMO_PROMPT)
    assert response.status_code == 422
    assert ui.last.context["error"]["key"] == "prompts.error.name_unavailable"
    response = await ui.post(
        "/prompts/tts",
        {"name": DEMO_PROMPT, "category": "menu", "language": "en", "tts_text": "Hi"},
    )
    assert response.status_code == 422
    assert ui.last.context["error"]["key"] == "prompts.error.name_unavailable"
    assert "is not available" in response.text

    response = await ui.post("/shifts/calendars", CALENDAR_FORM)
    assert response.status_code == 422
    assert ui.last.context["errors"] == {"name": "shifts.error.calendar_unavailable"}
    # Neutral: nothing says it exists, nor whose it is.
    assert "already exists" not in response.text

    assert await demo_state(files) == before


async def test_given_second_tenant_when_creating_then_theirs_only(
    ui: UiClient, files: PromptFiles
) -> None:
    other, _ = await other_tenant_admin(ui)
    home = await home_tenant_id()

    assert (await upload(ui, "water_welcome")).status_code == 303
    form = {**CALENDAR_FORM, "name": "water-hours"}
    assert (await ui.post("/shifts/calendars", form)).status_code == 303
    prompt = await Prompt.get(name="water_welcome")
    assert prompt.tenant_id == other.id
    calendar = await BusinessCalendar.get(name="water-hours")
    assert calendar.tenant_id == other.id

    await ui.get("/prompts")
    assert [item["prompt"].name for item in ui.last.context["items"]] == ["water_welcome"]
    await ui.get("/shifts/calendars")
    assert [row["name"] for row in ui.last.context["calendars"]] == ["water-hours"]

    # Their flow may name their own prompt and calendar.
    flow_id = (await flows.create_flow("Water line", tenant_id=other.id))["id"]
    for draft in (flow_naming(prompt="water_welcome"), flow_naming(calendar="water-hours")):
        await flows.put_draft(flow_id, draft, tenant_id=other.id)
        assert (await flows.validate_draft(flow_id, tenant_id=other.id))["valid"]

    # The demo tenant sees neither.
    assert await prompt_services.list_prompts(home) == []
    assert await shift_services.list_calendars(home) == []
    assert "water_welcome" not in await prompt_services.known_prompt_names(home)
    await ui.login("administrator")
    assert (await ui.get("/prompts/water_welcome/audio")).status_code == 404
    assert (await ui.get("/shifts/calendars/water-hours")).status_code == 404


async def test_given_second_tenant_flow_naming_demo_prompt_or_calendar_then_invalid(
    ui: UiClient, files: PromptFiles
) -> None:
    await demo_world(files)
    other = await Tenant.create(name="water")
    flow_id = (await flows.create_flow("Water line", tenant_id=other.id))["id"]

    await flows.put_draft(flow_id, flow_naming(prompt=DEMO_PROMPT), tenant_id=other.id)
    result = await flows.validate_draft(flow_id, tenant_id=other.id)
    assert [issue["code"] for issue in result["issues"]] == ["unknown_prompt"]

    await flows.put_draft(flow_id, flow_naming(calendar=DEMO_CALENDAR), tenant_id=other.id)
    result = await flows.validate_draft(flow_id, tenant_id=other.id)
    assert [issue["code"] for issue in result["issues"]] == ["unknown_calendar"]

    # And when a call starts: the calendar is looked up in the flow's tenant.
    with pytest.raises(UnknownCalendar):
        await resolve_calendars(flow_naming(calendar=DEMO_CALENDAR), tenant_id=other.id)
    home = await home_tenant_id()
    resolved = await resolve_calendars(flow_naming(calendar=DEMO_CALENDAR), tenant_id=home)
    assert resolved["nodes"]["first"]["timezone"] == CALENDAR_FORM["timezone"]


async def test_given_second_tenant_published_flow_when_called_then_its_own_calendar_runs(
    ui: UiClient, files: PromptFiles
) -> None:
    await demo_world(files)
    other = await Tenant.create(name="water")
    form = {**CALENDAR_FORM, "name": "water-hours", "timezone": "Europe/Paris"}
    await shift_services.create_calendar(other.id, form)
    flow_id = (await flows.create_flow("Water line", tenant_id=other.id))["id"]
    await flows.put_draft(flow_id, flow_naming(calendar="water-hours"), tenant_id=other.id)
    await flows.publish(flow_id, "tester", tenant_id=other.id)
    await flows.assign_did(flow_id, "8123", tenant_id=other.id)

    routes.invalidate()
    route = await routes.route_for("8123")
    assert isinstance(route, routes.FlowRoute)
    assert route.tenant_id == other.id
    node = route.definition.nodes["first"]
    assert getattr(node, "timezone", None) == "Europe/Paris"

    # A version naming the demo tenant's calendar (one stored before calendars
    # had tenants) finds none when a call starts: the flow's tenant has none.
    version = await FlowVersion.get(flow_id=flow_id)
    version.definition = flow_naming(calendar=DEMO_CALENDAR)
    await version.save()
    routes.invalidate()
    with pytest.raises(UnknownCalendar):
        await routes.route_for("8123")
    routes.invalidate()


async def test_given_a_demo_calendar_then_only_the_demo_flows_keep_it_from_deletion(
    ui: UiClient, files: PromptFiles
) -> None:
    await demo_world(files)
    home = await home_tenant_id()
    other = await Tenant.create(name="water")
    water_flow = (await flows.create_flow("Water line", tenant_id=other.id))["id"]
    await flows.put_draft(water_flow, flow_naming(calendar=DEMO_CALENDAR), tenant_id=other.id)
    assert await shift_services.calendar_usage(home, DEMO_CALENDAR) == []

    demo_flow = (await flows.create_flow("Hours", tenant_id=home))["id"]
    await flows.put_draft(demo_flow, flow_naming(calendar=DEMO_CALENDAR), tenant_id=home)
    assert await shift_services.calendar_usage(home, DEMO_CALENDAR) == ["Hours"]
    with pytest.raises(CalendarInUse):
        await shift_services.delete_calendar(home, DEMO_CALENDAR)

    await flows.put_draft(demo_flow, flow_naming(prompt=DEMO_PROMPT), tenant_id=home)
    await shift_services.delete_calendar(home, DEMO_CALENDAR)
    assert not await BusinessCalendar.exists(name=DEMO_CALENDAR)


# -- API --------------------------------------------------------------------------------


async def test_given_second_tenant_token_then_demo_prompts_are_404_and_unchanged(
    ui: UiClient, files: PromptFiles
) -> None:
    await demo_world(files)
    other, _ = await other_tenant_admin(ui)
    _, clear = await create_token(ui, name="water ops", scopes=list(SCOPES))
    headers = bearer(clear)
    demo = await Prompt.get(name=DEMO_PROMPT)
    before = await demo_state(files)

    listed = await ui.client.get("/api/v1/prompts", headers=headers)
    assert listed.status_code == 200 and listed.json() == []
    for method, path in (
        ("GET", f"/api/v1/prompts/{demo.id}/audio"),
        ("DELETE", f"/api/v1/prompts/{demo.id}"),
        ("POST", f"/api/v1/prompts/{demo.id}/versions/1/restore"),
    ):
        response = await ui.client.request(method, path, headers=headers)
        assert response.status_code == 404, (method, path)

    taken = await ui.client.post(
        "/api/v1/prompts",
        headers=headers,
        json={"name": DEMO_PROMPT, "language": "en", "tts_text": "Hello"},
    )
    assert taken.status_code == 422
    assert taken.json()["details"]["reason"] == "name_unavailable"
    after = await demo_state(files)
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }

    created = await ui.client.post(
        "/api/v1/prompts",
        headers=headers,
        json={"name": "water_menu", "language": "en", "tts_text": "Hello"},
    )
    assert created.status_code == 201, created.text
    assert (await Prompt.get(name="water_menu")).tenant_id == other.id
    listed = await ui.client.get("/api/v1/prompts", headers=headers)
    assert [item["name"] for item in listed.json()] == ["water_menu"]
