"""The case report (工单统计报表, issue 16 §10): its sections as rows.

Each section is a standard report: ``hotline/metrics/report_kinds.py``
registers every one of ``SECTIONS``, so the report pages, their exports
(CSV, XLSX, PDF, Word), the API and saved custom reports all show the same
rows; the one combined document (``/cases/report.*``) is these sections
together.  The figures are METRICS.md's ("Surveys and cases"); where
``figures.py`` or ``follow_ups.py`` already computes one, the section calls
it rather than counting again.

What each section counts, and which rows of the period:

- ``cases_overall``: ``figures.overall``: cases due in the period and those
  closed on time; cases opened in it and those resolved at first contact.
- ``cases_by_category``, ``cases_by_source``: the cases taken in during the
  period, per category (its full code, 投诉/水压) or source: how many, their
  share, how many were closed by the period's end, the rest open, and how
  many were closed at first contact.
- ``cases_by_department``: the cases given to each department during the
  period (one of its turns began in it): how many, how many it replied to
  and still held at the period's end, and how many were closed by then.
- ``cases_on_time``: ``figures.department_figures``: the on-time rate
  (按期办结率) of the turns due in the period, and the ranking.
- ``cases_extensions``: the same turns as the ranking: how many were
  extended, the approved extensions they had, and those late by five
  extensions (未息访件, ``core.is_late_case``).
- ``cases_follow_ups``: the follow-up visits (回访) done in the period, for
  all and per department that replied to the case: satisfied ÷ reached
  (``follow_ups.satisfaction``), each answer's count and share of the
  reached, solved ÷ the reached who said, and "not reached" on its own.
- ``cases_steps`` (信息流转跟踪统计): per step kind and holder (the centre
  takes cases in and reviews replies; departments handle them), the turns
  that began in the period: how many, how many ended by the period's end and
  how (replied, returned, transferred), the rest open, and the mean and
  longest hours a turn was held, twice: wall-clock hours
  (``avg_hours_held``, ``max_hours_held``) and business hours
  (``avg_business_hours_held``, ``max_business_hours_held``), the open hours
  of the case's workflow's calendar (``deadlines.CaseCalendar``) that its
  deadlines count, so a turn held over a weekend or a holiday is not shown
  longer than its deadline clock ran.  A workflow that names no calendar
  counts every hour, and its business hours equal its wall-clock hours.
  Both are hours of the ended turns only, so a past period's figures do not
  grow as time passes; the calendar is read as it is now (as ``hours_left``
  reads it), so editing a calendar changes past business hours.

Percentages are 0-100 with one decimal and named ``*_pct``, as
``figures.py`` gives them (the ``/api/v1/reports/cases`` contract); an empty
denominator is null ("–"), never 0 % or 100 %.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from hotline.cases import core, directory, figures, follow_ups, store
from hotline.cases.deadlines import CaseCalendar
from hotline.cases.workflow import HANDLE, INTAKE, REVIEW, STEP_KINDS
from hotline.models_cases import (
    Case,
    CaseAction,
    CaseAssignment,
    CaseCode,
    CaseWorkflow,
    Department,
    FollowUp,
)
from hotline.tenancy import scoped

Rows = list[dict[str, Any]]
RowsOf = Callable[[int, datetime, datetime, datetime], Awaitable[Rows]]
# The row of every department together (follow-ups), as follow_ups.satisfaction keys it.
ALL: Final = "all"
# Where a case is while the centre holds it: the kind of step it is at.
_CENTRE_STEPS: Final = {core.REGISTERED: INTAKE, core.REVIEWING: REVIEW}
# How a department's turn ends (CaseAssignment.ended_as), and the centre's
# review when it sends the replies back (回复退回): returned too.
REPLIED: Final = "replied"
RETURNED: Final = "returned"
TRANSFERRED: Final = "transferred"


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def _hours(seconds: float) -> float:
    return round(seconds / 3600.0, 2)


@dataclass(frozen=True, slots=True)
class Names:
    """Display names by code (departments, or a code list): (zh, en)."""

    by_code: Mapping[str, tuple[str, str]]

    def of(self, code: str) -> dict[str, str]:
        name, name_en = self.by_code.get(code, (code, code))
        return {"name": name, "name_en": name_en}


async def _department_names(tenant_id: int) -> Names:
    rows = await scoped(Department, tenant_id)
    return Names({d.code: (d.name, d.name_en or d.name) for d in rows} | {ALL: ("全部", "All")})


async def _code_names(tenant_id: int, list_name: str) -> Names:
    rows = await scoped(CaseCode, tenant_id).filter(list_name=list_name)
    return Names({c.code: (c.label_zh, c.label_en) for c in rows})


# -- overall, on time, extensions (figures.py) -----------------------------------------


async def overall_rows(tenant_id: int, since: datetime, until: datetime, now: datetime) -> Rows:
    return [await figures.overall(tenant_id, since, until, now)]


async def on_time_rows(tenant_id: int, since: datetime, until: datetime, now: datetime) -> Rows:
    return await figures.department_figures(tenant_id, since, until, now)


async def extension_rows(tenant_id: int, since: datetime, until: datetime, now: datetime) -> Rows:
    """Per department, the ranking's turns: extended, extensions, late by five."""
    ranked = await figures.department_figures(tenant_id, since, until, now)
    extensions: Counter[str] = Counter()
    turns = scoped(CaseAssignment, tenant_id).filter(
        deadline__gte=since, deadline__lt=until, extensions__gt=0
    )
    for turn in await turns:
        # The turns the ranking counts (figures.py), and no others.
        if turn.ended_as in figures.NOT_THEIRS or figures.turn_on_time(turn, now) is None:
            continue
        extensions[turn.department] += turn.extensions
    rows = [
        {
            "department": row["department"],
            "name": row["name"],
            "name_en": row["name_en"],
            "due": row["due"],
            "extended": row["extended"],
            "extensions": extensions[row["department"]],
            "late_by_extensions": row["late_by_extensions"],
            "extended_pct": _pct(row["extended"], row["due"]),
        }
        for row in ranked
    ]
    rows.sort(key=lambda row: (-row["extensions"], -row["extended"], row["department"]))
    return rows


