"""Flows pages: list, editor, node forms, validation on the node, publish,
versions, diff, rollback, DIDs and test calls (route tests with captured
templates; htmx fragments against golden files in golden/flows/)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from admin_ui.flows import node_forms
from admin_ui.flows.history import diff_rows
from ari_apps.ivr.demo import MAIN_MENU
from ari_apps.ivr.services import MINIMAL_DRAFT
from hotline.models import AuditEntry, Did, Flow, FlowVersion, Queue, User
from tests.unit.ui_support import UiClient

GOLDEN_DIR = Path(__file__).parent / "golden" / "flows"
HTMX = {"HX-Request": "true"}


def _normalised(html: str) -> str:
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="CSRF"', html)
    return "\n".join(line.rstrip() for line in html.strip().splitlines() if line.strip()) + "\n"


def assert_golden(name: str, html: str) -> None:
    """Compare with the golden file; UPDATE_GOLDEN=1 rewrites it (deliberately)."""
    path = GOLDEN_DIR / name
    actual = _normalised(html)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"fragment differs from {path}"


def node_card(html: str, node_id: str) -> str:
    match = re.search(
        rf'<article [^>]*data-testid="node-card-{node_id}">.*?</article>', html, re.DOTALL
    )
    assert match is not None, f"no card for node {node_id}"
    return match.group(0)


def form_of(raw: dict[str, Any]) -> dict[str, str]:
    """What a browser submits for the node's form, untouched."""
    form: dict[str, str] = {}
    for name, value in node_forms.node_values(raw).items():
        if isinstance(value, dict):
            form.update({node_forms.digit_field_name(d): t for d, t in value.items()})
        elif value is True:
            form[name] = "on"
        elif value:
            form[name] = value
    return form


async def new_flow(ui: UiClient, name: str = "Sales line") -> int:
    response = await ui.post("/flows", {"name": name})
    assert response.status_code == 303
    flow = await Flow.get(name=name)
    assert response.headers["location"] == f"/flows/{flow.id}"
    return flow.id


async def build_sales_menu(ui: UiClient, flow_id: int, queue: str = "support") -> None:
    """A menu with two options: 1 to a queue, 2 to the goodbye node."""
    await ui.post(f"/flows/{flow_id}/nodes", {"node_id": "menu", "kind": "menu"})
    await ui.post(f"/flows/{flow_id}/nodes", {"node_id": "sales_queue", "kind": "queue"})
    await ui.post(
        f"/flows/{flow_id}/nodes/menu",
        {
            "label": "Sales menu",
            "prompt": "sound:vm-press\ndigits:1",
            "option_1": "sales_queue",
            "option_2": "goodbye",
            "timeout_s": "5",
        },
    )
    await ui.post(f"/flows/{flow_id}/nodes/sales_queue", {"queue": queue, "on_overflow": "goodbye"})
    await ui.post(f"/flows/{flow_id}/start", {"start": "menu"})


async def test_given_flows_when_listing_then_names_live_versions_and_dids_are_shown(
    ui: UiClient,
) -> None:
    await ui.login("auditor")
    response = await ui.get("/flows")
    assert response.status_code == 200
    assert ui.last.template == "flows/list.html"
    flows = {flow["name"]: flow for flow in ui.last.context["flows"]}
    main = flows["Main menu"]
    assert (main["name"], main["published_version"], main["dids"]) == ("Main menu", 1, ["8000"])
    # The demo's post-call survey: a flow of its own, reached by no DID.
    assert (flows["Post-call survey"]["published_version"], flows["Post-call survey"]["dids"]) == (
        1,
        [],
    )
    assert 'data-testid="new-flow-form"' not in response.text  # auditors only look


async def test_given_a_name_when_creating_a_flow_then_it_starts_from_a_minimal_valid_draft(
    ui: UiClient,
) -> None:
    await ui.login("telecom_engineer")
    flow_id = await new_flow(ui)
    flow = await Flow.get(id=flow_id)
    assert flow.draft == MINIMAL_DRAFT and flow.published_version_id is None
    entry = await AuditEntry.get(action="create", object_type="flow")
    assert entry.username == "telecom_engineer" and entry.object_id == str(flow_id)
    await ui.get(f"/flows/{flow_id}")
    assert ui.last.template == "flows/editor.html"
    assert ui.last.context["issue_count"] == 0
    assert [box.node_id for box in ui.last.context["graph"].boxes] == ["goodbye"]


