"""/agents/pause-reasons: list, add, edit, deactivate, each audited; the agents
page offers the active reasons in the user's language."""

from __future__ import annotations

from hotline.models import AuditEntry
from hotline.models_pause_reasons import PauseReason
from tests.unit.test_ui_queues import HTMX, assert_golden
from tests.unit.ui_support import UiClient

PAGE = "/agents/pause-reasons"


def reason_form(**overrides: str) -> dict[str, str]:
    form = {
        "code": "coffee",
        "digits": "6",
        "label_en": "Coffee",
        "label_zh": "咖啡",
        "position": "",
    }
    form.update(overrides)
    return form


async def offered(ui: UiClient) -> list[tuple[str, str]]:
    """(code, label) the agents page offers for pausing agent 1001."""
    await ui.get("/agents")
    rows = {row["extension"]: row for row in ui.last.context["rows"]}
    return list(ui.last.context["pause_reasons"].get(rows["1001"]["tenant_id"], []))


async def test_given_seeded_reasons_when_listing_then_in_order_with_phone_codes_and_default(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.get(PAGE)
    assert response.status_code == 200
    assert ui.last.template == "agents/pause_reasons.html"
    reasons = ui.last.context["reasons"]
    assert [(r["code"], r["feature_code"]) for r in reasons] == [
        ("break", "*231"),
        ("lunch", "*232"),
        ("meeting", "*233"),
        ("training", "*234"),
        ("other", "*235"),
    ]
    assert [r["code"] for r in reasons if r["default"]] == ["break"]
    assert 'id="pause-reason-new"' in response.text
    assert 'id="pause-reason-deactivate-lunch"' in response.text


async def test_given_htmx_request_then_list_partial_matches_golden(ui: UiClient) -> None:
    await ui.login("supervisor")
    await PauseReason.filter(code="meeting").update(active=False)
    response = await ui.get(PAGE, headers=HTMX)
    assert ui.last.template == "agents/_pause_reasons.html"
    assert response.text.lstrip().startswith('<section id="pause-reasons"')
    assert_golden("agents/pause_reasons.html", response.text)


async def test_given_new_reason_then_created_audited_and_offered_on_the_agents_page(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post(PAGE, reason_form())
    assert response.status_code == 303 and response.headers["location"] == f"{PAGE}?done=created"
    row = await PauseReason.get(code="coffee")
    assert (row.digits, row.label_en, row.label_zh, row.active) == ("6", "Coffee", "咖啡", True)
    assert row.position == 60  # blank: after the last (other is at 50)
    entry = await AuditEntry.get(action="create", object_type="pause_reason", object_id="coffee")
    assert entry.before is None
    assert entry.after == {
        "code": "coffee",
        "digits": "6",
        "label_en": "Coffee",
        "label_zh": "咖啡",
        "position": 60,
        "active": True,
    }
    assert entry.username == "supervisor" and entry.source == "ui"
    assert ("coffee", "Coffee") in await offered(ui)
    assert "Pause reason added." in (await ui.get(f"{PAGE}?done=created")).text


async def test_given_htmx_create_then_the_list_partial_comes_back_with_the_new_reason(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post(PAGE, reason_form(position="15"), headers=HTMX)
    assert response.status_code == 200
    assert ui.last.template == "agents/_pause_reasons.html"
    codes = [r["code"] for r in ui.last.context["reasons"]]
    assert codes[:3] == ["break", "coffee", "lunch"]
    assert 'id="pause-reasons-notice"' in response.text


async def test_given_invalid_reason_then_each_field_is_named_and_nothing_is_saved(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post(
        PAGE, reason_form(code="Coffee Break", digits="123", label_en="", position="x")
    )
    assert response.status_code == 422
    assert ui.last.template == "agents/pause_reasons.html"
    errors = ui.last.context["errors"]
    assert errors["code"].message == "pause_reasons.error.code_format"
    assert errors["digits"].message == "pause_reasons.error.digits_format"
    assert errors["label_en"].message == "queues.error.required"
    assert errors["position"].message == "queues.error.integer"
    assert 'value="Coffee Break"' in response.text
    assert 'id="error-digits"' in response.text
    assert "Phone digits: use 1 or 2 digits" in response.text

    await ui.post(PAGE, reason_form(code="lunch", digits="2"))
    errors = ui.last.context["errors"]
    assert errors["code"].message == "queues.error.duplicate"
    assert errors["digits"].message == "pause_reasons.error.digits_taken"
    assert errors["digits"].values == {"value": "2", "code": "lunch"}
    await ui.post(PAGE, reason_form(code="logged_in"))
    assert ui.last.context["errors"]["code"].message == "pause_reasons.error.reserved"

    # htmx swaps only 2xx responses: the refused form comes back as the partial.
    response = await ui.post(PAGE, reason_form(digits=""), headers=HTMX)
    assert response.status_code == 200
    assert ui.last.template == "agents/_pause_reasons.html"
    assert 'id="error-digits"' in response.text
    assert await PauseReason.filter(code__in=("coffee", "Coffee Break", "logged_in")).count() == 0
    assert not await AuditEntry.filter(object_type="pause_reason").exists()


async def test_given_edit_then_saved_audited_and_the_code_never_changes(ui: UiClient) -> None:
    await ui.login("supervisor")
    response = await ui.get(f"{PAGE}/lunch")
    assert response.status_code == 200
    assert ui.last.template == "agents/pause_reason.html"
    assert ui.last.context["values"]["digits"] == "2"
    form = reason_form(code="dinner", digits="7", label_en="Meal", label_zh="用餐", position="5")
    form["active"] = "on"
    response = await ui.post(f"{PAGE}/lunch", form)
    assert response.status_code == 303 and response.headers["location"] == f"{PAGE}/lunch?saved=1"
    row = await PauseReason.get(code="lunch")
    assert (row.digits, row.label_en, row.label_zh, row.position) == ("7", "Meal", "用餐", 5)
    assert not await PauseReason.exists(code="dinner")
    entry = await AuditEntry.get(action="update", object_type="pause_reason", object_id="lunch")
    assert entry.before["digits"] == "2" and entry.after["digits"] == "7"
    assert entry.after["code"] == "lunch" and entry.after["position"] == 5
    assert (await offered(ui))[0] == ("lunch", "Meal")  # now first
    assert "Saved. The next pause uses it." in (await ui.get(f"{PAGE}/lunch?saved=1")).text


async def test_given_htmx_edit_then_the_form_partial_shows_saved_or_the_field_errors(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    form = reason_form(digits="1", label_en="Lunch", position="20")  # 1 is break's
    response = await ui.post(f"{PAGE}/lunch", form, headers=HTMX)
    assert response.status_code == 200
    assert ui.last.template == "agents/_pause_reason_form.html"
    assert response.text.lstrip().startswith('<section id="pause-reason-form"')
    assert ui.last.context["errors"]["digits"].values == {"value": "1", "code": "break"}
    response = await ui.post(f"{PAGE}/lunch", reason_form(digits="2", position="20"), headers=HTMX)
    assert 'id="pause-reason-saved"' in response.text
    # No "active" in the form: an unticked checkbox deactivates the reason.
    assert not (await PauseReason.get(code="lunch")).active


async def test_given_deactivated_then_no_longer_offered_and_activated_again_on_request(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    response = await ui.post(f"{PAGE}/lunch/deactivate", {})
    assert response.status_code == 303
    assert not (await PauseReason.get(code="lunch")).active
    assert "lunch" not in [code for code, _ in await offered(ui)]
    response = await ui.post("/agents/1001/actions", {"action": "pause", "reason": "lunch"})
    assert response.status_code == 409
    assert ui.last.context["refused"].error == "agents.error.unknown_reason"
    assert ui.center.actions == []
    entry = await AuditEntry.get(action="deactivate", object_id="lunch")
    assert (entry.before["active"], entry.after["active"]) == (True, False)

    # Deactivating twice changes nothing and logs nothing more.
    await ui.post(f"{PAGE}/lunch/deactivate", {})
    assert await AuditEntry.filter(object_type="pause_reason").count() == 1
    response = await ui.post(f"{PAGE}/lunch/activate", {}, headers=HTMX)
    assert response.status_code == 200 and ui.last.template == "agents/_pause_reasons.html"
    assert 'id="pause-reason-deactivate-lunch"' in response.text
    assert await AuditEntry.filter(action="activate", object_id="lunch").count() == 1
    assert (await PauseReason.get(code="lunch")).active


async def test_given_agents_page_then_pause_sends_an_active_reason_or_the_default(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    await ui.post("/agents/1001/actions", {"action": "pause", "reason": "meeting"})
    await ui.post("/agents/1001/actions", {"action": "ready"})
    await ui.post("/agents/1001/actions", {"action": "pause"})  # no reason: the default
    await ui.post("/agents/1001/actions", {"action": "ready"})
    response = await ui.post("/agents/1001/actions", {"action": "pause", "reason": "nap"})
    assert response.status_code == 409
    assert "nap is not an active pause reason" in response.text
    assert ui.center.actions == [
        ("1001", "pause", "meeting"),
        ("1001", "ready", None),
        ("1001", "pause", "break"),
        ("1001", "ready", None),
    ]


async def test_given_chinese_then_page_and_agents_select_use_chinese_labels(ui: UiClient) -> None:
    await ui.login("supervisor")
    await ui.post("/language", {"language": "zh-CN", "next": PAGE})
    response = await ui.get(PAGE)
    assert "暂停原因" in response.text and "新建暂停原因" in response.text
    assert await offered(ui) == [
        ("break", "休息"),
        ("lunch", "午餐"),
        ("meeting", "会议"),
        ("training", "培训"),
        ("other", "其他"),
    ]
    assert '<option value="lunch">午餐</option>' in (await ui.get("/agents")).text
    response = await ui.post(PAGE, reason_form(digits="555"))
    assert "话机按键：请输入 1 到 2 位数字" in response.text


async def test_given_view_only_roles_then_they_see_the_list_but_cannot_change_it(
    ui: UiClient,
) -> None:
    for role in ("auditor", "telecom_engineer"):
        await ui.login(role)
        response = await ui.get(PAGE)
        assert response.status_code == 200
        assert 'id="pause-reason-new"' not in response.text
        assert 'id="pause-reason-deactivate-lunch"' not in response.text
        assert (await ui.get(f"{PAGE}/lunch")).status_code == 200
        assert 'id="pause-reason-save"' not in (await ui.get(f"{PAGE}/lunch")).text
        assert (await ui.post(PAGE, reason_form())).status_code == 403
        assert (await ui.post(f"{PAGE}/lunch", reason_form(digits="2"))).status_code == 403
        assert (await ui.post(f"{PAGE}/lunch/deactivate", {})).status_code == 403
        await ui.post("/logout", {})
    await ui.login("agent")
    assert (await ui.get(PAGE)).status_code == 403
    assert await PauseReason.filter(active=True).count() == 5
    assert not await PauseReason.exists(code="coffee")
    assert not await AuditEntry.filter(object_type="pause_reason").exists()


async def test_given_unknown_reason_then_404(ui: UiClient) -> None:
    await ui.login("supervisor")
    assert (await ui.get(f"{PAGE}/nap")).status_code == 404
    assert (await ui.post(f"{PAGE}/nap", reason_form())).status_code == 404
    assert (await ui.post(f"{PAGE}/nap/deactivate", {})).status_code == 404
    response = await ui.get(f"{PAGE}/lunch/deactivate")  # e.g. the language switch reloading
    assert response.status_code == 303 and response.headers["location"] == PAGE
