"""Case figures (METRICS.md, "Surveys and cases"): the on-time rate per
department and its ranking (按期办结率), from stored assignments and cases.

- A department's turn (``CaseAssignment``) is *due* in a period when its
  deadline falls in it.  It is *on time* when the department replied by the
  deadline and never had it extended.  A turn still open past its deadline,
  replied late, or extended is late.  A turn that ended by a transfer or a
  return is not the department's to count (it was not theirs).
- The seeds' rule: a turn extended five times also counts as one case
  handled late for the department (未息访件), shown on its own.
- Overall: cases closed by their deadline and never extended ÷ cases due in
  the period (their current or last deadline in it).
- An empty denominator is None ("–"), never 0 % or 100 %.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Final

from hotline.cases import core
from hotline.models_cases import Case, CaseAssignment, Department
from hotline.tenancy import scoped

NOT_THEIRS: Final = frozenset({"transferred", "returned"})


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def turn_on_time(turn: CaseAssignment, now: datetime) -> bool | None:
    """True/False once it can be judged; None while open and not yet due."""
    if turn.deadline is None:
        return None
    if turn.extensions:
        return False
    if turn.ended_as == "replied" and turn.ended_at is not None:
        return turn.ended_at <= turn.deadline
    if turn.ended_as == "":
        return False if now > turn.deadline else None
    return None


async def department_figures(
    tenant_id: int, since: datetime, until: datetime, now: datetime
) -> list[dict[str, Any]]:
    """One row per department, ranked by on-time rate (best first; "–" last)."""
    names = {d.code: d for d in await scoped(Department, tenant_id)}
    due: dict[str, int] = defaultdict(int)
    on_time: dict[str, int] = defaultdict(int)
    extended: dict[str, int] = defaultdict(int)
    late_by_extensions: dict[str, int] = defaultdict(int)
    turns = scoped(CaseAssignment, tenant_id).filter(deadline__gte=since, deadline__lt=until)
    for turn in await turns:
        if turn.ended_as in NOT_THEIRS:
            continue
        judged = turn_on_time(turn, now)
        if judged is None:
            continue
        due[turn.department] += 1
        on_time[turn.department] += int(judged)
        extended[turn.department] += int(turn.extensions > 0)
        late_by_extensions[turn.department] += int(core.is_late_case(turn.extensions))
    rows: list[dict[str, Any]] = [
        {
            "department": code,
            "name": names[code].name if code in names else code,
            "name_en": names[code].name_en if code in names else code,
            "due": due[code],
            "on_time": on_time[code],
            "late": due[code] - on_time[code],
            "extended": extended[code],
            "late_by_extensions": late_by_extensions[code],
            "on_time_pct": _rate(on_time[code], due[code]),
        }
        for code in sorted(set(names) | set(due))
        if code != "centre"
    ]

    def ranked(row: dict[str, Any]) -> tuple[bool, float, str]:
        pct = row["on_time_pct"]
        return (pct is None, -(pct or 0.0), str(row["department"]))

    rows.sort(key=ranked)
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank if row["on_time_pct"] is not None else None
    return rows


async def overall(
    tenant_id: int, since: datetime, until: datetime, now: datetime
) -> dict[str, Any]:
    cases = scoped(Case, tenant_id).filter(deadline__gte=since, deadline__lt=until)
    due = on_time = opened = first_contact = 0
    for case in await cases:
        judged: bool | None
        if case.closed_at is not None:
            judged = bool(case.closed_on_time)
        else:
            judged = False if case.deadline is not None and now > case.deadline else None
        if judged is None:
            continue
        due += 1
        on_time += int(judged)
    for case in await scoped(Case, tenant_id).filter(created_at__gte=since, created_at__lt=until):
        opened += 1
        first_contact += int(case.first_contact_resolved)
    return {
        "due": due,
        "on_time": on_time,
        "on_time_pct": _rate(on_time, due),
        "opened": opened,
        "first_contact_resolved": first_contact,
        # METRICS.md FCR: cases closed without a further contact or hand-off ÷ opened.
        "fcr_pct": _rate(first_contact, opened),
    }
