"""The survey's rows (hotline/models_survey.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from hotline.models_survey import SurveyResponse


async def offered(
    call_id: str, *, tenant_id: int | None, queue: str, agent_extension: str
) -> SurveyResponse:
    return await SurveyResponse.create(
        call_id=call_id,
        tenant_id=tenant_id,
        queue=queue,
        agent_extension=agent_extension,
        offered_at=datetime.now(UTC),
    )


async def answered(response: SurveyResponse, rating: int | None) -> None:
    if rating is None:
        return  # "not rated": the row stays as offered
    response.rating = rating
    response.rated_at = datetime.now(UTC)
    await response.save(update_fields=["rating", "rated_at"])