async def test_given_empty_or_taken_name_then_the_form_says_why_and_keeps_the_name(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    flows_before = await Flow.all().count()
    response = await ui.post("/flows", {"name": "  "})
    assert response.status_code == 400 and ui.last.template == "flows/list.html"
    assert ui.last.context["error"]
    response = await ui.post("/flows", {"name": "Main menu"})
    assert response.status_code == 409
    assert ui.last.context["name"] == "Main menu"
    assert "already exists" in ui.last.context["error"]
    assert await Flow.all().count() == flows_before


async def test_given_editor_then_every_node_is_a_form_wired_by_node_id_selects(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    response = await ui.get("/flows/1")
    context = ui.last.context
    assert ui.last.template == "flows/editor.html"
    assert context["node_ids"] == list(MAIN_MENU["nodes"])
    assert context["start"] == "greet"
    assert set(context["kinds"]) >= {"menu", "queue", "play", "hangup", "time_condition"}
    assert context["dids"] == ["8000"]
    menu = next(node for node in context["nodes"] if node["id"] == "menu")
    assert menu["values"]["options"]["1"] == "support_hold"
    for testid in ("publish-button", "test-call-button", "add-node-form", "did-form"):
        assert f'data-testid="{testid}"' in response.text
    assert '<form method="post" action="/flows/1/nodes/menu" id="node-menu"' in response.text
    assert '<option value="support_hold" selected>support_hold</option>' in response.text
    edges = {(a.source, a.target) for a in context["graph"].arrows}
    assert ("menu", "support_hold") in edges and ("support_hold", "support_queue") in edges


async def test_given_menu_with_two_options_one_to_a_queue_then_the_draft_is_valid_and_drawn(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    flow_id = await new_flow(ui)
    await build_sales_menu(ui, flow_id)
    flow = await Flow.get(id=flow_id)
    assert flow.draft["start"] == "menu"
    assert flow.draft["nodes"]["menu"] == {
        "kind": "menu",
        "label": "Sales menu",
        "prompt": ["sound:vm-press", "digits:1"],
        "options": {"1": "sales_queue", "2": "goodbye"},
        "timeout_s": 5,
    }
    assert flow.draft["nodes"]["sales_queue"] == {
        "kind": "queue",
        "queue": "support",
        "on_overflow": "goodbye",
    }
    await ui.get(f"/flows/{flow_id}")
    assert ui.last.context["issue_count"] == 0
    edges = {(a.source, a.label, a.target) for a in ui.last.context["graph"].arrows}
    assert ("menu", "option_1", "sales_queue") in edges
    saves = await AuditEntry.filter(action="update_node").order_by("id")
    assert saves[0].before["nodes"]["menu"] == {"kind": "menu"}
    assert saves[0].after["nodes"]["menu"]["options"] == {"1": "sales_queue", "2": "goodbye"}


async def test_given_unknown_queue_when_saving_the_node_then_the_error_shows_on_that_node(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    flow_id = await new_flow(ui)
    await build_sales_menu(ui, flow_id)
    response = await ui.post(
        f"/flows/{flow_id}/nodes/sales_queue",
        {"queue": "no_such_queue", "on_overflow": "goodbye"},
        headers=HTMX,
    )
    assert response.status_code == 200  # saved: drafts may be invalid, publish is the gate
    assert ui.last.template == "flows/_editor.html"
    node = next(n for n in ui.last.context["nodes"] if n["id"] == "sales_queue")
    assert [issue["code"] for issue in node["issues"]] == ["unknown_queue"]
    assert ui.last.context["flow_issues"] == []
    assert response.text.lstrip().startswith('<section id="flow-editor"')
    assert_golden("node_unknown_queue.html", node_card(response.text, "sales_queue"))


async def test_given_bad_number_then_it_is_kept_as_typed_and_named_on_the_node(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    flow_id = await new_flow(ui)
    await build_sales_menu(ui, flow_id)
    await ui.post(
        f"/flows/{flow_id}/nodes/menu",
        {"prompt": "sound:vm-press", "option_1": "sales_queue", "timeout_s": "soon"},
    )
    assert (await Flow.get(id=flow_id)).draft["nodes"]["menu"]["timeout_s"] == "soon"
    response = await ui.get(f"/flows/{flow_id}")
    menu = next(n for n in ui.last.context["nodes"] if n["id"] == "menu")
    assert menu["values"]["timeout_s"] == "soon"
    assert "timeout_s" in menu["issues"][0]["message"]
    assert 'data-testid="node-issues-menu"' in response.text


async def test_given_broken_json_field_then_nothing_is_saved_and_the_text_is_kept(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    flow_id = await new_flow(ui)
    await build_sales_menu(ui, flow_id)
    before = (await Flow.get(id=flow_id)).draft
    response = await ui.post(
        f"/flows/{flow_id}/nodes/sales_queue", {"queue": "support", "options": "{oops"}
    )
    assert response.status_code == 400 and ui.last.template == "flows/editor.html"
    node = next(n for n in ui.last.context["nodes"] if n["id"] == "sales_queue")
    assert node["values"]["options"] == "{oops" and "JSON" in node["errors"]["options"]
    assert (await Flow.get(id=flow_id)).draft == before
    response = await ui.post(f"/flows/{flow_id}/draft", {"definition": "[1, 2"})
    assert response.status_code == 400 and ui.last.context["json_text"] == "[1, 2"
    assert (await Flow.get(id=flow_id)).draft == before


async def test_given_bad_node_id_or_kind_when_adding_then_refused_with_the_reason(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    response = await ui.post("/flows/1/nodes", {"node_id": "has space", "kind": "menu"})
    assert response.status_code == 400
    assert ui.last.context["typed"].add_error == "flows.node_id_invalid"
    await ui.post("/flows/1/nodes", {"node_id": "menu", "kind": "menu"})
    assert ui.last.context["typed"].add_error == "flows.node_id_taken"
    await ui.post("/flows/1/nodes", {"node_id": "fresh", "kind": "teleport"})
    assert ui.last.context["typed"].add_values == {"node_id": "fresh", "kind": "teleport"}
    assert (await Flow.get(id=1)).draft == MAIN_MENU


async def test_given_deleted_node_then_edges_into_it_are_flagged_on_their_nodes(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await ui.post("/flows/1/nodes/goodbye/delete")
    assert "goodbye" not in (await Flow.get(id=1)).draft["nodes"]
    await ui.get("/flows/1")
    menu = next(n for n in ui.last.context["nodes"] if n["id"] == "menu")
    assert [issue["code"] for issue in menu["issues"]] == ["dangling_edge"]


async def test_given_invalid_draft_when_publishing_then_refused_and_no_version(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    flow_id = await new_flow(ui)
    await build_sales_menu(ui, flow_id, queue="nowhere")
    response = await ui.post(f"/flows/{flow_id}/publish", headers=HTMX)
    assert response.status_code == 422
    assert ui.last.context["typed"].error == "flows.publish_refused"
    assert 'data-testid="node-issues-sales_queue"' in response.text
    assert await FlowVersion.filter(flow_id=flow_id).count() == 0


async def test_given_valid_draft_when_publishing_then_each_publish_is_a_new_version(
    ui: UiClient,
) -> None:
    await ui.login("telecom_engineer")
    flow_id = await new_flow(ui)
    await build_sales_menu(ui, flow_id)
    response = await ui.post(f"/flows/{flow_id}/publish")
    assert response.status_code == 303
    page = await ui.get(f"/flows/{flow_id}")
    assert 'data-testid="flow-notice"' in page.text and "Published version 1" in page.text
    await ui.post(f"/flows/{flow_id}/publish", headers=HTMX)
    assert ui.last.context["notice"] == ("flows.published", {"version": 2})
    versions = await FlowVersion.filter(flow_id=flow_id).order_by("version")
    assert [v.version for v in versions] == [1, 2]
    flow = await Flow.get(id=flow_id)
    assert flow.published_version_id == versions[1].id
    assert versions[1].definition == flow.draft and versions[1].published_by == "telecom_engineer"
    assert await AuditEntry.filter(action="publish", object_id=str(flow_id)).count() == 2


@pytest.mark.parametrize("role", ["agent", "auditor", "supervisor"])
async def test_given_role_without_publish_then_publish_and_rollback_are_refused(
    ui: UiClient, role: str
) -> None:
    await ui.login(role)
    assert (await ui.post("/flows/1/publish")).status_code == 403
    assert (await ui.post("/flows/1/versions/1/rollback")).status_code == 403
    assert await FlowVersion.filter(flow_id=1).count() == 1


async def test_given_two_versions_then_the_diff_shows_the_changed_lines(ui: UiClient) -> None:
    await ui.login("administrator")
    form = form_of(MAIN_MENU["nodes"]["menu"])
    form["option_9"] = "greet"
    await ui.post("/flows/1/nodes/menu", form)
    assert (await ui.post("/flows/1/publish")).status_code == 303
    response = await ui.get("/flows/1/diff?from=1&to=2", headers=HTMX)
    assert response.status_code == 200 and ui.last.template == "flows/_diff.html"
    added = [row["text"] for row in ui.last.context["rows"] if row["op"] == "add"]
    removed = [row["text"] for row in ui.last.context["rows"] if row["op"] == "del"]
    assert any('"9": "greet"' in line for line in added)
    assert any('"9": "menu"' in line for line in removed)
    assert 'class="diff-add"' in response.text and 'class="diff-del"' in response.text
    await ui.get("/flows/1/diff")  # default: live version against the draft
    assert ui.last.context["from_version"] == "2" and ui.last.context["changed"] == 0


def test_given_same_definitions_then_diff_has_no_changed_rows() -> None:
    rows = diff_rows(MAIN_MENU, MAIN_MENU)
    assert rows and all(row["op"] == "same" for row in rows)
    changed = diff_rows({"a": 1}, {"a": 2})
    assert [(row["op"], row["text"].strip()) for row in changed if row["op"] != "same"] == [
        ("del", '"a": 1'),
        ("add", '"a": 2'),
    ]


async def test_given_old_version_when_rolling_back_then_a_new_version_equals_it(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await ui.post("/flows/1/nodes/greet", {**form_of(MAIN_MENU["nodes"]["greet"]), "label": "Hi"})
    assert (await ui.post("/flows/1/publish")).status_code == 303
    response = await ui.post("/flows/1/versions/1/rollback", headers=HTMX)
    assert response.status_code == 200 and ui.last.template == "flows/_versions.html"
    assert ui.last.context["notice"] == ("flows.rolled_back", {"version": 1, "new_version": 3})
    assert 'data-testid="version-row-3"' in response.text
    assert 'data-testid="rollback-1"' in response.text
    assert 'data-testid="rollback-3"' not in response.text  # the live one
    versions = await FlowVersion.filter(flow_id=1).order_by("version")
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[2].definition == versions[0].definition == MAIN_MENU
    assert versions[1].definition["nodes"]["greet"]["label"] == "Hi"  # history is not rewritten
    flow = await Flow.get(id=1)
    assert flow.published_version_id == versions[2].id and flow.draft == MAIN_MENU
    entry = await AuditEntry.get(action="rollback")
    assert entry.before == {"to_version": 1} and entry.after["version"] == 3


async def test_given_versions_page_then_rows_and_diff_form_are_listed(ui: UiClient) -> None:
    await ui.login("auditor")
    response = await ui.get("/flows/1/versions")
    assert ui.last.template == "flows/versions.html"
    assert [v["version"] for v in ui.last.context["versions"]] == [1]
    assert 'data-testid="version-row-1"' in response.text
    assert 'data-testid="rollback-1"' not in response.text


async def test_given_did_of_another_flow_then_the_error_names_that_flow(ui: UiClient) -> None:
    await ui.login("administrator")
    flow_id = await new_flow(ui)
    response = await ui.post(f"/flows/{flow_id}/dids", {"number": "8000"}, headers=HTMX)
    assert response.status_code == 409
    assert ui.last.context["typed"].did_value == "8000"
    assert "Main menu" in ui.last.context["typed"].did_error
    assert 'data-testid="did-error"' in response.text
    response = await ui.post(f"/flows/{flow_id}/dids", {"number": "80a1"})
    assert response.status_code == 400 and ui.last.context["typed"].did_value == "80a1"
    assert (await ui.post(f"/flows/{flow_id}/dids", {"number": "8100"})).status_code == 303
    assert (await Did.get(number="8100")).flow_id == flow_id  # type: ignore[attr-defined]
    await ui.post(f"/flows/{flow_id}/dids/8100/delete")
    assert not await Did.exists(number="8100")
    entries = await AuditEntry.filter(object_id=str(flow_id))
    actions = {entry.action for entry in entries}
    assert "assign_did" in actions and "unassign_did" in actions


async def test_given_user_phone_when_test_calling_then_the_center_runs_the_draft(
    ui: UiClient,
) -> None:
    await User.filter(username="telecom_engineer").update(phone_extension="1002")
    await ui.login("telecom_engineer")
    flow_id = await new_flow(ui)
    await build_sales_menu(ui, flow_id)
    response = await ui.post(f"/flows/{flow_id}/test-call", headers=HTMX)
    assert response.status_code == 200
    flow = await Flow.get(id=flow_id)
    # Run as a call of the flow's tenant (its record, its look-up allow-list).
    assert ui.center.test_calls == [("1002", flow.draft, flow.tenant_id)]  # type: ignore[attr-defined]
    assert ui.last.context["notice"] == ("flows.ringing", {"extension": "1002"})
    assert "Ringing 1002" in response.text
    assert await FlowVersion.filter(flow_id=flow_id).count() == 0  # the draft, unpublished
    assert (await AuditEntry.get(action="test_call")).after["extension"] == "1002"


async def test_given_no_phone_or_invalid_draft_then_no_test_call(ui: UiClient) -> None:
    await ui.login("administrator")
    response = await ui.post("/flows/1/test-call")
    assert response.status_code == 400
    assert ui.last.context["typed"].error == "flows.test_call_no_phone"
    await User.filter(username="administrator").update(phone_extension="1001")
    await ui.post("/flows/1/start", {"start": "greet"})
    await ui.post("/flows/1/nodes/goodbye/delete")
    response = await ui.post("/flows/1/test-call", headers=HTMX)
    assert response.status_code == 422
    assert ui.last.context["typed"].error == "flows.test_call_refused"
    assert ui.center.test_calls == []


async def test_given_unknown_flow_or_node_then_clean_404(ui: UiClient) -> None:
    await ui.login("administrator")
    for path in ("/flows/999", "/flows/x", "/flows/1/versions/9/rollback", "/flows/1/diff?from=7"):
        response = await (ui.post(path) if "rollback" in path else ui.get(path))
        assert response.status_code == 404, path
        assert ui.last.template == "flows/not_found.html"
    assert (await ui.post("/flows/1/nodes/nope", {"label": "x"})).status_code == 404


@pytest.mark.parametrize("node_id", list(MAIN_MENU["nodes"]))
def test_given_demo_node_when_its_form_is_resubmitted_unchanged_then_the_node_is_unchanged(
    node_id: str,
) -> None:
    raw = MAIN_MENU["nodes"][node_id]
    form = form_of(raw)
    node, errors = node_forms.apply_values(
        raw, raw["kind"], node_forms.form_values(raw["kind"], form)
    )
    assert errors == {} and node == raw


async def test_given_chinese_user_then_the_flow_pages_are_in_chinese(ui: UiClient) -> None:
    await ui.login("administrator")
    await ui.post("/language", {"language": "zh-CN", "next": "/flows/1"})
    page = await ui.get("/flows/1")
    assert ">发布</button>" in page.text and "菜单 (menu)" in page.text
    assert ">Publish</button>" not in page.text
    page = await ui.get("/flows/1/versions")
    assert "发布人" in page.text


async def test_given_no_javascript_when_saving_a_node_then_redirected_back_to_it(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    form = {**form_of(MAIN_MENU["nodes"]["goodbye"]), "label": "Bye"}
    response = await ui.post("/flows/1/nodes/goodbye", form)
    assert response.status_code == 303
    assert response.headers["location"] == "/flows/1#node-goodbye"
    assert (await Flow.get(id=1)).draft["nodes"]["goodbye"]["label"] == "Bye"


async def test_given_a_node_of_every_registered_kind_then_each_renders_and_saves(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    flow_id = await new_flow(ui)
    for kind in node_forms.registered_kinds():
        assert (
            await ui.post(f"/flows/{flow_id}/nodes", {"node_id": f"n_{kind}", "kind": kind})
        ).status_code == 303
        assert (
            await ui.post(f"/flows/{flow_id}/nodes/n_{kind}", {"label": kind})
        ).status_code == 303
    response = await ui.get(f"/flows/{flow_id}")
    assert response.status_code == 200
    nodes = {node["id"]: node for node in ui.last.context["nodes"]}
    for kind in node_forms.registered_kinds():
        assert f'id="node-n_{kind}"' in response.text
        assert nodes[f"n_{kind}"]["kind"] == kind
    assert nodes["n_menu"]["issues"][0]["code"] == "invalid_config"  # no prompt yet


async def test_given_junk_json_draft_then_the_editor_still_shows_it_with_problems(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    junk = '{"start": 5, "nodes": {"a": 3, "b": {"kind": "martian", "x": "a"}}}'
    assert (await ui.post("/flows/1/draft", {"definition": junk})).status_code == 303
    response = await ui.get("/flows/1")
    assert response.status_code == 200
    assert [issue["code"] for issue in ui.last.context["flow_issues"]] == ["missing_start"]
    nodes = {node["id"]: node for node in ui.last.context["nodes"]}
    assert nodes["b"]["issues"][0]["code"] == "unknown_kind"
    assert 'data-testid="flow-issues"' in response.text
    entry = await AuditEntry.get(action="update_draft")
    assert entry.before == MAIN_MENU and entry.after["nodes"]["a"] == 3


async def test_given_old_version_with_a_deleted_queue_then_rollback_is_refused(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    await Queue.filter(name="support").update(name="renamed")
    response = await ui.post("/flows/1/versions/1/rollback")
    assert response.status_code == 422 and ui.last.template == "flows/versions.html"
    assert "support_queue" in ui.last.context["error"]
    assert await FlowVersion.filter(flow_id=1).count() == 1
