"""The knowledge base pages without Asterisk: a department writes an
article, a supervisor approves it, an agent finds it from the desk's search
and sends it to the caller; refusals name their field; who may what."""

from __future__ import annotations

import pytest

from hotline.models import AuditEntry, User
from hotline.models_cases import CaseMessage
from hotline.models_knowledge import KnowledgeArticle, KnowledgeVersion
from tests.unit.ui_support import UiClient, create_user

ARTICLE = {
    "category": "faq",
    "language": "zh-CN",
    "title": "自来水水费缴纳方式",
    "short_answer": "水费可在营业厅、银行代扣或手机银行缴纳。",
    "body": "居民可以通过营业厅、银行代扣或者手机银行缴纳水费。",
    "keywords": "",
    "case_category": "",
    "expires_on": "",
}


@pytest.fixture
async def empty_kb(ui: UiClient) -> None:
    """Without the demo's articles: these tests count what they find."""
    await KnowledgeArticle.all().delete()


async def _written_and_approved(ui: UiClient) -> KnowledgeArticle:
    await create_user("billing", "case handler")
    await ui.login("billing")
    created = await ui.post("/knowledge", ARTICLE)
    assert created.status_code == 303
    article = await KnowledgeArticle.get()
    assert created.headers["location"] == f"/knowledge/{article.id}"
    assert article.department == "billing"
    assert (await ui.post(f"/knowledge/{article.id}/submit", {"version": "1"})).status_code == 303
    # A case handler may not approve (knowledge:publish): the role check's 403.
    assert (
        await ui.post(f"/knowledge/{article.id}/review", {"version": "1", "action": "approve"})
    ).status_code == 403
    await ui.login("supervisor")
    page = await ui.get(f"/knowledge/{article.id}")
    assert 'data-testid="knowledge-approve"' in page.text
    approved = await ui.post(
        f"/knowledge/{article.id}/review", {"version": "1", "action": "approve"}
    )
    assert approved.status_code == 303
    return await KnowledgeArticle.get(id=article.id)


async def test_written_approved_then_found_and_sent_from_the_desk_search(
    ui: UiClient, empty_kb: None
) -> None:
    article = await _written_and_approved(ui)
    assert article.published_version == 1

    await ui.login("agent")
    found = await ui.get(
        "/knowledge/search?q=水费&to=13800138000&call_id=call-7", headers={"HX-Request": "true"}
    )
    assert found.status_code == 200 and ui.last.template == "knowledge/_results.html"
    assert [hit["id"] for hit in ui.last.context["hits"]] == [article.id]
    assert 'value="13800138000"' in found.text

    sent = await ui.post(
        f"/knowledge/{article.id}/send",
        {"channel": "sms", "to": "13800138000", "call_id": "call-7"},
        headers={"HX-Request": "true"},
    )
    assert sent.status_code == 200 and 'data-testid="knowledge-send-ok"' in sent.text
    message = await CaseMessage.get(event="knowledge")
    assert (message.to, message.text) == ("13800138000", ARTICLE["short_answer"])
    audit = await AuditEntry.get(action="article_sent")
    assert audit.username == "agent"

    refused = await ui.post(
        f"/knowledge/{article.id}/send",
        {"channel": "sms", "to": "not a number"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422 and 'data-field="to"' in refused.text


async def test_a_rejected_version_goes_back_with_its_reason(ui: UiClient, empty_kb: None) -> None:
    article = await _written_and_approved(ui)
    await ui.login("billing")
    await ui.post(f"/knowledge/{article.id}", {**ARTICLE, "body": "新正文：可用微信缴费。"})
    await ui.post(f"/knowledge/{article.id}/submit", {"version": "2"})
    await ui.login("supervisor")
    no_reason = await ui.post(
        f"/knowledge/{article.id}/review", {"version": "2", "action": "reject", "note": ""}
    )
    assert no_reason.status_code == 422 and ui.last.context["error_field"] == "note"
    await ui.post(
        f"/knowledge/{article.id}/review",
        {"version": "2", "action": "reject", "note": "哪个应用？"},
    )
    version = await KnowledgeVersion.get(article_id=article.id, version=2)
    assert (version.state, version.review_note) == ("draft", "哪个应用？")
    page = await ui.get(f"/knowledge/{article.id}")
    assert "哪个应用？" in page.text


async def test_a_bad_article_form_names_its_field_and_keeps_the_text(
    ui: UiClient, empty_kb: None
) -> None:
    await ui.login("supervisor")
    refused = await ui.post("/knowledge", {**ARTICLE, "title": ""})
    assert refused.status_code == 422
    assert ui.last.context["error_field"] == "title"
    assert ARTICLE["body"] in refused.text
    assert await KnowledgeArticle.all().count() == 0


async def test_the_page_lists_waiting_reviews_and_searches(ui: UiClient, empty_kb: None) -> None:
    await create_user("billing", "case handler")
    await ui.login("billing")
    await ui.post("/knowledge", ARTICLE)
    article = await KnowledgeArticle.get()
    await ui.post(f"/knowledge/{article.id}/submit", {"version": "1"})
    await ui.login("supervisor")
    await ui.get("/knowledge?view=review")
    assert [a["id"] for a in ui.last.context["articles"]] == [article.id]
    empty = await ui.get("/knowledge?q=%20")
    assert empty.status_code == 200  # a blank box is no search
    pdf = await ui.get(f"/knowledge/{article.id}.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


async def test_the_desk_has_the_knowledge_panel_for_agents(ui: UiClient, empty_kb: None) -> None:
    await User.filter(username="agent").update(phone_extension="1001")
    await ui.login("agent")
    page = await ui.get("/desk")
    assert page.status_code == 200
    assert 'data-testid="desk-knowledge"' in page.text


async def test_who_may_write_and_approve(ui: UiClient, empty_kb: None) -> None:
    await ui.login("agent")
    assert (await ui.get("/knowledge")).status_code == 200
    assert (await ui.get("/knowledge/new")).status_code == 403
    assert (await ui.post("/knowledge", ARTICLE)).status_code == 403
    await ui.login("telecom_engineer")
    assert (await ui.get("/knowledge")).status_code == 403
