"""Post-call survey figures (METRICS.md, "Surveys and cases").

CSAT is ratings of 4–5 ÷ all ratings on the 1–5 scale; shown with the count
of ratings and the share of surveyed callers who rated (the response rate).
An empty denominator is None ("–"), never 0 or 100 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from hotline.models_survey import SurveyResponse
from hotline.tenancy import scoped

SCALE: Final = range(1, 6)
SATISFIED: Final = frozenset({4, 5})


@dataclass(frozen=True)
class SurveyFigures:
    surveyed: int  # callers handed to the survey
    rated: int  # of them, those who keyed a rating
    satisfied: int  # ratings of 4 or 5
    csat: float | None  # satisfied ÷ rated
    response_rate: float | None  # rated ÷ surveyed
    mean_rating: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "surveyed": self.surveyed,
            "rated": self.rated,
            "satisfied": self.satisfied,
            "csat": self.csat,
            "response_rate": self.response_rate,
            "mean_rating": self.mean_rating,
        }


def survey_figures(ratings: Iterable[int | None]) -> SurveyFigures:
    """``ratings``: one per surveyed caller, None for "not rated"."""
    surveyed = 0
    given: list[int] = []
    for rating in ratings:
        surveyed += 1
        if rating is not None and rating in SCALE:
            given.append(rating)
    satisfied = sum(1 for rating in given if rating in SATISFIED)
    return SurveyFigures(
        surveyed=surveyed,
        rated=len(given),
        satisfied=satisfied,
        csat=satisfied / len(given) if given else None,
        response_rate=len(given) / surveyed if surveyed else None,
        mean_rating=sum(given) / len(given) if given else None,
    )


async def responses(
    tenant_id: int, since: datetime, until: datetime, *, agent: str | None = None
) -> list[SurveyResponse]:
    rows = scoped(SurveyResponse, tenant_id).filter(offered_at__gte=since, offered_at__lt=until)
    if agent is not None:
        rows = rows.filter(agent_extension=agent)
    return list(await rows.order_by("id"))


async def survey_report(tenant_id: int, since: datetime, until: datetime) -> dict[str, Any]:
    """Per queue and per agent over the surveys offered in [since, until)."""
    rows = await responses(tenant_id, since, until)
    by_queue: dict[str, list[int | None]] = {}
    by_agent: dict[str, list[int | None]] = {}
    for row in rows:
        by_queue.setdefault(row.queue, []).append(row.rating)
        by_agent.setdefault(row.agent_extension, []).append(row.rating)
    return {
        "queues": [
            {"queue": name, **survey_figures(ratings).as_dict()}
            for name, ratings in sorted(by_queue.items())
        ],
        "agents": [
            {"agent": name, **survey_figures(ratings).as_dict()}
            for name, ratings in sorted(by_agent.items())
        ],
        "all": survey_figures(row.rating for row in rows).as_dict(),
    }
