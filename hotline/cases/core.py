"""A case's (工单) way through the departments: a pure state machine.

Events in (an action someone takes on the case), commands out (start a
step's clock, notify a holder, write history).  No I/O, no clock: the
service stores the state this returns and carries out the commands.

The chain the hotlines describe is 受理 → 转办 → 督办 → 反馈 → 回复.  A case
walks the steps of its workflow (``workflow.py``: data, edited on /cases),
whose kinds are:

- ``intake`` (受理): the centre holds the case.  It dispatches it to a
  department, or closes it at once (an enquiry answered on the call: first
  contact resolution).
- ``handle`` (办理): one or more departments hold it.  Each may transfer it
  on (转办), return it to the centre (退办, with a reason), reply (回复), ask
  for an extension (延期), ask for joint handling (联办, complaints only) or
  add departments that must all reply too (会签).  The step is done when
  every department it waits for has replied.
- ``review`` (审核): a superior reads the replies and accepts them (the next
  step, or closed after the last one) or sends them back (回复退回).

A complaint the centre marks complex (复杂投诉) gets a progress reply
(阶段性答复) every day while departments hold it (the seeds' rule):
``progress_clock`` says when that daily clock starts again, runs on or
stops, and the case clock tells the holders when a day passed without one.

Statuses and the actions each allows are the table ``ALLOWED``; each action's
effect is one small function in ``_EFFECTS``.  What holds whatever the order
of actions (tests/unit/test_case_workflow.py, hypothesis): a closed case
takes no action but ``reopen``; a handling step ends only when every
department it waits for has replied; counts never go down.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from hotline.cases.workflow import HANDLE, INTAKE, REVIEW, WorkflowDefinition
from hotline.errors import InvalidRequest

# Statuses.
REGISTERED: Final = "registered"  # with the centre (an intake step)
HANDLING: Final = "handling"  # with departments (a handle step)
JOINT_REVIEW: Final = "joint_review"  # 联办 asked for: the superior decides
REVIEWING: Final = "reviewing"  # replies being reviewed (a review step)
CLOSED: Final = "closed"
STATUSES: Final = (REGISTERED, HANDLING, JOINT_REVIEW, REVIEWING, CLOSED)
OPEN_STATUSES: Final = frozenset({REGISTERED, HANDLING, JOINT_REVIEW, REVIEWING})

# Actions (the API's contract names them; extended with the answers to a
# request: approve/refuse joint handling, reject an extension, accept or
# send back a reply, supervise, note).
DISPATCH: Final = "dispatch"
TRANSFER: Final = "transfer"
RETURN: Final = "return"
REPLY: Final = "reply"
JOINT: Final = "joint"
APPROVE_JOINT: Final = "approve_joint"
REFUSE_JOINT: Final = "refuse_joint"
COUNTERSIGN: Final = "countersign"
EXTEND: Final = "extend"
APPROVE_EXTENSION: Final = "approve_extension"
REJECT_EXTENSION: Final = "reject_extension"
ACCEPT: Final = "accept"
REJECT_REPLY: Final = "reject_reply"
CHASE: Final = "chase"
SUPERVISE: Final = "supervise"
NOTE: Final = "note"
MARK_COMPLEX: Final = "mark_complex"  # 复杂投诉: a progress reply every day
PROGRESS: Final = "progress"  # 阶段性答复: how far the handling got, to the caller too
CLOSE: Final = "close"
REOPEN: Final = "reopen"
ACTIONS: Final = (
    DISPATCH,
    TRANSFER,
    RETURN,
    REPLY,
    JOINT,
    APPROVE_JOINT,
    REFUSE_JOINT,
    COUNTERSIGN,
    EXTEND,
    APPROVE_EXTENSION,
    REJECT_EXTENSION,
    ACCEPT,
    REJECT_REPLY,
    CHASE,
    SUPERVISE,
    NOTE,
    MARK_COMPLEX,
    PROGRESS,
    CLOSE,
    REOPEN,
)

# Anyone who may see a case may chase it, mark it or write a note on it,
# while it is open.
_ANY_TIME: Final = frozenset({CHASE, SUPERVISE, NOTE})
ALLOWED: Final[dict[str, frozenset[str]]] = {
    REGISTERED: frozenset({DISPATCH, TRANSFER, CLOSE, MARK_COMPLEX}) | _ANY_TIME,
    HANDLING: frozenset(
        {
            TRANSFER,
            RETURN,
            REPLY,
            JOINT,
            COUNTERSIGN,
            EXTEND,
            APPROVE_EXTENSION,
            REJECT_EXTENSION,
            MARK_COMPLEX,
            PROGRESS,
        }
    )
    | _ANY_TIME,
    JOINT_REVIEW: frozenset(
        {
            APPROVE_JOINT,
            REFUSE_JOINT,
            REPLY,
            EXTEND,
            APPROVE_EXTENSION,
            REJECT_EXTENSION,
            MARK_COMPLEX,
            PROGRESS,
        }
    )
    | _ANY_TIME,
    REVIEWING: frozenset({ACCEPT, CLOSE, REJECT_REPLY}) | _ANY_TIME,
    CLOSED: frozenset({REOPEN}),
}
# Actions that need a reason (the seeds: 退办, 回复退回, 延期, 联办 and their refusals).
NEEDS_REASON: Final = frozenset(
    {RETURN, JOINT, REFUSE_JOINT, EXTEND, REJECT_EXTENSION, REJECT_REPLY, REOPEN, PROGRESS}
)
# Only complaints may ask for joint handling (seeds: 投诉件可申请联办), and
# only complaints are marked complex (seeds: 复杂投诉每日答复进度).
JOINT_CATEGORY: Final = "投诉"
COMPLEX_CATEGORY: Final = "投诉"
# Statuses in which departments hold the case, so the daily progress clock runs.
HELD_BY_DEPARTMENTS: Final = frozenset({HANDLING, JOINT_REVIEW})
# The progress clock's period: a day (the seeds' 每日).
PROGRESS_EVERY_HOURS: Final = 24.0
# The seeds' rule: five approved extensions of one case count as one case
# handled late (未息访件) for its department, on top of losing "on time".
EXTENSIONS_PER_LATE_CASE: Final = 5


@dataclass(frozen=True)
class CaseState:
    """What the workflow needs to know of a case."""

    status: str
    step: int  # index into the workflow's steps
    category_root: str  # 咨询, 投诉, 求助, 建议, 表扬 (or an own root)
    # Departments whose reply this handle step waits for, and those that replied.
    awaiting: frozenset[str] = frozenset()
    replied: frozenset[str] = frozenset()
    # The departments that hold the case now (awaiting ∪ the reviewer's).
    last_handlers: frozenset[str] = frozenset()
    joint_partners: frozenset[str] = frozenset()
    extension_pending: bool = False
    extensions: int = 0
    chases: int = 0
    supervised: bool = False
    complex: bool = False
    # The full category (求助/技术故障): a workflow's limit may be its own.
    category: str = ""


@dataclass(frozen=True)
class Action:
    """Someone's action: who (user, their department), what, and its terms."""

    kind: str
    user: str
    department: str = ""  # the acting user's department ("" for the centre)
    targets: tuple[str, ...] = ()  # departments the action sends the case to
    reason: str = ""
    deadline: datetime | None = None  # overrides the step's computed one


