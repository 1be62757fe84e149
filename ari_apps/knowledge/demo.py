"""The demo's self-service answers (自助问答, DID 8601): the flow "Self-service
answers" reads knowledge articles to callers, as the seeds' water utility
offers "水务法知识库查询" by phone.

Two articles are seeded published (written by ``billing``, approved by
``supervisor``); their spoken answers are drafted with text-to-speech by the
running Hotline (voice_prompts/knowledge_answers.py).  The menu's words are
prompts drafted at the first start (``DEMO_PROMPT_TEXTS``).
"""

from __future__ import annotations

from typing import Any, Final

from hotline.knowledge import core, services
from hotline.models_knowledge import KnowledgeArticle
from hotline.seed import DEMO_QUEUE, seed_demo_line
from hotline.settings import Settings

ANSWERS_DID: Final = "8601"
ANSWERS_FLOW: Final = "Self-service answers"
DEMO_PROMPT_TEXTS: Final[dict[str, tuple[str, str]]] = {
    "faq-menu": (
        "For how to pay your water bill, press 1. For planned water outages, press 2."
        " To speak to an agent, press 0.",
        "查询水费缴纳方式请按1，查询计划停水请按2，人工服务请按0。",
    ),
    "faq-more": (
        "To hear the menu again, press 1. To speak to an agent, press 0.",
        "返回菜单请按1，人工服务请按0。",
    ),
}
DEMO_ARTICLES: Final[tuple[dict[str, str], ...]] = (
    {
        "category": core.FAQ,
        "department": "billing",
        "title": "自来水水费缴纳方式",
        "short_answer": "水费可以在营业厅、银行代扣或手机银行缴纳，逾期按日加收滞纳金。",
        "body": "居民可以通过以下方式缴纳水费：\n1. 各营业厅柜台缴费；\n2. 银行代扣，"
        "到营业厅或开户银行办理；\n3. 手机银行或网上银行缴费。\n逾期未缴纳的，按日加收滞纳金。",
        "keywords": "交水费 缴费 payment water bill",
    },
    {
        "category": core.GUIDE,
        "department": "supply",
        "title": "计划停水通知",
        "short_answer": "计划停水会提前二十四小时通过短信和网站通知。",
        "body": "因管道维修等原因需要计划停水的，供水部提前二十四小时通过短信、网站和小区公告"
        "通知用户。\n突发停水请拨打热线报修。",
        "keywords": "停水 outage 维修",
    },
)


async def _article(tenant_id: int, form: dict[str, str]) -> int:
    existing = await KnowledgeArticle.get_or_none(tenant_id=tenant_id, title=form["title"])
    if existing is not None:
        return existing.id
    article = await services.seed_published(
        tenant_id, form, author=form["department"], reviewer="supervisor"
    )
    return article.id


def answers_line(fee_article: int, outage_article: int) -> dict[str, Any]:
    def faq(article: int) -> dict[str, Any]:
        return {"kind": "faq", "article": str(article), "next": "more", "on_missing": "agent"}

    return {
        "start": "menu",
        "nodes": {
            "menu": {
                "kind": "menu",
                "label": "Which answer",
                "prompt": ["prompt:faq-menu"],
                "options": {"1": "fee", "2": "outage", "0": "agent"},
                "max_attempts": 2,
                "on_exhausted": "goodbye",
            },
            "fee": {**faq(fee_article), "label": "How to pay the water bill"},
            "outage": {**faq(outage_article), "label": "Planned outages"},
            "more": {
                "kind": "menu",
                "label": "Again or an agent",
                "prompt": ["prompt:faq-more"],
                "options": {"1": "menu", "0": "agent"},
                "max_attempts": 1,
                "on_exhausted": "goodbye",
            },
            "agent": {"kind": "queue", "queue": DEMO_QUEUE, "on_overflow": "goodbye"},
            "goodbye": {"kind": "hangup", "media": ["sound:vm-goodbye"], "reason": "faq_done"},
        },
    }


async def seed_answers_line(settings: Settings, *, tenant_id: int) -> None:
    """The demo articles, the flow and its DID, created once (edits stay)."""
    fee, outage = [await _article(tenant_id, form) for form in DEMO_ARTICLES]
    await seed_demo_line(tenant_id, ANSWERS_FLOW, answers_line(fee, outage), ANSWERS_DID)
