"""The knowledge base without Asterisk: articles written by a department,
reviewed by a second pair of eyes, found by Chinese and English words,
retired and expiring, sent by SMS, email and fax, and spoken for the IVR."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from hotline.center import Actor
from hotline.errors import InvalidRequest, NotAllowed
from hotline.knowledge import core, index, services, speech, store
from hotline.models_cases import CaseMessage
from hotline.models_knowledge import KnowledgeArticle, KnowledgeSend, KnowledgeTerm
from hotline.models_prompts import Prompt
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.stand_in import StandInCenter
from voice_prompts.knowledge_answers import draft_due

WATER_FEE = {
    "category": "faq",
    "title": "自来水水费缴纳方式",
    "body": "居民可以通过营业厅、银行代扣或者手机银行缴纳水费。逾期未缴纳的，按日加收滞纳金。",
    "short_answer": "水费可在营业厅、银行代扣或手机银行缴纳。",
    "keywords": "缴费 交水费",
}
OUTAGE = {
    "category": "guide",
    "language": "en",
    "title": "Planned water outage notices",
    "body": "Planned outages are announced 24 hours ahead by SMS and on the website.",
    "short_answer": "Planned outages are announced a day ahead.",
}


@pytest.fixture
async def empty_kb(seeded: Settings) -> None:
    """Without the demo's articles: these tests count what they find."""
    await KnowledgeArticle.all().delete()


async def _actor(name: str) -> Actor:
    return Actor(name, "127.0.0.1", await home_tenant_id())


async def _published(form: dict[str, str], author: str = "billing") -> KnowledgeArticle:
    tenant = await home_tenant_id()
    article = await services.create(tenant, await _actor(author), form)
    await services.review(tenant, await _actor(author), article.id, 1, core.SUBMIT)
    await services.review(tenant, await _actor("supervisor"), article.id, 1, core.APPROVE)
    return await KnowledgeArticle.get(id=article.id)


# -- the pure rules -----------------------------------------------------------------------
@given(
    st.lists(
        st.tuples(st.sampled_from(core.REVIEW_ACTIONS), st.sampled_from(["ann", "bob"])),
        max_size=12,
    )
)
def test_review_never_publishes_without_someone_else_approving(
    steps: list[tuple[str, str]],
) -> None:
    state = core.DRAFT
    approved_by_other = False
    for action, who in steps:
        try:
            state = core.review(state, action, author="ann", reviewer=who, note="why")
        except core.Refused as refused:
            assert refused.field in ("action", "note")
            continue
        approved_by_other = approved_by_other or (action == core.APPROVE and who != "ann")
        assert state in core.VERSION_STATES
    if state == core.PUBLISHED:
        assert approved_by_other


def test_every_review_state_is_reachable_and_can_be_left_but_published() -> None:
    reached = {core.DRAFT}
    for (source, _action), target in core.REVIEW.items():
        assert source in core.VERSION_STATES
        reached.add(target)
    assert reached == {core.DRAFT, core.IN_REVIEW, core.PUBLISHED}
    leaving = {source for source, _ in core.REVIEW}
    assert leaving == {core.DRAFT, core.IN_REVIEW}


def test_a_rejection_without_a_reason_names_the_note() -> None:
    with pytest.raises(core.Refused) as refused:
        core.review(core.IN_REVIEW, core.REJECT, author="ann", reviewer="bob", note=" ")
    assert refused.value.field == "note"


def test_an_article_form_names_its_bad_field() -> None:
    today = date(2026, 12, 6)
    with pytest.raises(core.Refused, match="title"):
        core.article_text({"body": "x"})
    with pytest.raises(core.Refused, match="category"):
        core.article_facts({"category": "gossip"}, today)
    with pytest.raises(core.Refused, match="expires_on"):
        core.article_facts({"category": "faq", "expires_on": "2026-12-05"}, today)
    with pytest.raises(core.Refused, match="short_answer"):
        core.article_text({"title": "t", "body": "b", "short_answer": "长" * 141})


def test_chinese_words_come_out_of_longer_phrases() -> None:
    words = index.words("自来水水费缴纳方式和停水通知")
    assert "水费" in words and "停水" in words and "自来水" in words
    assert "和" not in words  # a stop word
    assert index.words("How do I PAY my Water bill?") == ["pay", "water", "bill"]


def test_a_title_word_weighs_more_than_a_body_word() -> None:
    terms = index.terms_of("停水通知", "", "", "水费")
    assert terms["停水"] > terms["水费"]


