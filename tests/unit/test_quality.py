"""Quality inspection (质检) without Asterisk: score sheets, scoring with
critical items, random samples of an agent's recorded calls for a month,
the review beside the call's cases, the agent's accept or appeal, the
inspector's decision, the month's figures, and who may see what.

The seeds' acceptance (WO-29): an inspector opens a random sample of 5 of
agent A's calls for the month, scores attitude and professional level, tags
"did not confirm address"; A sees the score; the month's report lists A's
average."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.cases import services as case_services
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotFound
from hotline.metrics.agent_report import agent_report
from hotline.models import AuditEntry, CallRecord, User
from hotline.models_quality import QaReview
from hotline.models_recording import CallRecording
from hotline.quality import core, services
from hotline.tenancy import home_tenant_id
from tests.unit.ui_support import UiClient

DECEMBER = datetime(2026, 12, 1, tzinfo=UTC)
ITEMS = [
    core.Item("attitude", "服务态度", 40),
    core.Item("professional", "专业水平", 40),
    core.Item("standard_phrases", "规范用语", 10),
    core.Item("no_forbidden_phrases", "无禁用语", 10, critical=True),
]


# -- the pure rules -----------------------------------------------------------------------
@given(st.lists(st.integers(0, 40), min_size=4, max_size=4))
def test_a_score_is_a_percentage_and_a_failed_critical_item_makes_it_zero(
    points: list[int],
) -> None:
    given_points = {item.code: min(p, item.points) for item, p in zip(ITEMS, points, strict=True)}
    _, total = core.score(ITEMS, given_points)
    assert 0.0 <= total <= 100.0
    if given_points["no_forbidden_phrases"] == 0:
        assert total == 0.0
    else:
        assert total == round(100.0 * sum(given_points.values()) / 100, 1)


def test_points_outside_an_item_name_it() -> None:
    with pytest.raises(core.Refused) as refused:
        core.score(ITEMS, {"attitude": 41, "professional": 1, "standard_phrases": 1})
    assert refused.value.field == "score.attitude"


@given(
    st.lists(st.text("abc", min_size=1, max_size=3), max_size=30),
    st.sets(st.text("abc", min_size=1, max_size=3)),
    st.integers(1, 50),
)
def test_a_sample_never_repeats_a_call_nor_takes_one_already_reviewed(
    candidates: list[str], already: set[str], size: int
) -> None:
    chosen = core.sample(candidates, already, size, random.Random(1))
    assert len(chosen) == len(set(chosen)) <= size
    assert not set(chosen) & already and set(chosen) <= set(candidates)
    assert len(chosen) == min(size, len(set(candidates) - already))


def test_a_review_is_final_once_accepted_or_decided_and_each_step_is_its_role_s() -> None:
    assert core.step(core.PENDING, core.SCORE, "inspector") == core.SCORED
    with pytest.raises(core.Refused, match="agent"):
        core.step(core.SCORED, core.APPEAL, "inspector")
    assert core.step(core.SCORED, core.APPEAL, "agent") == core.APPEALED
    for action in (core.SCORE, core.ACCEPT, core.APPEAL, core.UPHOLD, core.RESCORE):
        for role in ("agent", "inspector"):
            with pytest.raises(core.Refused):
                core.step(core.FINAL, action, role)
    # Every state but final can be left; every state is reached.
    assert {s for s, _ in core.LIFE} == {core.PENDING, core.SCORED, core.APPEALED}
    assert {t for t, _ in core.LIFE.values()} | {core.PENDING} == set(core.STATES)


def test_a_sheet_s_bad_item_is_named_by_its_place() -> None:
    with pytest.raises(core.Refused) as refused:
        core.parse_items([{"code": "a", "label": "A", "points": 10}, {"code": "b", "label": "B"}])
    assert refused.value.field == "items[2].points"
    with pytest.raises(core.Refused, match=r"items\[2\].code"):
        core.parse_items(
            [{"code": "a", "label": "A", "points": 1}, {"code": "a", "label": "B", "points": 1}]
        )


# -- on a database -------------------------------------------------------------------------
async def _recorded_calls(tenant: int, agent: str, count: int, start: datetime) -> list[str]:
    ids = []
    for number in range(count):
        call_id = f"qa-{agent}-{number}-{start.month}"
        at = start + timedelta(days=number % 27, hours=2)
        await CallRecord.create(
            call_id=call_id, tenant_id=tenant, caller_id=f"555{number:04d}",
            agent_extension=agent, started_at=at, answered_at=at, ended_at=at,
        )  # fmt: skip
        await CallRecording.create(
            call_id=call_id, tenant_id=tenant, agent_extension=agent, started_at=at,
            status="stored", file_path=f"/tmp/{call_id}.wav",
        )  # fmt: skip
        ids.append(call_id)
    return ids


async def test_the_seeds_acceptance_sample_score_see_and_the_month_s_average(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    inspector = Actor("supervisor", "127.0.0.1", tenant)
    calls = await _recorded_calls(tenant, "1001", 8, DECEMBER)
    await _recorded_calls(tenant, "1001", 2, DECEMBER - timedelta(days=30))  # November's
    await _recorded_calls(tenant, "1002", 3, DECEMBER)
    reviews = await services.sample(
        tenant, inspector, agent="1001", since=DECEMBER, until=DECEMBER + timedelta(days=31),
        size=5, rng=random.Random(3),
    )  # fmt: skip
    assert len(reviews) == 5 and {r.call_id for r in reviews} <= set(calls)
    # A second draw never takes a call already under review.
    more = await services.sample(
        tenant, inspector, agent="1001", since=DECEMBER, until=DECEMBER + timedelta(days=31),
        size=5, rng=random.Random(3),
    )  # fmt: skip
    assert len(more) == 3 and not {r.call_id for r in more} & {r.call_id for r in reviews}

    first = reviews[0]
    # A case taken on the call is scored beside it.
    case = await case_services.create_case(
        tenant, inspector,
        {"category": "投诉", "subject": "Leak", "caller_number": "5550000",
         "call_id": first.call_id},
    )  # fmt: skip
    detail = await services.detail(tenant, first.id, None)
    assert [c["number"] for c in detail["cases"]] == [case["number"]]
    scored = await services.score_review(
        tenant, inspector, first.id,
        {"score.attitude": "30", "score.professional": "40", "score.standard_phrases": "10",
         "score.no_forbidden_phrases": "10", "tags": "未确认地址, 语速过快",
         "comment": "请确认地址"},
    )  # fmt: skip
    assert (scored.state, scored.score, scored.tags) == ("scored", 90.0, ["未确认地址", "语速过快"])
    second = reviews[1]
    await services.score_review(
        tenant, inspector, second.id,
        {"score.attitude": "40", "score.professional": "40", "score.standard_phrases": "10",
         "score.no_forbidden_phrases": "0", "tags": "未确认地址"},
    )  # fmt: skip

    (row,) = await services.report(tenant, DECEMBER, DECEMBER + timedelta(days=31))
    assert row["agent"] == "1001"
    assert (row["sampled"], row["scored"], row["qa_score"], row["lowest"]) == (8, 2, 45.0, 0.0)
    assert row["top_tags"][0] == "未确认地址"
    # The agent report (/reports, the API, its exports) carries the same figure.
    agents = await agent_report(tenant, DECEMBER, DECEMBER + timedelta(days=31), DECEMBER)
    (reported,) = [r for r in agents if r["agent"] == "1001"]
    assert (reported["qa_reviews"], reported["qa_score"]) == (2, 45.0)
    # The agent sees their own, not another's.
    mine = await services.detail(tenant, first.id, "1001")
    assert mine["score"] == 90.0
    with pytest.raises(NotFound):
        await services.detail(tenant, first.id, "1002")
    assert await AuditEntry.filter(action="qa_scored").count() == 2


async def test_an_appeal_is_decided_once_by_the_inspector(ui: UiClient) -> None:
    tenant = await home_tenant_id()
    inspector = Actor("supervisor", "127.0.0.1", tenant)
    agent = Actor("agent", "127.0.0.1", tenant)
    await _recorded_calls(tenant, "1001", 2, DECEMBER)
    first, second = await services.sample(
        tenant, inspector, agent="1001", since=DECEMBER, until=DECEMBER + timedelta(days=31),
        size=2, rng=random.Random(1),
    )  # fmt: skip
    full = {f"score.{i.code}": str(i.points) for i in ITEMS}
    await services.score_review(tenant, inspector, first.id, {**full, "score.attitude": "10"})
    with pytest.raises(InvalidRequest) as refused:
        await services.answer(tenant, agent, first.id, "1001", "appeal", " ")
    assert refused.value.details == {"field": "reason"}
    await services.answer(tenant, agent, first.id, "1001", "appeal", "客户先挂断了")
    with pytest.raises(InvalidRequest, match="appeal is not possible"):
        await services.answer(tenant, agent, first.id, "1001", "appeal", "again")
    decided = await services.score_review(
        tenant, inspector, first.id, {**full, "score.attitude": "30", "note": "听了全程，改判"}
    )
    assert (decided.state, decided.decision, decided.score) == ("final", "rescored", 90.0)

    await services.score_review(tenant, inspector, second.id, full)
    await services.answer(tenant, agent, second.id, "1001", "appeal", "不同意")
    with pytest.raises(InvalidRequest) as refused:
        await services.uphold(tenant, inspector, second.id, "")
    assert refused.value.details == {"field": "note"}
    upheld = await services.uphold(tenant, inspector, second.id, "评分无误")
    assert (upheld.state, upheld.decision, upheld.score) == ("final", "upheld", 100.0)


async def test_a_sheet_saved_with_a_bad_item_names_it_and_old_reviews_keep_their_items(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    inspector = Actor("supervisor", "127.0.0.1", tenant)
    sheet = await services.ensure_default_form(tenant)
    with pytest.raises(InvalidRequest) as refused:
        await services.save_form(tenant, inspector, sheet.id, "标准", '[{"code": "a"}]')
    assert refused.value.details == {"field": "items[1].label"}
    await _recorded_calls(tenant, "1001", 1, DECEMBER)
    (review,) = await services.sample(
        tenant, inspector, agent="1001", since=DECEMBER, until=DECEMBER + timedelta(days=31),
        size=1,
    )  # fmt: skip
    await services.save_form(
        tenant, inspector, sheet.id, "标准", '[{"code": "a", "label": "A", "points": 5}]'
    )
    kept = await services.detail(tenant, review.id, None)
    assert [item["code"] for item in kept["items"]][:2] == ["attitude", "professional"]


# -- the pages -------------------------------------------------------------------------------
async def test_the_pages_inspector_samples_and_scores_the_agent_sees_and_accepts(
    ui: UiClient,
) -> None:
    tenant = await home_tenant_id()
    await _recorded_calls(tenant, "1001", 3, DECEMBER)
    await User.filter(username="agent").update(phone_extension="1001")
    await ui.login("supervisor")
    sampled = await ui.post("/quality/sample", {"agent": "1001", "month": "2026-12", "size": "2"})
    assert sampled.status_code == 303
    review = await QaReview.filter(agent="1001").order_by("id").first()
    assert review is not None
    page = await ui.get(f"/quality/reviews/{review.id}")
    assert 'data-testid="quality-recording"' in page.text  # supervisors may listen (audited)
    refused = await ui.post(
        f"/quality/reviews/{review.id}/score", {"score.attitude": "99", "tags": ""}
    )
    assert refused.status_code == 422 and ui.last.context["error_field"] == "score.attitude"
    full = {f"score.{i.code}": str(i.points) for i in ITEMS}
    assert (await ui.post(f"/quality/reviews/{review.id}/score", full)).status_code == 303
    await ui.get("/quality?month=2026-12")
    assert [row["qa_score"] for row in ui.last.context["figures"]] == [100.0]

    await ui.login("agent")
    own = await ui.get("/quality?month=2026-12")
    assert own.status_code == 200 and not ui.last.context["inspector"]
    assert [r["id"] for r in ui.last.context["mine"]] == [review.id]  # not the pending one
    mine = await ui.get(f"/quality/reviews/{review.id}")
    assert 'data-testid="quality-accept"' in mine.text
    assert 'data-testid="quality-recording"' not in mine.text  # agents have no calls:view
    accepted = await ui.post(f"/quality/reviews/{review.id}/answer", {"action": "accept"})
    assert accepted.status_code == 303
    assert (await QaReview.get(id=review.id)).state == "final"
    assert (await ui.post("/quality/sample", {"agent": "1001"})).status_code == 403


async def test_an_agent_cannot_open_another_agent_s_review(ui: UiClient) -> None:
    tenant = await home_tenant_id()
    await _recorded_calls(tenant, "1002", 1, DECEMBER)
    (review,) = await services.sample(
        tenant, Actor("supervisor", "", tenant), agent="1002", since=DECEMBER,
        until=DECEMBER + timedelta(days=31), size=1,
    )  # fmt: skip
    await User.filter(username="agent").update(phone_extension="1001")
    await ui.login("agent")
    assert (await ui.get(f"/quality/reviews/{review.id}")).status_code == 404
    answered = await ui.post(f"/quality/reviews/{review.id}/answer", {"action": "accept"})
    assert answered.status_code == 404