# Commands.
@dataclass(frozen=True)
class StartStepClock:
    """The step's deadline starts again now: ``hours`` of its limit (business
    time on the case's calendar), or ``at`` when the action gave one."""

    hours: float
    at: datetime | None = None
    extended: bool = False


@dataclass(frozen=True)
class NotifyDepartments:
    departments: frozenset[str]
    reason: str  # a notice kind: dispatched, chased, returned, ...


@dataclass(frozen=True)
class DepartmentReplied:
    """A department's part of a handle step ended (on time or late is the
    service's to judge against the step's deadline)."""

    department: str


@dataclass(frozen=True)
class ProgressReported:
    """A department told how far the handling got: the caller is told too."""

    department: str
    text: str


Command = StartStepClock | NotifyDepartments | DepartmentReplied | ProgressReported


@dataclass(frozen=True)
class Outcome:
    state: CaseState
    commands: tuple[Command, ...] = field(default_factory=tuple)


class ActionRefused(InvalidRequest):
    """An action the case's state or the action's terms do not allow; names the field."""

    def __init__(self, message: str, field_name: str) -> None:
        super().__init__(f"case: {message}", {"field": field_name})


def allowed_actions(state: CaseState) -> frozenset[str]:
    return ALLOWED[state.status]


def apply(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    """The case's state after ``action``, and what to do about it."""
    if action.kind not in ACTIONS:
        raise ActionRefused(f"unknown action {action.kind!r}", "action")
    if action.kind not in ALLOWED[state.status]:
        raise ActionRefused(f"cannot {action.kind} a case that is {state.status}", "action")
    if action.kind in NEEDS_REASON and not action.reason.strip():
        raise ActionRefused(f"{action.kind} needs a reason", "note")
    return _EFFECTS[action.kind](state, action, workflow)


# -- effects -----------------------------------------------------------------------


def _hours(workflow: WorkflowDefinition, step: int, state: CaseState) -> float:
    return workflow.steps[step].limit_for(state.category, state.category_root)


def _targets(action: Action) -> frozenset[str]:
    targets = frozenset(t for t in action.targets if t)
    if not targets:
        raise ActionRefused(f"{action.kind} needs a department", "department")
    return targets


def _enter_step(
    state: CaseState, step: int, workflow: WorkflowDefinition, action: Action, **changes: object
) -> tuple[CaseState, StartStepClock]:
    """Into ``step``: its status, and its clock started."""
    kind = workflow.steps[step].kind
    status = {INTAKE: REGISTERED, HANDLE: HANDLING, REVIEW: REVIEWING}[kind]
    entered = dataclasses.replace(state, status=status, step=step, **changes)  # type: ignore[arg-type]
    return entered, StartStepClock(_hours(workflow, step, entered), action.deadline)


def _dispatch(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    targets = _targets(action)
    step = workflow.next_of_kind(state.step, HANDLE)
    if step is None:
        raise ActionRefused("the workflow has no handling step to dispatch to", "department")
    entered, clock = _enter_step(
        state,
        step,
        workflow,
        action,
        awaiting=targets,
        replied=frozenset(),
        last_handlers=targets,
        joint_partners=frozenset(),
        extension_pending=False,
    )
    return Outcome(entered, (clock, NotifyDepartments(targets, "dispatched")))


def _transfer(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    if state.status == REGISTERED:
        return _dispatch(state, action, workflow)
    targets = _targets(action)
    giver = _acting_holder(state, action)
    awaiting = (state.awaiting - {giver}) | targets
    moved = dataclasses.replace(
        state, awaiting=awaiting, last_handlers=awaiting, extension_pending=False
    )
    # The new holder gets a full period of its own.
    clock = StartStepClock(_hours(workflow, state.step, moved), action.deadline)
    return Outcome(moved, (clock, NotifyDepartments(targets, "transferred")))


def _acting_holder(state: CaseState, action: Action) -> str:
    """The department the action is taken for: the actor's own when it holds
    the case, else (the centre acting) the only holder."""
    if action.department in state.awaiting:
        return action.department
    if len(state.awaiting) == 1:
        return next(iter(state.awaiting))
    raise ActionRefused("several departments hold the case: act as one of them", "department")


def _return(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    giver = _acting_holder(state, action)
    awaiting = state.awaiting - {giver}
    if awaiting or state.replied:
        # Others still hold it (or have replied): only this one steps out.
        left = dataclasses.replace(state, awaiting=awaiting, last_handlers=awaiting)
        return _step_done_if_all_replied(left, action, workflow, returned_by=giver)
    back = workflow.previous_of_kind(state.step, INTAKE)
    entered, clock = _enter_step(
        state,
        0 if back is None else back,
        workflow,
        action,
        awaiting=frozenset(),
        replied=frozenset(),
        last_handlers=frozenset({giver}),
        extension_pending=False,
    )
    return Outcome(entered, (clock, NotifyDepartments(frozenset({""}), "returned")))


def _reply(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    replier = _acting_holder(state, action)
    replied = dataclasses.replace(
        state,
        awaiting=state.awaiting - {replier},
        replied=state.replied | {replier},
        # A joint request is moot once its asker has replied alone.
        status=HANDLING,
        joint_partners=frozenset(),
    )
    outcome = _step_done_if_all_replied(replied, action, workflow)
    return Outcome(outcome.state, (DepartmentReplied(replier), *outcome.commands))


def _step_done_if_all_replied(
    state: CaseState, action: Action, workflow: WorkflowDefinition, returned_by: str = ""
) -> Outcome:
    commands: list[Command] = []
    if returned_by:
        commands.append(NotifyDepartments(frozenset({""}), "returned"))
    if state.awaiting:
        return Outcome(state, tuple(commands))
    handlers = state.replied
    following = state.step + 1
    if following >= len(workflow.steps):
        closed = dataclasses.replace(
            state, status=CLOSED, last_handlers=handlers, extension_pending=False
        )
        return Outcome(closed, tuple(commands))
    entered, clock = _enter_step(
        state,
        following,
        workflow,
        action,
        last_handlers=handlers,
        extension_pending=False,
    )
    return Outcome(entered, (*commands, clock, NotifyDepartments(frozenset({""}), "replied")))


def _joint(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    if state.category_root != JOINT_CATEGORY:
        raise ActionRefused(
            f"only a complaint ({JOINT_CATEGORY}) may ask for joint handling", "category"
        )
    partners = _targets(action) - state.awaiting - state.replied
    if not partners:
        raise ActionRefused("joint handling needs a department not yet on the case", "department")
    _acting_holder(state, action)
    asked = dataclasses.replace(state, status=JOINT_REVIEW, joint_partners=partners)
    return Outcome(asked, (NotifyDepartments(frozenset({""}), "joint_requested"),))


def _approve_joint(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    partners = state.joint_partners
    awaiting = state.awaiting | partners
    joined = dataclasses.replace(
        state,
        status=HANDLING,
        awaiting=awaiting,
        last_handlers=awaiting,
        joint_partners=frozenset(),
    )
    return Outcome(joined, (NotifyDepartments(partners, "joint_dispatched"),))


def _refuse_joint(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    back = dataclasses.replace(state, status=HANDLING, joint_partners=frozenset())
    return Outcome(back, (NotifyDepartments(state.awaiting, "joint_refused"),))


def _countersign(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    added = _targets(action) - state.awaiting - state.replied
    if not added:
        raise ActionRefused("countersign needs a department not yet on the case", "department")
    awaiting = state.awaiting | added
    signed = dataclasses.replace(state, awaiting=awaiting, last_handlers=awaiting)
    return Outcome(signed, (NotifyDepartments(added, "countersign"),))


def _extend(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    if state.extension_pending:
        raise ActionRefused("an extension is already waiting for approval", "action")
    _acting_holder(state, action)
    asked = dataclasses.replace(state, extension_pending=True)
    return Outcome(asked, (NotifyDepartments(frozenset({""}), "extension_requested"),))


def _approve_extension(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    if not state.extension_pending:
        raise ActionRefused("no extension is waiting for approval", "action")
    extended = dataclasses.replace(state, extension_pending=False, extensions=state.extensions + 1)
    # A full new period from the approval (seeds: 从延期审核通过开始计算一个新办理周期).
    clock = StartStepClock(_hours(workflow, state.step, extended), action.deadline, extended=True)
    return Outcome(extended, (clock, NotifyDepartments(state.awaiting, "extension_approved")))


def _reject_extension(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    if not state.extension_pending:
        raise ActionRefused("no extension is waiting for approval", "action")
    kept = dataclasses.replace(state, extension_pending=False)
    return Outcome(kept, (NotifyDepartments(state.awaiting, "extension_rejected"),))


def _accept(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    following = state.step + 1
    if following >= len(workflow.steps):
        return Outcome(dataclasses.replace(state, status=CLOSED))
    entered, clock = _enter_step(state, following, workflow, action)
    return Outcome(entered, (clock,))


def _close(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    if state.status == REVIEWING and state.step + 1 < len(workflow.steps):
        raise ActionRefused(
            f"step {workflow.steps[state.step].name!r} is not the workflow's last: accept it",
            "action",
        )
    return Outcome(dataclasses.replace(state, status=CLOSED, extension_pending=False))


def _reject_reply(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    back = workflow.previous_of_kind(state.step, HANDLE)
    if back is None:
        raise ActionRefused("no handling step to send the reply back to", "action")
    handlers = state.last_handlers or state.replied
    entered, clock = _enter_step(
        state,
        back,
        workflow,
        action,
        awaiting=handlers,
        replied=frozenset(),
        last_handlers=handlers,
    )
    return Outcome(entered, (clock, NotifyDepartments(handlers, "reply_rejected")))


def _chase(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    chased = dataclasses.replace(state, chases=state.chases + 1)
    holders = state.awaiting if state.status in (HANDLING, JOINT_REVIEW) else frozenset({""})
    return Outcome(chased, (NotifyDepartments(holders, "chased"),))


def _supervise(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    return Outcome(dataclasses.replace(state, supervised=True))


def _note(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    return Outcome(state)


def _mark_complex(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    if state.category_root != COMPLEX_CATEGORY:
        raise ActionRefused(f"only a complaint ({COMPLEX_CATEGORY}) is marked complex", "category")
    if state.complex:
        raise ActionRefused("the case is already marked complex", "action")
    marked = dataclasses.replace(state, complex=True)
    if state.status in HELD_BY_DEPARTMENTS:
        return Outcome(marked, (NotifyDepartments(state.awaiting, "marked_complex"),))
    return Outcome(marked)


def _progress(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    reporter = _acting_holder(state, action)
    return Outcome(
        state,
        (
            ProgressReported(reporter, action.reason.strip()),
            NotifyDepartments(frozenset({""}), "progress"),
        ),
    )


def _reopen(state: CaseState, action: Action, workflow: WorkflowDefinition) -> Outcome:
    reopened = dataclasses.replace(
        state, status=REGISTERED, step=0, awaiting=frozenset(), replied=frozenset()
    )
    if action.targets:
        return _dispatch(reopened, action, workflow)
    entered, clock = _enter_step(reopened, 0, workflow, action)
    return Outcome(entered, (clock, NotifyDepartments(frozenset({""}), "reopened")))


_EFFECTS: Final[dict[str, Callable[[CaseState, Action, WorkflowDefinition], Outcome]]] = {
    DISPATCH: _dispatch,
    TRANSFER: _transfer,
    RETURN: _return,
    REPLY: _reply,
    JOINT: _joint,
    APPROVE_JOINT: _approve_joint,
    REFUSE_JOINT: _refuse_joint,
    COUNTERSIGN: _countersign,
    EXTEND: _extend,
    APPROVE_EXTENSION: _approve_extension,
    REJECT_EXTENSION: _reject_extension,
    ACCEPT: _accept,
    CLOSE: _close,
    REJECT_REPLY: _reject_reply,
    CHASE: _chase,
    SUPERVISE: _supervise,
    NOTE: _note,
    MARK_COMPLEX: _mark_complex,
    PROGRESS: _progress,
    REOPEN: _reopen,
}


# What becomes of the daily progress clock after an action.
PROGRESS_START: Final = "start"  # (again) a full day from now
PROGRESS_KEEP: Final = "keep"
PROGRESS_STOP: Final = "stop"


def progress_clock(before: CaseState, action: str, outcome: Outcome) -> str:
    """The daily progress clock of a complex complaint (pure).

    It runs while departments hold the case, and starts again (a full day)
    when a department reports progress, when the case is marked complex or
    comes to departments, and when its holders or step change (a new
    holder's own day); otherwise it keeps running, and it stops whenever
    the case is not complex or not held by departments."""
    after = outcome.state
    if not after.complex or after.status not in HELD_BY_DEPARTMENTS:
        return PROGRESS_STOP
    if (
        action in (PROGRESS, MARK_COMPLEX)
        or before.status not in HELD_BY_DEPARTMENTS
        or any(isinstance(command, StartStepClock) for command in outcome.commands)
        or after.awaiting - before.awaiting
    ):
        return PROGRESS_START
    return PROGRESS_KEEP


def new_case(category_root: str, workflow: WorkflowDefinition, category: str = "") -> Outcome:
    """A case just taken in: at the workflow's first step, its clock started."""
    first = CaseState(status=REGISTERED, step=0, category_root=category_root, category=category)
    entered, clock = _enter_step(first, 0, workflow, Action(NOTE, ""))
    return Outcome(entered, (clock,))


def is_late_case(extensions: int) -> bool:
    """The seeds' rule: five approved extensions count as one case handled late."""
    return extensions >= EXTENSIONS_PER_LATE_CASE