# -- cases by category, source and department -----------------------------------------


@dataclass(frozen=True, slots=True)
class TakenIn:
    """One case taken in during the period, as the tallies see it."""

    key: str  # its category or source
    closed: bool  # closed by the period's end
    first_contact: bool


def tally_rows(key_name: str, cases: Iterable[TakenIn], names: Names) -> Rows:
    """One row per key, most cases first: cases, share, closed, open, FCR (pure)."""
    grouped: defaultdict[str, list[TakenIn]] = defaultdict(list)
    for case in cases:
        grouped[case.key].append(case)
    total = sum(len(group) for group in grouped.values())
    rows = []
    for key, group in sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0])):
        closed = sum(case.closed for case in group)
        rows.append(
            {
                key_name: key,
                **names.of(key),
                "cases": len(group),
                "share_pct": _pct(len(group), total),
                "closed": closed,
                "open": len(group) - closed,
                "first_contact_resolved": sum(case.first_contact for case in group),
            }
        )
    return rows


async def _taken_in(tenant_id: int, since: datetime, until: datetime, field: str) -> list[TakenIn]:
    cases = scoped(Case, tenant_id).filter(created_at__gte=since, created_at__lt=until)
    return [
        TakenIn(
            str(getattr(case, field)),
            case.closed_at is not None and case.closed_at < until,
            case.first_contact_resolved,
        )
        for case in await cases
    ]


async def category_rows(tenant_id: int, since: datetime, until: datetime, now: datetime) -> Rows:
    names = await _code_names(tenant_id, "category")
    return tally_rows("category", await _taken_in(tenant_id, since, until, "category"), names)


async def source_rows(tenant_id: int, since: datetime, until: datetime, now: datetime) -> Rows:
    names = await _code_names(tenant_id, "source")
    return tally_rows("source", await _taken_in(tenant_id, since, until, "source"), names)


