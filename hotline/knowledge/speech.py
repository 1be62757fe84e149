"""The IVR's spoken answers: an article's short answer becomes the catalogue
prompt ``kb-<article id>``, which a flow's ``faq`` node plays.

Text-to-speech is the prompts feature's (voice_prompts/knowledge_answers.py
drafts what ``due`` lists when woken); a studio recording uploaded on
/prompts as a new version of the same prompt replaces the draft until the
next approved version of the article drafts it anew.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Final

from tortoise.expressions import F, Q

from hotline.knowledge import core
from hotline.models_knowledge import KnowledgeArticle
from hotline.tenancy import scoped

PROMPT_PREFIX: Final = "kb-"

_woken = asyncio.Event()


def prompt_name(article_id: int) -> str:
    return f"{PROMPT_PREFIX}{article_id}"


def wake() -> None:
    """An article was published: draft its spoken answer now."""
    _woken.set()


async def woken(timeout_s: float) -> None:
    try:
        await asyncio.wait_for(_woken.wait(), timeout_s)
    except TimeoutError:
        return
    _woken.clear()


async def due(limit: int = 20) -> list[KnowledgeArticle]:
    """Published articles whose spoken answer is missing or of an older version."""
    return (
        await KnowledgeArticle.filter(published_version__isnull=False, retired=False)
        .filter(Q(spoken_version__isnull=True) | ~Q(spoken_version=F("published_version")))
        .order_by("id")
        .limit(limit)
    )


def spoken_text(article: KnowledgeArticle) -> str:
    return article.short_answer or article.title


async def mark_spoken(article_id: int, version: int) -> None:
    await KnowledgeArticle.filter(id=article_id).update(spoken_version=version)


async def sayable_version(tenant_id: int, article_id: int) -> int | None:
    """The version callers hear of ``tenant_id``'s article: None when it is
    not live or its spoken answer is not (yet) of the published version."""
    article = await scoped(KnowledgeArticle, tenant_id).get_or_none(id=article_id)
    if article is None:
        return None
    today = datetime.now(UTC).date()
    if not core.live(article.published_version, article.retired, article.expires_on, today):
        return None
    if article.spoken_version != article.published_version:
        return None
    return article.published_version
