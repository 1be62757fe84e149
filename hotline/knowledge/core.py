"""The knowledge base's rules (pure): what an article is made of, and the
review of its versions as a table.

A version is written (draft), sent for review (in_review), and approved
(published) or sent back with a reason (draft again).  Approving it
supersedes the version callers had.  Nobody approves their own version:
a second pair of eyes reads every answer before callers hear it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from hotline.refusal import Refused as Refused  # the rules raise it; callers catch it here

FAQ: Final = "faq"
GUIDE: Final = "guide"
POLICY: Final = "policy"
TYPICAL_CASE: Final = "typical_case"
CATEGORIES: Final = (FAQ, GUIDE, POLICY, TYPICAL_CASE)
LANGUAGES: Final = ("zh-CN", "en")

DRAFT: Final = "draft"
IN_REVIEW: Final = "in_review"
PUBLISHED: Final = "published"
SUPERSEDED: Final = "superseded"
VERSION_STATES: Final = (DRAFT, IN_REVIEW, PUBLISHED, SUPERSEDED)

SUBMIT: Final = "submit"
APPROVE: Final = "approve"
REJECT: Final = "reject"
REVIEW_ACTIONS: Final = (SUBMIT, APPROVE, REJECT)

# (state, action) → the state it leads to; what is not here is refused.
REVIEW: Final[dict[tuple[str, str], str]] = {
    (DRAFT, SUBMIT): IN_REVIEW,
    (IN_REVIEW, APPROVE): PUBLISHED,
    (IN_REVIEW, REJECT): DRAFT,
}

MAX_TITLE: Final = 200
MAX_BODY: Final = 20_000
# An SMS of 70 Chinese characters is one message; two is the most we send.
MAX_SHORT_ANSWER: Final = 140
MAX_KEYWORDS: Final = 400


@dataclass(frozen=True, slots=True)
class ArticleText:
    title: str
    body: str
    short_answer: str
    keywords: str


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    category: str
    language: str
    case_category: str
    expires_on: date | None


def _text(form: Mapping[str, Any], name: str, limit: int, *, required: bool) -> str:
    value = form.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(name, "text")
    value = value.strip()
    if required and not value:
        raise Refused(name, "required")
    if len(value) > limit:
        raise Refused(name, f"at most {limit} characters")
    return value


def article_text(form: Mapping[str, Any]) -> ArticleText:
    return ArticleText(
        title=_text(form, "title", MAX_TITLE, required=True),
        body=_text(form, "body", MAX_BODY, required=True),
        short_answer=_text(form, "short_answer", MAX_SHORT_ANSWER, required=False),
        keywords=_text(form, "keywords", MAX_KEYWORDS, required=False),
    )


def article_facts(form: Mapping[str, Any], today: date) -> ArticleFacts:
    category = form.get("category")
    if category not in CATEGORIES:
        raise Refused("category", f"one of {', '.join(CATEGORIES)}")
    language = form.get("language") or "zh-CN"
    if language not in LANGUAGES:
        raise Refused("language", f"one of {', '.join(LANGUAGES)}")
    expires_on = expiry(form.get("expires_on"), today)
    return ArticleFacts(
        category=str(category),
        language=str(language),
        case_category=_text(form, "case_category", 64, required=False),
        expires_on=expires_on,
    )


def expiry(raw: object, today: date) -> date | None:
    if raw in (None, ""):
        return None
    try:
        value = date.fromisoformat(str(raw))
    except ValueError:
        raise Refused("expires_on", "a date (YYYY-MM-DD)") from None
    if value < today:
        raise Refused("expires_on", "not in the past")
    return value


def review(state: str, action: str, *, author: str, reviewer: str, note: str) -> str:
    """The state ``action`` leads ``state`` to, or Refused."""
    if action not in REVIEW_ACTIONS:
        raise Refused("action", f"one of {', '.join(REVIEW_ACTIONS)}")
    following = REVIEW.get((state, action))
    if following is None:
        raise Refused("action", f"{action} is not possible on a version that is {state}")
    if action == APPROVE and reviewer == author:
        raise Refused("action", "the author of a version cannot approve it")
    if action == REJECT and not note.strip():
        raise Refused("note", "say why the version goes back")
    return following


def live(
    published_version: int | None, retired: bool, expires_on: date | None, today: date
) -> bool:
    """Whether callers get the article: published, not retired, not expired."""
    return (
        published_version is not None
        and not retired
        and (expires_on is None or expires_on >= today)
    )