def test_articles_holding_more_of_the_query_rank_first() -> None:
    postings = [
        index.Posting(1, "水费", 3.0),
        index.Posting(2, "水费", 1.0),
        index.Posting(2, "滞纳金", 1.0),
    ]
    ranked = index.rank(["水费", "滞纳金"], postings, 100)
    assert [article for article, _, _ in ranked] == [2, 1]
    assert ranked[0][1] == 2


# -- writing and reviewing ------------------------------------------------------------------
async def test_a_department_writes_and_the_centre_approves_then_agents_find_it(
    empty_kb: None,
) -> None:
    tenant = await home_tenant_id()
    billing = await _actor("billing")
    article = await services.create(tenant, billing, WATER_FEE)
    assert article.department == "billing"
    # A draft is not for callers yet.
    assert await services.search(tenant, "水费") == []
    await services.review(tenant, billing, article.id, 1, core.SUBMIT)
    with pytest.raises(InvalidRequest, match="author"):
        await services.review(tenant, billing, article.id, 1, core.APPROVE)
    await services.review(tenant, await _actor("supervisor"), article.id, 1, core.APPROVE)

    # The two-character word sits inside the longer phrase 自来水水费缴纳方式.
    hits = await services.search(tenant, "水费")
    assert [hit.article_id for hit in hits] == [article.id]
    assert "水费" in hits[0].snippet
    # 滞纳金 is only in the body; 交水费 only in the keywords.
    assert [h.article_id for h in await services.search(tenant, "滞纳金怎么算")] == [article.id]
    # A single character is looked for in the text itself.
    assert [h.article_id for h in await services.search(tenant, "逾")] == [article.id]
    assert await KnowledgeTerm.filter(article_id=article.id).count() > 5


async def test_english_articles_are_found_by_english_words(empty_kb: None) -> None:
    tenant = await home_tenant_id()
    article = await _published(OUTAGE)
    hits = await services.search(tenant, "When is the water OUTAGE announced?")
    assert [hit.article_id for hit in hits] == [article.id]


async def test_a_new_version_waits_for_review_while_callers_keep_the_published_one(
    empty_kb: None,
) -> None:
    tenant = await home_tenant_id()
    article = await _published(WATER_FEE)
    billing = await _actor("billing")
    changed = {**WATER_FEE, "body": "水费现在也可以通过微信支付。"}
    version = await services.edit(tenant, billing, article.id, changed)
    assert version.version == 2 and version.state == core.DRAFT
    # Callers still get version 1's words, not version 2's.
    assert await services.search(tenant, "滞纳金")
    assert not await services.search(tenant, "微信")
    await services.review(tenant, billing, article.id, 2, core.SUBMIT)
    with pytest.raises(InvalidRequest, match="in review"):
        await services.edit(tenant, billing, article.id, changed)
    await services.review(
        tenant, await _actor("supervisor"), article.id, 2, core.REJECT, "say which app"
    )
    await services.edit(tenant, billing, article.id, {**changed, "body": "可以通过微信支付水费。"})
    await services.review(tenant, billing, article.id, 2, core.SUBMIT)
    await services.review(tenant, await _actor("supervisor"), article.id, 2, core.APPROVE)
    assert await services.search(tenant, "微信")
    assert not await services.search(tenant, "滞纳金")
    detail = await services.detail(tenant, article.id)
    assert [v["state"] for v in detail["versions"]] == [core.PUBLISHED, core.SUPERSEDED]
    assert detail["versions"][0]["review_note"] == ""  # approved after the rejection


async def test_another_department_may_not_edit_the_article(empty_kb: None) -> None:
    tenant = await home_tenant_id()
    article = await _published(WATER_FEE)
    with pytest.raises(NotAllowed) as refused:
        await services.edit(tenant, await _actor("supply"), article.id, WATER_FEE)
    assert refused.value.details == {"field": "department"}


async def test_retired_and_expired_articles_are_not_found(empty_kb: None) -> None:
    tenant = await home_tenant_id()
    article = await _published({**WATER_FEE, "expires_on": "2030-01-31"})
    assert await services.search(tenant, "水费", on=date(2030, 1, 31))
    assert not await services.search(tenant, "水费", on=date(2030, 2, 1))
    await services.retire(tenant, await _actor("billing"), article.id, True)
    assert not await services.search(tenant, "水费")
    expiring = await services.list_articles(tenant, expiring_within_days=365 * 10)
    assert [row["id"] for row in expiring] == [article.id]


