"""Workflow definitions (流程定义): data, independent of departments.

A workflow is an ordered list of steps, as many as a centre needs.  Each
step has a kind (``intake``, ``handle``, ``review``: see ``core``), a name
and a time limit in business hours, with its own limit per case category
(the seeds: complaints replied to within 24 h, technical problems within
2 h); a category's full path (求助/技术故障) wins over its root (求助).
Which departments handle a case is chosen when it is dispatched, not here:
the same workflow serves every department.

Stored as JSON (``CaseWorkflow.definition``) and checked by ``parse``, whose
refusals name the step and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from hotline.errors import InvalidRequest

INTAKE: Final = "intake"
HANDLE: Final = "handle"
REVIEW: Final = "review"
STEP_KINDS: Final = (INTAKE, HANDLE, REVIEW)
MAX_LIMIT_HOURS: Final = 24 * 365
MAX_STEPS: Final = 50
# The demo's category for technical problems (hotline/cases/directory.py).
TECHNICAL_FAULT: Final = "求助/技术故障"


@dataclass(frozen=True)
class WorkflowStep:
    name: str
    kind: str
    limit_hours: float
    # By category root (投诉, 咨询, ...) or full category path; overrides limit_hours.
    limits_by_category: Mapping[str, float] = field(default_factory=dict)

    def limit_for(self, category: str, root: str = "") -> float:
        """The limit for a case of ``category`` (its full path, 求助/技术故障)
        under ``root`` (求助): the path's own, else the root's, else the step's."""
        for key in (category, root):
            if key and key in self.limits_by_category:
                return self.limits_by_category[key]
        return self.limit_hours

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "limit_hours": self.limit_hours,
            "limits_by_category": dict(self.limits_by_category),
        }


@dataclass(frozen=True)
class WorkflowDefinition:
    steps: tuple[WorkflowStep, ...]

    def next_of_kind(self, after: int, kind: str) -> int | None:
        return next(
            (i for i in range(after + 1, len(self.steps)) if self.steps[i].kind == kind), None
        )

    def previous_of_kind(self, before: int, kind: str) -> int | None:
        return next((i for i in range(before - 1, -1, -1) if self.steps[i].kind == kind), None)

    def as_dict(self) -> dict[str, Any]:
        return {"steps": [step.as_dict() for step in self.steps]}


# The standard chain 受理 → 办理 → 审核: the centre takes the case in (2 h to
# dispatch it), a department handles it (72 h; complaints 24 h, requests for
# help 24 h: the seeds' "replied to and resolved within 24 h"; a technical
# fault 2 h: the seeds' "a solution within 2 h, else tell the caller when",
# the progress reply), and the centre reviews the reply before it is closed
# (8 h).
STANDARD: Final = WorkflowDefinition(
    (
        WorkflowStep("受理 intake", INTAKE, 2),
        WorkflowStep("办理 handling", HANDLE, 72, {"投诉": 24, "求助": 24, TECHNICAL_FAULT: 2}),
        WorkflowStep("审核 review", REVIEW, 8),
    )
)


def _refuse(message: str, field_name: str) -> InvalidRequest:
    return InvalidRequest(f"workflow: {message}", {"field": field_name})


def _hours(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(f"{where}: a number of hours, not {value!r}", where)
    if not 0 < float(value) <= MAX_LIMIT_HOURS:
        raise _refuse(f"{where}: between 0 and {MAX_LIMIT_HOURS} hours", where)
    return float(value)


def parse(data: Any) -> WorkflowDefinition:
    """A workflow from its JSON; a refusal names the step (``steps[2].kind``)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("steps"), list):
        raise _refuse("an object with a list of steps", "steps")
    raw_steps = data["steps"]
    if not 2 <= len(raw_steps) <= MAX_STEPS:
        raise _refuse(f"between 2 and {MAX_STEPS} steps", "steps")
    steps: list[WorkflowStep] = []
    names: set[str] = set()
    for index, raw in enumerate(raw_steps):
        where = f"steps[{index}]"
        if not isinstance(raw, Mapping):
            raise _refuse(f"{where}: an object", where)
        name = str(raw.get("name", "")).strip()
        if not name or len(name) > 64:
            raise _refuse(f"{where}.name: 1 to 64 characters", f"{where}.name")
        if name in names:
            raise _refuse(f"{where}.name: {name!r} names two steps", f"{where}.name")
        names.add(name)
        kind = raw.get("kind")
        if kind not in STEP_KINDS:
            raise _refuse(f"{where}.kind: one of {', '.join(STEP_KINDS)}", f"{where}.kind")
        limit = _hours(raw.get("limit_hours"), f"{where}.limit_hours")
        by_category = raw.get("limits_by_category") or {}
        if not isinstance(by_category, Mapping):
            raise _refuse(f"{where}.limits_by_category: an object", f"{where}.limits_by_category")
        limits = {
            str(category): _hours(hours, f"{where}.limits_by_category.{category}")
            for category, hours in by_category.items()
        }
        steps.append(WorkflowStep(name, str(kind), limit, limits))
    if steps[0].kind != INTAKE:
        raise _refuse("steps[0].kind: the first step takes the case in (intake)", "steps[0].kind")
    if not any(step.kind == HANDLE for step in steps):
        raise _refuse("a workflow needs a handling step", "steps")
    for index, step in enumerate(steps):
        if step.kind == REVIEW and not any(s.kind == HANDLE for s in steps[:index]):
            raise _refuse(
                f"steps[{index}].kind: a review follows a handling step", f"steps[{index}].kind"
            )
    return WorkflowDefinition(tuple(steps))