async def department_rows(tenant_id: int, since: datetime, until: datetime, now: datetime) -> Rows:
    """Per department (every one but the centre's): the cases given to it in the period."""
    names = await _department_names(tenant_id)
    turns = await scoped(CaseAssignment, tenant_id).filter(
        assigned_at__gte=since, assigned_at__lt=until
    )
    case_ids = {turn.case_id for turn in turns}  # type: ignore[attr-defined]
    closed_ids = (
        await scoped(Case, tenant_id)
        .filter(id__in=list(case_ids), closed_at__lt=until)
        .values_list("id", flat=True)
    )
    closed = {int(str(case_id)) for case_id in closed_ids}
    given: defaultdict[str, set[int]] = defaultdict(set)
    replied: defaultdict[str, set[int]] = defaultdict(set)
    held: defaultdict[str, set[int]] = defaultdict(set)
    for turn in turns:
        case_id: int = turn.case_id  # type: ignore[attr-defined]
        given[turn.department].add(case_id)
        ended = turn.ended_at is not None and turn.ended_at < until
        if ended and turn.ended_as == REPLIED:
            replied[turn.department].add(case_id)
        if not ended:
            held[turn.department].add(case_id)
    codes = {c for c in names.by_code if c not in (directory.CENTRE, ALL)} | set(given)
    rows: Rows = [
        {
            "department": code,
            **names.of(code),
            "cases": len(given[code]),
            "replied": len(replied[code]),
            "held": len(held[code]),
            "closed": len(given[code] & closed),
        }
        for code in codes
    ]
    rows.sort(key=lambda row: (-row["cases"], row["department"]))
    return rows


# -- follow-up satisfaction (follow_ups.py) --------------------------------------------


async def follow_up_rows(tenant_id: int, since: datetime, until: datetime, now: datetime) -> Rows:
    """Per department that replied (and all): each answer, solved, not reached."""
    names = await _department_names(tenant_id)
    satisfaction = await follow_ups.satisfaction(tenant_id, since, until)
    visits = await scoped(FollowUp, tenant_id).filter(
        done_at__gte=since, done_at__lt=until, state="reached"
    )
    case_ids = list({visit.case_id for visit in visits})  # type: ignore[attr-defined]
    replied_by: defaultdict[int, set[str]] = defaultdict(set)
    for case_id, department in await CaseAssignment.filter(
        case_id__in=case_ids, ended_as=REPLIED
    ).values_list("case_id", "department"):
        replied_by[int(case_id)].add(str(department))
    answers: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for visit in visits:
        # The same departments as follow_ups.satisfaction: those that replied.
        for key in (ALL, *replied_by[visit.case_id]):  # type: ignore[attr-defined]
            answers[key][visit.satisfaction] += 1
            if visit.solved is not None:
                answers[key]["said_if_solved"] += 1
                answers[key]["solved"] += int(visit.solved)
    rows = []
    for key in sorted(satisfaction, key=lambda k: (k != ALL, k)):
        figures_of, counts = satisfaction[key], answers[key]
        reached = int(figures_of["reached"])
        rows.append(
            {
                "department": key,
                **names.of(key),
                "reached": reached,
                "satisfied": figures_of["satisfied"],
                "basically_satisfied": counts["basically_satisfied"],
                "dissatisfied": counts["dissatisfied"],
                "satisfaction_pct": figures_of["satisfaction_pct"],
                "basically_satisfied_pct": _pct(counts["basically_satisfied"], reached),
                "dissatisfied_pct": _pct(counts["dissatisfied"], reached),
                "solved": counts["solved"],
                "solved_pct": _pct(counts["solved"], counts["said_if_solved"]),
                "not_reached": figures_of["not_reached"],
            }
        )
    return rows


# -- path and time per step (信息流转跟踪统计) -------------------------------------------


