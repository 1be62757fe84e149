"""The agent report over any past period (METRICS.md, "Agents"; CSAT from
"Surveys and cases"): calls handled, talk, wrap-up, handle time, time per
state, not-ready by reason, occupancy, utilisation, the callers' rating and
the quality inspectors' score (质检, hotline/quality).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hotline.metrics.agent_figures import AgentFigures, agent_figures
from hotline.metrics.store import agent_state_changes, queue_visits, with_wrap_up
from hotline.metrics.surveys import SurveyFigures, responses, survey_figures
from hotline.metrics.visits import QueueVisit
from hotline.models import Agent
from hotline.quality import services as quality
from hotline.tenancy import scoped


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def agent_row(
    agent: str,
    name: str,
    handled: Sequence[QueueVisit],
    states: AgentFigures | None,
    survey: SurveyFigures,
    quality: tuple[int, float | None] = (0, None),
) -> dict[str, Any]:
    """One agent's row; null is "–" (an empty denominator)."""
    talk = [v.talk_s for v in handled if v.talk_s is not None]
    handle = [v.talk_s + v.hold_s + v.wrap_up_s for v in handled if v.talk_s is not None]
    figures = states or AgentFigures()
    return {
        "agent": agent,
        "name": name,
        "calls": len(handled),
        "talk_s": round(sum(talk), 1),
        "avg_talk_s": _round(sum(talk) / len(talk) if talk else None, 1),
        "wrap_up_s": round(sum(v.wrap_up_s for v in handled), 1),
        "aht_s": _round(sum(handle) / len(handle) if handle else None, 1),
        "seconds_in_state": {k: round(v, 1) for k, v in figures.seconds_in_state.items()},
        "not_ready_by_reason": {k: round(v, 1) for k, v in figures.not_ready_by_reason.items()},
        "logged_in_s": round(figures.logged_in_s, 1),
        "occupancy": _round(figures.occupancy, 4),
        "utilisation": _round(figures.utilisation, 4),
        "surveyed": survey.surveyed,
        "rated": survey.rated,
        "csat": _round(survey.csat, 4),
        # Quality inspection (hotline/quality): the reviews of the period's
        # calls scored so far and their average score in percent.
        "qa_reviews": quality[0],
        "qa_score": quality[1],
    }


async def agent_report(
    tenant_id: int, since: datetime, until: datetime, now: datetime
) -> list[dict[str, Any]]:
    """One row per agent of the tenant over [since, until)."""
    agents = await scoped(Agent, tenant_id).order_by("extension")
    extensions = [agent.extension for agent in agents]
    until_now = min(until, now)
    changes = await agent_state_changes(extensions, since, until_now)
    visits = with_wrap_up(await queue_visits(tenant_id, since, until), changes, now)
    handled: defaultdict[str, list[QueueVisit]] = defaultdict(list)
    for visit in visits:
        if visit.outcome == "answered" and visit.agent is not None:
            handled[visit.agent].append(visit)
    states = agent_figures(changes, since, until_now) if until_now > since else {}
    reviewed = {
        row["agent"]: (int(row["scored"]), row["qa_score"])
        for row in await quality.report(tenant_id, since, until)
    }
    ratings: defaultdict[str, list[int | None]] = defaultdict(list)
    for response in await responses(tenant_id, since, until):
        ratings[response.agent_extension].append(response.rating)
    return [
        agent_row(
            agent.extension,
            agent.name,
            handled.get(agent.extension, []),
            states.get(agent.extension),
            survey_figures(ratings.get(agent.extension, [])),
            reviewed.get(agent.extension, (0, None)),
        )
        for agent in agents
    ]
