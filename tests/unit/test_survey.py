"""Post-call survey: the figures (METRICS.md CSAT), what counts as a rating,
the demo survey flow, the report API and the agent's own figures on the desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ari_apps.ivr.validation import ValidationContext, validate_flow
from ari_apps.survey.core import rating_of
from ari_apps.survey.demo import SURVEY, SURVEY_FLOW
from hotline.desk import desk_for
from hotline.metrics.surveys import survey_figures
from hotline.models import Flow, Queue
from hotline.models_survey import SurveyResponse
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.stand_in import StandInCenter
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api  # the fixture, re-exported
from tests.unit.test_ivr_demo import DEMO_SOUNDS


def test_given_ratings_then_csat_is_four_and_five_over_all_ratings() -> None:
    figures = survey_figures([5, 4, 3, 1, None, None])
    assert (figures.surveyed, figures.rated, figures.satisfied) == (6, 4, 2)
    assert figures.csat == pytest.approx(0.5)
    assert figures.response_rate == pytest.approx(4 / 6)
    assert figures.mean_rating == pytest.approx(13 / 4)


def test_given_no_rating_then_csat_is_dash_not_zero() -> None:
    assert survey_figures([None, None]).csat is None
    assert survey_figures([None, None]).response_rate == 0
    assert survey_figures([]).response_rate is None


@given(st.lists(st.one_of(st.none(), st.integers(min_value=1, max_value=5)), max_size=60))
def test_given_any_answers_then_the_figures_stay_in_range(
    answers: list[int | None],
) -> None:
    figures = survey_figures(answers)
    assert figures.rated == sum(1 for a in answers if a is not None)
    assert (figures.csat is None) == (figures.rated == 0)
    if figures.csat is not None:
        assert 0 <= figures.csat <= 1
    if figures.response_rate is not None:
        assert 0 <= figures.response_rate <= 1


@pytest.mark.parametrize(
    ("raw", "rating"),
    [("4", 4), ("1", 1), ("5", 5), ("0", None), ("6", None), ("", None), ("45", None), ("x", None)],
)
def test_given_what_the_flow_left_then_only_1_to_5_is_a_rating(
    raw: str, rating: int | None
) -> None:
    assert rating_of({"rating": raw}) == rating


def test_given_the_demo_survey_then_it_is_a_publishable_flow() -> None:
    assert validate_flow(SURVEY, ValidationContext(known_sounds=DEMO_SOUNDS)) == []


async def test_given_the_demo_then_the_support_queue_has_the_survey(seeded: Settings) -> None:
    queue = await Queue.get(name="support")
    assert queue.survey_flow == SURVEY_FLOW
    flow = await Flow.get(name=SURVEY_FLOW)
    assert flow.published_version_id is not None


async def _responses(ratings: list[int | None], agent: str, at: datetime) -> None:
    tenant = await home_tenant_id()
    for index, rating in enumerate(ratings):
        await SurveyResponse.create(
            call_id=f"s-{agent}-{index}",
            tenant_id=tenant,
            queue="support",
            agent_extension=agent,
            offered_at=at,
            rating=rating,
            rated_at=at if rating is not None else None,
        )


async def test_given_answers_then_the_report_api_has_them_per_queue_and_agent(
    api: Api,
) -> None:
    day = datetime(2026, 11, 20, 10, tzinfo=UTC)
    await _responses([5, 4, 2, None], "1001", day)
    await _responses([3], "1002", day)
    await _responses([1], "1002", day + timedelta(days=3))  # outside the period
    response = await api.get("/reports/surveys?from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z")
    assert response.status_code == 200
    body = response.json()
    agents = {row["agent"]: row for row in body["agents"]}
    assert (agents["1001"]["surveyed"], agents["1001"]["rated"]) == (4, 3)
    assert agents["1001"]["csat"] == pytest.approx(2 / 3)
    assert agents["1002"]["csat"] == 0
    assert body["queues"][0]["queue"] == "support"
    assert body["queues"][0]["surveyed"] == 5
    assert (await api.get("/reports/surveys?from=bad&to=x")).status_code == 400


async def test_given_answers_today_then_the_desk_shows_the_agents_own_csat(
    seeded: Settings,
) -> None:
    now = datetime.now(UTC)
    await _responses([5, 1], "1001", now - timedelta(seconds=5))
    await _responses([5, 5], "1002", now - timedelta(seconds=5))
    desk = await desk_for(StandInCenter(), "1001", await home_tenant_id(), now)
    assert desk.survey_today.csat == pytest.approx(0.5)
    assert desk.survey_today.rated == 2
