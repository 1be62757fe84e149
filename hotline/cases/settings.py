"""The case settings an administrator edits: code lists (数据字典),
departments and who is in them, and workflow definitions (流程定义).

Every change is audited.  A workflow change may not pull a step from under
a case: a step an open case is in keeps its place and its kind (the change
is refused naming the step), so cases in flight go on as they were; the
time limits, names and later steps may change freely and apply from the
next step a case enters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hotline import audit_trail
from hotline.cases import core, directory, messages, workflow
from hotline.cases.store import default_workflow
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotFound
from hotline.models_cases import Case, CaseWorkflow
from hotline.tenancy import scoped


async def add_code(tenant_id: int, actor: Actor, list_name: str, form: Mapping[str, Any]) -> None:
    row = await directory.add_code(tenant_id, list_name, form)
    await audit_trail.record(
        actor, "case_code_added", "case_code", f"{list_name}:{row.code}", {"label": row.label_zh}
    )


async def hide_code(tenant_id: int, actor: Actor, list_name: str, code: str) -> None:
    await directory.hide_code(tenant_id, list_name, code)
    await audit_trail.record(actor, "case_code_hidden", "case_code", f"{list_name}:{code}", {})


async def add_department(tenant_id: int, actor: Actor, form: Mapping[str, Any]) -> None:
    row = await directory.add_department(tenant_id, form)
    await audit_trail.record(actor, "department_added", "department", row["code"], row)


async def set_member(tenant_id: int, actor: Actor, form: Mapping[str, Any]) -> None:
    username = str(form.get("username", "")).strip()
    if not username:
        raise InvalidRequest("username: required", {"field": "username"})
    department = str(form.get("department", "")).strip()
    lead = str(form.get("lead", "")) in ("1", "on", "true")
    await directory.set_member(tenant_id, username, department, lead)
    await audit_trail.record(
        actor, "department_member_set", "user", username, {"department": department, "lead": lead}
    )


async def workflows(tenant_id: int) -> list[dict[str, Any]]:
    await default_workflow(tenant_id)
    rows = await scoped(CaseWorkflow, tenant_id).order_by("id")
    return [
        {
            "id": row.id,
            "name": row.name,
            "is_default": row.is_default,
            "definition": json.dumps(row.definition, ensure_ascii=False, indent=1),
        }
        for row in rows
    ]


async def save_workflow(
    tenant_id: int, actor: Actor, workflow_id: int, text: str
) -> dict[str, Any]:
    """A workflow's new definition, from its JSON; refusals name the step and field."""
    row = await scoped(CaseWorkflow, tenant_id).get_or_none(id=workflow_id)
    if row is None:
        raise NotFound(f"no workflow {workflow_id}")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidRequest(
            f"workflow: not JSON (line {error.lineno}, column {error.colno}): {error.msg}",
            {"field": "definition", "line": error.lineno},
        ) from None
    definition = workflow.parse(raw)
    calendar = raw.get("calendar") if isinstance(raw, dict) else None
    await _keeps_open_cases(row, definition)
    before = row.definition
    row.definition = {**definition.as_dict(), **({"calendar": calendar} if calendar else {})}
    if isinstance(raw, dict) and raw.get("escalate_after_hours") is not None:
        row.definition["escalate_after_hours"] = raw["escalate_after_hours"]
    await row.save()
    await audit_trail.record(
        actor, "case_workflow_changed", "case_workflow", row.name, {"before": before}
    )
    return {"id": row.id, "name": row.name}


async def _keeps_open_cases(row: CaseWorkflow, new: workflow.WorkflowDefinition) -> None:
    old = workflow.parse(row.definition)
    in_use = (
        await Case.filter(workflow_id=row.id, status__in=list(core.OPEN_STATUSES))
        .distinct()
        .values_list("step", flat=True)
    )
    for step in sorted({int(str(s)) for s in in_use}):
        if step >= len(new.steps) or new.steps[step].kind != old.steps[step].kind:
            raise InvalidRequest(
                f"workflow: open cases are in step {step} ({old.steps[step].name!r},"
                f" {old.steps[step].kind}); keep it there and of that kind",
                {"field": f"steps[{step}]"},
            )


async def save_template(tenant_id: int, actor: Actor, form: Mapping[str, Any]) -> None:
    event, channel, language = (str(form.get(k, "")) for k in ("event", "channel", "language"))
    await messages.save_template(tenant_id, event, channel, language, str(form.get("text", "")))
    await audit_trail.record(
        actor, "message_template_changed", "message_template", f"{event}:{channel}:{language}", {}
    )
