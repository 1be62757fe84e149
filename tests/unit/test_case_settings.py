"""The case settings page without Asterisk: code lists (added, hidden and
never deleted), departments and members, workflows edited as JSON (a
refusal names the step and field; a step an open case is in stays), all
audited, and only for administrators."""

from __future__ import annotations

import json

from hotline.cases import services
from hotline.center import Actor
from hotline.models import AuditEntry
from hotline.models_cases import CaseCode, CaseWorkflow, Department, DepartmentMember
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient


async def test_given_an_administrator_then_codes_departments_and_members_are_kept_and_audited(
    ui: UiClient,
) -> None:
    await ui.login("administrator")
    page = await ui.get("/cases/settings")
    assert page.status_code == 200 and ui.last.template == "cases/settings.html"
    added = await ui.post(
        "/cases/settings/codes/category",
        {"label_zh": "失物招领", "label_en": "Lost and found", "parent": "求助"},
    )
    assert added.status_code == 303
    code = await CaseCode.get(list_name="category", code="求助/失物招领")
    assert code.label_en == "Lost and found"
    hidden = await ui.post("/cases/settings/codes/category/hide", {"code": "求助/失物招领"})
    assert hidden.status_code == 303
    assert not (await CaseCode.get(id=code.id)).active  # hidden, not deleted
    bad = await ui.post("/cases/settings/codes/category", {"label_zh": ""})
    assert bad.status_code == 422 and ui.last.context["error_field"] == "label_zh"

    await ui.post(
        "/cases/settings/departments",
        {"code": "network", "name": "管网部", "name_en": "Pipe network", "parent": "supply"},
    )
    assert (await Department.get(code="network")).parent_code == "supply"
    await ui.post("/cases/settings/members", {"username": "zhang", "department": "network"})
    assert (await DepartmentMember.get(username="zhang")).department_code == "network"
    refused = await ui.post("/cases/settings/members", {"username": "li", "department": "moon"})
    assert refused.status_code == 422 and ui.last.context["error_field"] == "department"
    actions = {a.action for a in await AuditEntry.all()}
    assert {"case_code_added", "case_code_hidden", "department_added"} <= actions
    assert "department_member_set" in actions


async def test_given_a_workflow_edit_then_bad_json_and_pulled_steps_are_refused(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    case = await services.create_case(
        tenant,
        Actor("agent1001", "127.0.0.1", tenant),
        {"category": "投诉", "subject": "Leak", "department": "billing"},
    )
    assert case["step"] == 1  # handling
    row = await CaseWorkflow.get(is_default=True)
    await ui.login("administrator")
    broken = await ui.post(f"/cases/settings/workflows/{row.id}", {"definition": "{"})
    assert broken.status_code == 422 and ui.last.context["error_field"] == "definition"
    only_intake_and_review = {
        "steps": [
            {"name": "受理", "kind": "intake", "limit_hours": 2},
            {"name": "审核", "kind": "review", "limit_hours": 4},
            {"name": "办理", "kind": "handle", "limit_hours": 48},
        ]
    }
    refused = await ui.post(
        f"/cases/settings/workflows/{row.id}", {"definition": json.dumps(only_intake_and_review)}
    )
    assert refused.status_code == 422
    assert ui.last.context["error_field"] == "steps[1].kind"  # a review before any handling
    longer = dict(row.definition)
    longer["steps"] = [
        *row.definition["steps"][:2],
        {"name": "审核", "kind": "review", "limit_hours": 4},
    ]
    longer["steps"][1] = {**longer["steps"][1], "limit_hours": 48}
    saved = await ui.post(f"/cases/settings/workflows/{row.id}", {"definition": json.dumps(longer)})
    assert saved.status_code == 303
    assert (await CaseWorkflow.get(id=row.id)).definition["steps"][1]["limit_hours"] == 48
    # A sorting step slipped in before handling: the open case's step 1 would change kind.
    pulled = {
        "steps": [
            {"name": "受理", "kind": "intake", "limit_hours": 2},
            {"name": "分拣", "kind": "intake", "limit_hours": 1},
            {"name": "办理", "kind": "handle", "limit_hours": 48},
            {"name": "审核", "kind": "review", "limit_hours": 4},
        ]
    }
    refused = await ui.post(
        f"/cases/settings/workflows/{row.id}", {"definition": json.dumps(pulled)}
    )
    assert refused.status_code == 422 and ui.last.context["error_field"] == "steps[1]"
    assert await AuditEntry.filter(action="case_workflow_changed").count() == 1


async def test_given_a_supervisor_then_settings_are_readable_but_not_writable(
    ui: UiClient,
) -> None:
    await ui.login("supervisor")
    assert (await ui.get("/cases/settings")).status_code == 200
    refused = await ui.post("/cases/settings/codes/source", {"label_zh": "微信"})
    assert refused.status_code == 403