async def test_an_empty_query_is_refused_naming_q(empty_kb: None) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await services.search(await home_tenant_id(), "  ")
    assert refused.value.details == {"field": "q"}


# -- sending ---------------------------------------------------------------------------------
async def test_an_article_goes_out_by_sms_and_email_through_the_outbox(empty_kb: None) -> None:
    tenant = await home_tenant_id()
    article = await _published(WATER_FEE)
    agent = await _actor("agent1001")
    sms = await services.send(tenant, agent, article.id, "sms", "13800138000", call_id="c-1")
    email = await services.send(tenant, agent, article.id, "email", "citizen@example.org")
    sms_out = await CaseMessage.get(id=sms.message_id)
    assert sms_out.case_id is None  # type: ignore[attr-defined]
    assert sms_out.text == WATER_FEE["short_answer"]
    email_out = await CaseMessage.get(id=email.message_id)
    assert email_out.subject == WATER_FEE["title"]
    assert WATER_FEE["body"] in email_out.text
    assert await KnowledgeSend.filter(article_id=article.id).count() == 2
    with pytest.raises(InvalidRequest) as refused:
        await services.send(tenant, agent, article.id, "sms", "+86 138")
    assert refused.value.details == {"field": "to"}


async def test_an_article_goes_out_by_fax_as_a_pdf_with_its_chinese_text(
    empty_kb: None,
) -> None:
    tenant = await home_tenant_id()
    article = await _published(WATER_FEE)
    center = StandInCenter()
    row = await services.send(
        tenant, await _actor("agent1001"), article.id, "fax", "88001234", fax=center
    )
    assert row.fax_job_id == 1
    _, reference, title, pdf, number = center.faxes_sent[0]
    assert (reference, title, number) == (f"K{article.id}v1", WATER_FEE["title"], "88001234")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "水费" in text


async def test_an_article_of_several_paragraphs_becomes_a_pdf_of_them_all(
    empty_kb: None,
) -> None:
    body = "第一段：营业厅缴费。\n\n第二段：银行代扣。\n" + "很长的一段文字。" * 200
    article = await _published({**WATER_FEE, "body": body})
    pdf = await services.article_pdf(await home_tenant_id(), article.id)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2
    assert "第一段" in text and "第二段" in text


async def test_a_retired_article_is_not_sent(empty_kb: None) -> None:
    tenant = await home_tenant_id()
    article = await _published(WATER_FEE)
    await services.retire(tenant, await _actor("billing"), article.id, True)
    with pytest.raises(InvalidRequest, match="article"):
        await services.send(tenant, await _actor("agent1001"), article.id, "sms", "13800138000")


# -- spoken answers --------------------------------------------------------------------------
async def test_a_published_answer_is_spoken_as_the_article_prompt(empty_kb: None) -> None:
    article = await _published(WATER_FEE)
    assert [a.id for a in await speech.due()] == [article.id]
    assert await draft_due() == 1
    assert await Prompt.exists(name=f"kb-{article.id}")
    assert await speech.due() == []
    # A newer approved version is spoken anew.
    tenant = await home_tenant_id()
    await services.edit(tenant, await _actor("billing"), article.id, WATER_FEE)
    await services.review(tenant, await _actor("billing"), article.id, 2, core.SUBMIT)
    await services.review(tenant, await _actor("supervisor"), article.id, 2, core.APPROVE)
    assert [a.id for a in await speech.due()] == [article.id]


async def test_the_database_ranks_as_the_reference_ranking_does(empty_kb: None) -> None:
    tenant = await home_tenant_id()
    bodies = ["水费水费滞纳金", "水费停水", "停水通知", "水表更换", "滞纳金减免政策"]
    for number, body in enumerate(bodies):
        await _published({**WATER_FEE, "title": f"第{number}条", "body": body, "keywords": ""})
    words = index.query_words("水费滞纳金停水")
    articles = await KnowledgeArticle.all().count()
    rows = await KnowledgeTerm.filter(term__in=words).values("article_id", "term", "weight")
    reference = index.rank(words, index.postings_of(rows), articles)
    holding = await store.document_frequency(tenant, words)
    rarities = {w: index.rarity(articles, n) for w, n in holding.items()}
    in_sql = await store.ranked(tenant, rarities, 10)
    assert [(a, m) for a, m, _ in in_sql] == [(a, m) for a, m, _ in reference]
    assert [s for _, _, s in in_sql] == pytest.approx([s for _, _, s in reference], rel=1e-3)
