"""The case workflow core without a database: the state table, what each
action does, and invariants over any sequence of actions (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.cases import core
from hotline.cases import workflow as wf
from hotline.cases.core import Action, CaseState, StartStepClock
from hotline.errors import InvalidRequest

STANDARD = wf.STANDARD
DEPARTMENTS = ("billing", "supply", "network")


def _new(category: str = "投诉") -> CaseState:
    return core.new_case(category, STANDARD).state


def _act(state: CaseState, kind: str, *targets: str, by: str = "", reason: str = "") -> CaseState:
    return core.apply(state, Action(kind, "someone", by, targets, reason), STANDARD).state


def test_given_a_complaint_when_dispatched_replied_and_accepted_then_it_is_closed() -> None:
    outcome = core.new_case("投诉", STANDARD)
    assert outcome.state.status == core.REGISTERED
    assert outcome.commands == (StartStepClock(2),)

    dispatched = core.apply(outcome.state, Action("dispatch", "agent", "", ("billing",)), STANDARD)
    assert dispatched.state.status == core.HANDLING
    # Complaints: 24 h (the seeds), not the step's 72.
    assert dispatched.commands[0] == StartStepClock(24)
    assert core.NotifyDepartments(frozenset({"billing"}), "dispatched") in dispatched.commands

    replied = core.apply(dispatched.state, Action("reply", "li", "billing"), STANDARD)
    assert replied.state.status == core.REVIEWING
    assert replied.commands[0] == core.DepartmentReplied("billing")
    closed = _act(replied.state, "close")
    assert closed.status == core.CLOSED


def test_given_a_technical_fault_then_its_own_two_hours_win_over_its_roots_day() -> None:
    fault = core.new_case("求助", STANDARD, wf.TECHNICAL_FAULT).state
    dispatched = core.apply(fault, Action("dispatch", "agent", "", ("supply",)), STANDARD)
    assert dispatched.commands[0] == StartStepClock(2)
    water_cut = core.new_case("求助", STANDARD, "求助/停水").state
    dispatched = core.apply(water_cut, Action("dispatch", "agent", "", ("supply",)), STANDARD)
    assert dispatched.commands[0] == StartStepClock(24)
    handling = STANDARD.steps[1]
    assert handling.limit_for("建议/其他", "建议") == handling.limit_hours == 72


def test_given_an_enquiry_answered_on_the_call_then_it_closes_at_intake() -> None:
    assert _act(_new("咨询"), "close").status == core.CLOSED


def test_given_a_countersign_then_the_step_waits_for_every_department() -> None:
    state = _act(_new(), "dispatch", "billing")
    state = _act(state, "countersign", "supply", "network", by="billing")
    assert state.awaiting == {"billing", "supply", "network"}
    state = _act(state, "reply", by="billing")
    state = _act(state, "reply", by="network")
    assert state.status == core.HANDLING and state.awaiting == {"supply"}
    state = _act(state, "reply", by="supply")
    assert state.status == core.REVIEWING and state.last_handlers == set(DEPARTMENTS)


def test_given_a_reply_sent_back_then_the_departments_that_replied_hold_it_again() -> None:
    state = _act(_act(_new(), "dispatch", "billing"), "reply", by="billing")
    back = core.apply(state, Action("reject_reply", "lead", "", (), "attach the receipt"), STANDARD)
    assert back.state.status == core.HANDLING and back.state.awaiting == {"billing"}
    assert core.NotifyDepartments(frozenset({"billing"}), "reply_rejected") in back.commands


def test_given_a_return_then_the_centre_has_the_case_again() -> None:
    state = _act(_new(), "dispatch", "billing")
    with pytest.raises(InvalidRequest) as refused:
        _act(state, "return", by="billing")
    assert refused.value.details == {"field": "note"}
    back = _act(state, "return", by="billing", reason="not ours: the meter is supply's")
    assert back.status == core.REGISTERED and back.awaiting == frozenset()


def test_given_a_transfer_then_the_new_department_holds_it_with_a_full_period() -> None:
    state = _act(_new("咨询"), "dispatch", "billing")
    moved = core.apply(state, Action("transfer", "li", "billing", ("supply",)), STANDARD)
    assert moved.state.awaiting == {"supply"}
    assert moved.commands[0] == StartStepClock(72)


def test_given_an_enquiry_then_joint_handling_is_refused_naming_the_category() -> None:
    state = _act(_new("咨询"), "dispatch", "billing")
    with pytest.raises(InvalidRequest) as refused:
        _act(state, "joint", "supply", by="billing", reason="pipes and bills")
    assert refused.value.details == {"field": "category"}


def test_given_a_joint_request_then_the_superior_approves_or_refuses_it() -> None:
    state = _act(_new("投诉"), "dispatch", "billing")
    asked = _act(state, "joint", "supply", by="billing", reason="the leak caused the bill")
    assert asked.status == core.JOINT_REVIEW and asked.joint_partners == {"supply"}
    approved = _act(asked, "approve_joint")
    assert approved.status == core.HANDLING and approved.awaiting == {"billing", "supply"}
    refused = _act(asked, "refuse_joint", reason="billing alone can refund")
    assert refused.status == core.HANDLING and refused.awaiting == {"billing"}


def test_given_an_approved_extension_then_a_new_full_period_starts_and_it_counts() -> None:
    state = _act(_new(), "dispatch", "billing")
    asked = _act(state, "extend", by="billing", reason="waiting for the meter test")
    with pytest.raises(InvalidRequest, match="already waiting"):
        _act(asked, "extend", by="billing", reason="again")
    approved = core.apply(asked, Action("approve_extension", "director"), STANDARD)
    assert approved.state.extensions == 1 and not approved.state.extension_pending
    assert approved.commands[0] == StartStepClock(24, extended=True)
    assert not core.is_late_case(4) and core.is_late_case(5)


def test_given_a_deadline_in_the_action_then_the_clock_takes_it() -> None:
    due = datetime(2026, 12, 8, 18, 0, tzinfo=UTC)
    outcome = core.apply(
        _new(), Action("dispatch", "agent", "", ("billing",), deadline=due), STANDARD
    )
    assert outcome.commands[0] == StartStepClock(24, due)


def test_given_a_closed_case_then_only_reopen_is_allowed() -> None:
    closed = _act(_new("咨询"), "close")
    assert core.allowed_actions(closed) == {"reopen"}
    with pytest.raises(InvalidRequest) as refused:
        _act(closed, "chase")
    assert refused.value.details == {"field": "action"}
    reopened = _act(closed, "reopen", "billing", reason="dissatisfied at the follow-up")
    assert reopened.status == core.HANDLING and reopened.awaiting == {"billing"}


def test_every_status_allows_some_action_and_every_action_some_status() -> None:
    assert set(core.ALLOWED) == set(core.STATUSES)
    assert all(core.ALLOWED[status] for status in core.STATUSES)
    assert set().union(*core.ALLOWED.values()) == set(core.ACTIONS)


# -- workflow definitions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"steps": []}, "steps"),
        ({"steps": [{"name": "a", "kind": "handle", "limit_hours": 1}] * 2}, "steps[1].name"),
        (
            {
                "steps": [
                    {"name": "a", "kind": "handle", "limit_hours": 1},
                    {"name": "b", "kind": "review", "limit_hours": 1},
                ]
            },
            "steps[0].kind",
        ),
        (
            {
                "steps": [
                    {"name": "a", "kind": "intake", "limit_hours": 1},
                    {"name": "b", "kind": "handle", "limit_hours": -2},
                ]
            },
            "steps[1].limit_hours",
        ),
        (
            {
                "steps": [
                    {"name": "a", "kind": "intake", "limit_hours": 1},
                    {"name": "b", "kind": "audit", "limit_hours": 2},
                ]
            },
            "steps[1].kind",
        ),
        (
            {
                "steps": [
                    {"name": "a", "kind": "intake", "limit_hours": 1},
                    {"name": "b", "kind": "review", "limit_hours": 2},
                ]
            },
            "steps",
        ),
        (
            {
                "steps": [
                    {"name": "a", "kind": "intake", "limit_hours": 1},
                    {
                        "name": "b",
                        "kind": "handle",
                        "limit_hours": 2,
                        "limits_by_category": {"投诉": "soon"},
                    },
                ]
            },
            "steps[1].limits_by_category.投诉",
        ),
    ],
)
def test_given_a_bad_workflow_then_the_refusal_names_the_step_and_field(
    data: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        wf.parse(data)
    assert refused.value.details == {"field": field}


def test_the_standard_workflow_reads_back_from_its_json() -> None:
    assert wf.parse(STANDARD.as_dict()) == STANDARD


def test_given_two_review_levels_then_accept_moves_on_and_close_waits_for_the_last() -> None:
    two_levels = wf.parse(
        {
            "steps": [
                {"name": "受理", "kind": "intake", "limit_hours": 2},
                {"name": "三级办理", "kind": "handle", "limit_hours": 120},
                {"name": "二级审核", "kind": "review", "limit_hours": 24},
                {"name": "一级审核", "kind": "review", "limit_hours": 24},
            ]
        }
    )
    state = core.new_case("投诉", two_levels).state
    for kind, by, targets in (("dispatch", "", ("unit-a1",)), ("reply", "unit-a1", ())):
        state = core.apply(state, Action(kind, "u", by, targets), two_levels).state
    assert (state.status, state.step) == (core.REVIEWING, 2)
    with pytest.raises(InvalidRequest, match="not the workflow's last"):
        core.apply(state, Action("close", "u"), two_levels)
    state = core.apply(state, Action("accept", "u"), two_levels).state
    assert (state.status, state.step) == (core.REVIEWING, 3)
    assert core.apply(state, Action("close", "u"), two_levels).state.status == core.CLOSED


def test_given_a_complex_complaint_then_its_progress_clock_runs_while_departments_hold_it() -> None:
    registered = _new()
    marked = core.apply(registered, Action("mark_complex", "lead"), STANDARD)
    assert marked.state.complex and marked.commands == ()
    assert core.progress_clock(registered, "mark_complex", marked) == core.PROGRESS_STOP

    dispatched = core.apply(marked.state, Action("dispatch", "lead", "", ("billing",)), STANDARD)
    assert core.progress_clock(marked.state, "dispatch", dispatched) == core.PROGRESS_START
    chased = core.apply(dispatched.state, Action("chase", "lead"), STANDARD)
    assert core.progress_clock(dispatched.state, "chase", chased) == core.PROGRESS_KEEP

    reported = core.apply(
        dispatched.state, Action("progress", "li", "billing", (), "pipe ordered"), STANDARD
    )
    assert reported.state == dispatched.state
    assert core.ProgressReported("billing", "pipe ordered") in reported.commands
    assert core.NotifyDepartments(frozenset({""}), "progress") in reported.commands
    assert core.progress_clock(dispatched.state, "progress", reported) == core.PROGRESS_START

    replied = core.apply(dispatched.state, Action("reply", "li", "billing"), STANDARD)
    assert core.progress_clock(dispatched.state, "reply", replied) == core.PROGRESS_STOP


def test_given_a_case_held_by_departments_when_marked_complex_then_they_are_told() -> None:
    handling = _act(_new(), "dispatch", "billing")
    marked = core.apply(handling, Action("mark_complex", "lead"), STANDARD)
    assert marked.commands == (core.NotifyDepartments(frozenset({"billing"}), "marked_complex"),)
    assert core.progress_clock(handling, "mark_complex", marked) == core.PROGRESS_START


@pytest.mark.parametrize(
    ("state", "kind", "reason", "field"),
    [
        (_new("咨询"), "mark_complex", "", "category"),
        (_act(_new(), "mark_complex"), "mark_complex", "", "action"),
        (_act(_new(), "dispatch", "billing"), "progress", "", "note"),
        (_new(), "progress", "too early", "action"),
    ],
)
def test_given_a_progress_action_out_of_place_then_the_refusal_names_the_field(
    state: CaseState, kind: str, reason: str, field: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        core.apply(state, Action(kind, "u", "billing", (), reason), STANDARD)
    assert refused.value.details == {"field": field}


# -- invariants over any sequence --------------------------------------------------

_actions = st.builds(
    Action,
    kind=st.sampled_from(core.ACTIONS),
    user=st.just("u"),
    department=st.sampled_from(("", *DEPARTMENTS)),
    targets=st.lists(st.sampled_from(DEPARTMENTS), max_size=3).map(tuple),
    reason=st.sampled_from(("", "because")),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(("投诉", "咨询", "求助")), st.lists(_actions, max_size=40))
def test_whatever_the_actions_the_workflow_keeps_its_invariants(
    category: str, actions: list[Action]
) -> None:
    state = core.new_case(category, STANDARD).state
    for action in actions:
        try:
            outcome = core.apply(state, action, STANDARD)
        except InvalidRequest as refused:
            # A refusal names a field and changes nothing.
            assert refused.details is not None and refused.details.get("field")
            if state.status == core.CLOSED:
                assert action.kind != "reopen" or not action.reason
            continue
        before, state = state, outcome.state
        if before.status == core.CLOSED:
            assert action.kind == "reopen"
        # Counts never go down.
        assert state.extensions >= before.extensions and state.chases >= before.chases
        # A handling step ends only when no department is still awaited.
        if before.status == core.HANDLING and state.status in (core.REVIEWING, core.CLOSED):
            assert action.kind in ("reply", "return") and not state.awaiting
        assert state.status in core.STATUSES
        assert 0 <= state.step < len(STANDARD.steps)
        if state.status == core.HANDLING:
            assert state.awaiting or state.replied
        if state.status != core.JOINT_REVIEW:
            assert not state.joint_partners
        if state.status in (core.REGISTERED, core.CLOSED):
            assert not state.awaiting
        # Once complex, a case stays so; only complaints become complex.
        assert state.complex >= before.complex
        assert not state.complex or category == core.COMPLEX_CATEGORY
        # The daily progress clock runs exactly while departments hold a complex case.
        clock = core.progress_clock(before, action.kind, outcome)
        held = state.complex and state.status in core.HELD_BY_DEPARTMENTS
        assert (clock != core.PROGRESS_STOP) == held
        if held and action.kind == core.PROGRESS:
            assert clock == core.PROGRESS_START