@dataclass(frozen=True, slots=True)
class Turn:
    """One holder's turn at one step of a case."""

    step: str  # intake, handle, review
    holder: str  # a department's code; directory.CENTRE for the centre
    began: datetime
    ended: datetime | None
    ended_as: str  # replied, returned, transferred; anything else for other endings
    case_id: int = 0  # whose workflow's calendar counts its business hours


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of a case's history, as the centre's turns are read from it."""

    at: datetime
    status_after: str
    action: str


def centre_turns(history: Sequence[Entry]) -> list[Turn]:
    """The centre's turns of one case, from its history, oldest first (pure).

    A turn begins when an action leaves the case with the centre (registered:
    taking it in; reviewing: a step's replies to review) and ends at the
    first action after which it is elsewhere, or at an acceptance (the next
    review step is a turn of its own).  A review that sends the replies back
    (回复退回) ended as returned.
    """
    turns: list[Turn] = []
    step, began = "", None
    for entry in history:
        now_at = _CENTRE_STEPS.get(entry.status_after, "")
        if began is not None and (now_at != step or entry.action == core.ACCEPT):
            ended_as = RETURNED if entry.action == core.REJECT_REPLY else entry.action
            turns.append(Turn(step, directory.CENTRE, began, entry.at, ended_as))
            began = None
        if began is None and now_at:
            step, began = now_at, entry.at
    if began is not None:
        turns.append(Turn(step, directory.CENTRE, began, None, ""))
    return turns


# Round the clock: every hour is a business hour (a workflow without a calendar).
_EVERY_HOUR: Final = CaseCalendar()


def step_rows(
    turns: Iterable[Turn], until: datetime, names: Names, calendars: Mapping[int, CaseCalendar]
) -> Rows:
    """One row per step kind and holder: turns, how they ended, hours held (pure).

    ``calendars`` is each case's workflow's calendar by case id (``Turn.case_id``):
    the business hours of a turn are its open hours there.  A case missing
    from it has no calendar: every hour counts, and its business hours are
    its wall-clock hours.
    """
    grouped: defaultdict[tuple[str, str], list[Turn]] = defaultdict(list)
    for turn in turns:
        grouped[(turn.step, turn.holder)].append(turn)
    order = {kind: index for index, kind in enumerate(STEP_KINDS)}
    rows = []
    for (step, holder), group in sorted(
        grouped.items(), key=lambda item: (order.get(item[0][0], 99), item[0][1])
    ):
        ended = [t for t in group if t.ended is not None and t.ended < until]
        held = [_hours((t.ended - t.began).total_seconds()) for t in ended if t.ended]
        business = [
            round(calendars.get(t.case_id, _EVERY_HOUR).open_hours_between(t.began, t.ended), 2)
            for t in ended
            if t.ended
        ]
        endings = Counter(t.ended_as for t in ended)
        rows.append(
            {
                "step": step,
                "department": holder,
                **names.of(holder),
                "turns": len(group),
                "ended": len(ended),
                "open": len(group) - len(ended),
                "avg_hours_held": _mean(held),
                "max_hours_held": max(held) if held else None,
                "avg_business_hours_held": _mean(business),
                "max_business_hours_held": max(business) if business else None,
                "replied": endings[REPLIED],
                "returned": endings[RETURNED],
                "transferred": endings[TRANSFERRED],
            }
        )
    return rows


def _mean(hours: Sequence[float]) -> float | None:
    return round(sum(hours) / len(hours), 2) if hours else None


async def _centre_turns(tenant_id: int, since: datetime, until: datetime) -> list[Turn]:
    """The centre's turns that began in the period, read from the cases' histories."""
    begun = scoped(CaseAction, tenant_id).filter(
        at__gte=since, at__lt=until, status_after__in=list(_CENTRE_STEPS)
    )
    found = await begun.values_list("case_id", flat=True)
    case_ids = list({int(str(case_id)) for case_id in found})
    histories: defaultdict[int, list[Entry]] = defaultdict(list)
    rows = (
        await CaseAction.filter(case_id__in=case_ids)
        .order_by("case_id", "id")
        .values_list("case_id", "at", "status_after", "action")
    )
    for case_id, at, status_after, action in rows:
        histories[int(case_id)].append(Entry(at, str(status_after), str(action)))
    return [
        replace(turn, case_id=case_id)
        for case_id, history in histories.items()
        for turn in centre_turns(history)
        if since <= turn.began < until
    ]


async def _calendars(tenant_id: int, case_ids: set[int]) -> dict[int, CaseCalendar]:
    """Each case's workflow's calendar (``store.calendar_of``), by case id."""
    workflow_ids = dict(
        await scoped(Case, tenant_id).filter(id__in=list(case_ids)).values_list("id", "workflow_id")
    )
    by_workflow = {
        row.id: await store.calendar_of(tenant_id, row.definition)
        for row in await scoped(CaseWorkflow, tenant_id).filter(
            id__in=list(set(workflow_ids.values()))
        )
    }
    return {
        int(case_id): by_workflow[workflow_id]
        for case_id, workflow_id in workflow_ids.items()
        if workflow_id in by_workflow
    }


async def steps(tenant_id: int, since: datetime, until: datetime, now: datetime) -> Rows:
    names = await _department_names(tenant_id)
    department_turns = [
        Turn(
            HANDLE,
            turn.department,
            turn.assigned_at,
            turn.ended_at,
            turn.ended_as,
            turn.case_id,  # type: ignore[attr-defined]
        )
        for turn in await scoped(CaseAssignment, tenant_id).filter(
            assigned_at__gte=since, assigned_at__lt=until
        )
    ]
    turns = [*await _centre_turns(tenant_id, since, until), *department_turns]
    calendars = await _calendars(tenant_id, {turn.case_id for turn in turns})
    return step_rows(turns, until, names, calendars)


# -- the sections, in the report's order -----------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseSection:
    rows: RowsOf
    # Every row's keys, in order: the header of a file without rows.
    columns: tuple[str, ...]


_NAMED: Final = ("name", "name_en")
SECTIONS: Final[dict[str, CaseSection]] = {
    "cases_overall": CaseSection(
        overall_rows,
        ("due", "on_time", "on_time_pct", "opened", "first_contact_resolved", "fcr_pct"),
    ),
    "cases_by_category": CaseSection(
        category_rows,
        ("category", *_NAMED, "cases", "share_pct", "closed", "open", "first_contact_resolved"),
    ),
    "cases_by_source": CaseSection(
        source_rows,
        ("source", *_NAMED, "cases", "share_pct", "closed", "open", "first_contact_resolved"),
    ),
    "cases_by_department": CaseSection(
        department_rows, ("department", *_NAMED, "cases", "replied", "held", "closed")
    ),
    "cases_on_time": CaseSection(
        on_time_rows,
        (
            "department",
            *_NAMED,
            "due",
            "on_time",
            "late",
            "extended",
            "late_by_extensions",
            "on_time_pct",
            "rank",
        ),
    ),
    "cases_extensions": CaseSection(
        extension_rows,
        (
            "department",
            *_NAMED,
            "due",
            "extended",
            "extensions",
            "late_by_extensions",
            "extended_pct",
        ),
    ),
    "cases_follow_ups": CaseSection(
        follow_up_rows,
        (
            "department",
            *_NAMED,
            "reached",
            "satisfied",
            "basically_satisfied",
            "dissatisfied",
            "satisfaction_pct",
            "basically_satisfied_pct",
            "dissatisfied_pct",
            "solved",
            "solved_pct",
            "not_reached",
        ),
    ),
    "cases_steps": CaseSection(
        steps,
        (
            "step",
            "department",
            *_NAMED,
            "turns",
            "ended",
            "open",
            "avg_hours_held",
            "max_hours_held",
            "avg_business_hours_held",
            "max_business_hours_held",
            "replied",
            "returned",
            "transferred",
        ),
    ),
}


async def all_sections(
    tenant_id: int, since: datetime, until: datetime, now: datetime
) -> dict[str, Rows]:
    """Every section's rows for the period: the combined case report."""
    return {
        name: await section.rows(tenant_id, since, until, now) for name, section in SECTIONS.items()
    }
