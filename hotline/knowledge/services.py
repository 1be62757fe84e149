"""Knowledge base use cases: write and review articles, search them, send
them to someone.

Who may edit an article: the department that maintains it (its members
with ``knowledge:edit``), and the centre for every department.  Who may
approve a version: a holder of ``knowledge:publish`` who did not write it.
Every change, and every sending, is an audit row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Protocol

from tortoise.transactions import in_transaction

from hotline import audit_trail
from hotline.cases import directory, messages
from hotline.center import Actor
from hotline.errors import InvalidRequest, NotAllowed, NotFound
from hotline.knowledge import core, documents, index, speech, store
from hotline.models_cases import CaseMessage
from hotline.models_knowledge import (
    KnowledgeArticle,
    KnowledgeSend,
    KnowledgeTerm,
    KnowledgeVersion,
    snapshot,
)
from hotline.refusal import as_invalid
from hotline.tenancy import scoped

SEARCH_LIMIT: Final = 10
# Candidates read before the live ones are kept (some may be retired/expired).
CANDIDATES: Final = 60
CHANNELS: Final = ("sms", "email", "fax")
_PHONE_DIGITS: Final = frozenset("0123456789")


class FaxPort(Protocol):
    """The contact center's fax-back (ari_apps: fax/generated.py)."""

    async def fax_pdf(
        self,
        tenant_id: int,
        reference: str,
        title: str,
        pdf: bytes,
        number: str,
        call_id: str,
        actor: Actor,
    ) -> int: ...


def today() -> date:
    return datetime.now(UTC).date()


async def _article(tenant_id: int, article_id: int) -> KnowledgeArticle:
    article = await scoped(KnowledgeArticle, tenant_id).get_or_none(id=article_id)
    if article is None:
        raise NotFound(f"no article {article_id}", {"field": "article"})
    return article


async def _check_may_edit(tenant_id: int, actor: Actor, department: str) -> None:
    place = await directory.membership(tenant_id, actor.username)
    if not place.is_centre and place.department != department:
        raise NotAllowed(
            f"department: {department!r} maintains this article, not {place.department!r}",
            {"field": "department"},
        )


async def editable_departments(tenant_id: int, username: str) -> list[dict[str, Any]]:
    """The departments ``username`` may write articles for."""
    place = await directory.membership(tenant_id, username)
    every = await directory.departments(tenant_id)
    return every if place.is_centre else [d for d in every if d["code"] == place.department]


async def create(tenant_id: int, actor: Actor, form: Mapping[str, Any]) -> KnowledgeArticle:
    """A new article with its first version, a draft."""
    try:
        facts = core.article_facts(form, today())
        text = core.article_text(form)
    except core.Refused as error:
        raise as_invalid(error) from None
    place = await directory.membership(tenant_id, actor.username)
    department = str(form.get("department") or "") if place.is_centre else place.department
    if not department:
        department = directory.CENTRE
    await directory.check_departments(tenant_id, (department,), "department")
    await _check_may_edit(tenant_id, actor, department)
    async with in_transaction():
        article = await KnowledgeArticle.create(
            tenant_id=tenant_id,
            category=facts.category,
            department=department,
            language=facts.language,
            case_category=facts.case_category,
            expires_on=facts.expires_on,
            title=text.title,
            created_by=actor.username,
        )
        await _new_version(article, 1, text, actor)
        await audit_trail.record(
            actor, "article_created", "knowledge_article", str(article.id), snapshot(article)
        )
    return article


async def seed_published(
    tenant_id: int, form: Mapping[str, Any], *, author: str, reviewer: str
) -> KnowledgeArticle:
    """A demo article, written and approved (the seed's, like its other demo
    rows: no audit entries, which are people's actions)."""
    try:
        facts = core.article_facts(form, today())
        text = core.article_text(form)
    except core.Refused as error:
        raise as_invalid(error) from None
    async with in_transaction():
        article = await KnowledgeArticle.create(
            tenant_id=tenant_id,
            category=facts.category,
            department=str(form.get("department") or directory.CENTRE),
            language=facts.language,
            case_category=facts.case_category,
            expires_on=facts.expires_on,
            title=text.title,
            created_by=author,
        )
        version = await _new_version(article, 1, text, Actor(author, "", tenant_id))
        version.state, version.reviewed_by, version.reviewed_at = (
            core.PUBLISHED,
            reviewer,
            datetime.now(UTC),
        )
        await version.save()
        await _publish(article, version)
    speech.wake()
    return article


async def _new_version(
    article: KnowledgeArticle, number: int, text: core.ArticleText, actor: Actor
) -> KnowledgeVersion:
    return await KnowledgeVersion.create(
        article=article,
        version=number,
        title=text.title,
        body=text.body,
        short_answer=text.short_answer,
        keywords=text.keywords,
        state=core.DRAFT,
        author=actor.username,
    )


async def edit(
    tenant_id: int, actor: Actor, article_id: int, form: Mapping[str, Any]
) -> KnowledgeVersion:
    """New text: the open draft is rewritten, or a new draft is started from
    the published version (which callers keep hearing until it is approved).
    A version in review is not rewritten under its reviewer."""
    article = await _article(tenant_id, article_id)
    await _check_may_edit(tenant_id, actor, article.department)
    try:
        text = core.article_text(form)
        facts = core.article_facts({**_facts_form(article), **form}, today())
    except core.Refused as error:
        raise as_invalid(error) from None
    async with in_transaction():
        latest = await KnowledgeVersion.filter(article=article).order_by("-version").first()
        if latest is not None and latest.state == core.IN_REVIEW:
            raise InvalidRequest(
                f"version: {latest.version} is in review; wait for its review",
                {"field": "version"},
            )
        if latest is not None and latest.state == core.DRAFT:
            latest.update_from_dict(
                {
                    "title": text.title,
                    "body": text.body,
                    "short_answer": text.short_answer,
                    "keywords": text.keywords,
                    "author": actor.username,
                    "review_note": latest.review_note,
                }
            )
            await latest.save()
            version = latest
        else:
            version = await _new_version(
                article, (latest.version if latest else 0) + 1, text, actor
            )
        before = snapshot(article)
        article.category = facts.category
        article.language = facts.language
        article.case_category = facts.case_category
        article.expires_on = facts.expires_on
        if article.published_version is None:
            article.title = text.title
        await article.save()
        await audit_trail.record(
            actor,
            "article_edited",
            "knowledge_article",
            str(article.id),
            {"before": before, "after": snapshot(article), "version": version.version},
        )
    return version


def _facts_form(article: KnowledgeArticle) -> dict[str, Any]:
    return {
        "category": article.category,
        "language": article.language,
        "case_category": article.case_category,
        "expires_on": article.expires_on.isoformat() if article.expires_on else "",
    }


async def review(
    tenant_id: int,
    actor: Actor,
    article_id: int,
    version_number: int,
    action: str,
    note: str = "",
) -> KnowledgeVersion:
    """submit (the author or their department), approve or reject (a
    reviewer who did not write it).  Approving publishes the version: callers
    get it, search finds its words, the IVR's answer is spoken anew."""
    article = await _article(tenant_id, article_id)
    if action == core.SUBMIT:
        await _check_may_edit(tenant_id, actor, article.department)
    async with in_transaction():
        version = await KnowledgeVersion.get_or_none(article=article, version=version_number)
        if version is None:
            raise NotFound(f"version: article {article_id} has no version {version_number}")
        try:
            following = core.review(
                version.state, action, author=version.author, reviewer=actor.username, note=note
            )
        except core.Refused as error:
            raise as_invalid(error) from None
        version.state = following
        if action != core.SUBMIT:
            version.reviewed_by = actor.username
            version.reviewed_at = datetime.now(UTC)
            version.review_note = note.strip()[:500]
        await version.save()
        if following == core.PUBLISHED:
            await _publish(article, version)
        await audit_trail.record(
            actor,
            f"article_{action}",
            "knowledge_article",
            str(article.id),
            {"version": version.version, "state": following, "note": note.strip()[:500]},
        )
    if following == core.PUBLISHED:
        speech.wake()
    return version


async def _publish(article: KnowledgeArticle, version: KnowledgeVersion) -> None:
    await (
        KnowledgeVersion.filter(article=article, state=core.PUBLISHED)
        .exclude(id=version.id)
        .update(state=core.SUPERSEDED)
    )
    article.title = version.title
    article.short_answer = version.short_answer
    article.published_version = version.version
    await article.save()
    await reindex(article, version)


async def reindex(article: KnowledgeArticle, version: KnowledgeVersion) -> int:
    """Replace the article's words in the index by ``version``'s."""
    terms = index.terms_of(version.title, version.keywords, version.short_answer, version.body)
    await KnowledgeTerm.filter(article=article).delete()
    await KnowledgeTerm.bulk_create(
        [
            KnowledgeTerm(tenant_id=article.tenant_id, article=article, term=term, weight=weight)
            for term, weight in terms.items()
        ],
        batch_size=500,
    )
    return len(terms)


async def retire(tenant_id: int, actor: Actor, article_id: int, retired: bool) -> None:
    """Take an article away from callers (or give it back); its versions stay."""
    article = await _article(tenant_id, article_id)
    await _check_may_edit(tenant_id, actor, article.department)
    article.retired = retired
    await article.save(update_fields=["retired", "updated_at"])
    await audit_trail.record(
        actor,
        "article_retired" if retired else "article_restored",
        "knowledge_article",
        str(article.id),
        snapshot(article),
    )


# -- search ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Hit:
    article_id: int
    title: str
    category: str
    department: str
    short_answer: str
    snippet: str
    matched: int
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.article_id,
            "title": self.title,
            "category": self.category,
            "department": self.department,
            "short_answer": self.short_answer,
            "snippet": self.snippet,
            "matched_words": self.matched,
            "score": self.score,
        }


async def search(
    tenant_id: int, query: str, *, limit: int = SEARCH_LIMIT, on: date | None = None
) -> list[Hit]:
    """The live articles matching ``query``, best first.  Words come from the
    index; a word it does not hold (a single character, a word jieba did not
    cut out) is looked for in the published texts themselves."""
    query = query.strip()
    if not query:
        raise InvalidRequest("q: type a word to look for", {"field": "q"})
    if len(query) > 200:
        raise InvalidRequest("q: at most 200 characters", {"field": "q"})
    wanted = index.query_words(query)
    if not wanted:
        return []
    articles = (
        await scoped(KnowledgeArticle, tenant_id).filter(published_version__isnull=False).count()
    )
    holding = await store.document_frequency(tenant_id, wanted)
    rarities = {w: index.rarity(articles, n) for w, n in holding.items()}
    found = {
        a: (matched, score)
        for a, matched, score in await store.ranked(tenant_id, rarities, CANDIDATES)
    }
    for word in (w for w in wanted if w not in holding):
        extra = await _read_for(tenant_id, word)
        if not extra:
            continue
        weight = index.rarity(articles, len(extra))
        for posting in extra:
            matched, score = found.get(posting.article_id, (0, 0.0))
            found[posting.article_id] = (matched + 1, round(score + posting.weight * weight, 4))
    ranked = sorted(((a, m, s) for a, (m, s) in found.items()), key=lambda r: (-r[1], -r[2], r[0]))[
        :CANDIDATES
    ]
    if not ranked:
        return []
    day = on or today()
    by_id = {
        a.id: a
        for a in await scoped(KnowledgeArticle, tenant_id).filter(id__in=[r[0] for r in ranked])
    }
    live = [
        (by_id[a], matched, score)
        for a, matched, score in ranked
        if a in by_id
        and core.live(by_id[a].published_version, by_id[a].retired, by_id[a].expires_on, day)
    ][:limit]
    bodies = {
        v.article_id: v.body  # type: ignore[attr-defined]
        for v in await KnowledgeVersion.filter(
            article_id__in=[a.id for a, _, _ in live], state=core.PUBLISHED
        )
    }
    return [
        Hit(
            article_id=a.id,
            title=a.title,
            category=a.category,
            department=a.department,
            short_answer=a.short_answer,
            snippet=index.snippet(bodies.get(a.id, ""), wanted),
            matched=matched,
            score=score,
        )
        for a, matched, score in live
    ]


async def _read_for(tenant_id: int, word: str) -> list[index.Posting]:
    """Published texts holding ``word`` where the index has no entry for it."""
    found = (
        await KnowledgeVersion.filter(article__tenant_id=tenant_id, state=core.PUBLISHED)
        .filter(title__icontains=word)
        .values_list("article_id", flat=True)
    )
    in_body = await KnowledgeVersion.filter(
        article__tenant_id=tenant_id, state=core.PUBLISHED, body__icontains=word
    ).values_list("article_id", flat=True)
    weights: dict[int, float] = {}
    for article_id in in_body:
        weights[int(str(article_id))] = index.BODY_WEIGHT
    for article_id in found:
        weights[int(str(article_id))] = index.TITLE_WEIGHT
    return [index.Posting(a, word, w) for a, w in weights.items()]


# -- reading -----------------------------------------------------------------------------
async def list_articles(
    tenant_id: int,
    *,
    category: str = "",
    department: str = "",
    waiting_review: bool = False,
    expiring_within_days: int | None = None,
) -> list[dict[str, Any]]:
    query = scoped(KnowledgeArticle, tenant_id)
    if category:
        query = query.filter(category=category)
    if department:
        query = query.filter(department=department)
    if waiting_review:
        ids = await KnowledgeVersion.filter(
            article__tenant_id=tenant_id, state=core.IN_REVIEW
        ).values_list("article_id", flat=True)
        query = query.filter(id__in=list(ids))
    day = today()
    if expiring_within_days is not None:
        query = query.filter(
            expires_on__isnull=False,
            expires_on__lte=date.fromordinal(day.toordinal() + expiring_within_days),
        )
    rows = []
    for article in await query.order_by("-updated_at").limit(500):
        rows.append(_summary(article, day))
    return rows


def _summary(article: KnowledgeArticle, day: date) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "category": article.category,
        "department": article.department,
        "language": article.language,
        "published_version": article.published_version,
        "expires_on": article.expires_on.isoformat() if article.expires_on else None,
        "expired": article.expires_on is not None and article.expires_on < day,
        "retired": article.retired,
        "live": core.live(article.published_version, article.retired, article.expires_on, day),
        "updated_at": article.updated_at.astimezone(UTC).isoformat(),
    }


async def detail(tenant_id: int, article_id: int) -> dict[str, Any]:
    article = await _article(tenant_id, article_id)
    versions = await KnowledgeVersion.filter(article=article).order_by("-version")
    published = next((v for v in versions if v.state == core.PUBLISHED), None)
    sends = await KnowledgeSend.filter(article=article).order_by("-id").limit(50)
    outbox = {
        m.id: m
        for m in await CaseMessage.filter(id__in=[s.message_id for s in sends if s.message_id])
    }
    return {
        **_summary(article, today()),
        "case_category": article.case_category,
        "short_answer": article.short_answer,
        "body": published.body if published else "",
        "keywords": published.keywords if published else "",
        "spoken": article.spoken_version is not None
        and article.spoken_version == article.published_version,
        "versions": [
            {
                "version": v.version,
                "title": v.title,
                "body": v.body,
                "short_answer": v.short_answer,
                "keywords": v.keywords,
                "state": v.state,
                "author": v.author,
                "created_at": v.created_at.astimezone(UTC).isoformat(),
                "reviewed_by": v.reviewed_by,
                "review_note": v.review_note,
            }
            for v in versions
        ],
        "sends": [
            {
                "channel": s.channel,
                "to": s.to,
                "version": s.version,
                "sent_by": s.sent_by,
                "at": s.created_at.astimezone(UTC).isoformat(),
                "status": outbox[s.message_id].status
                if s.message_id in outbox
                else ("fax job " + str(s.fax_job_id) if s.fax_job_id else ""),
            }
            for s in sends
        ],
    }


async def article_pdf(tenant_id: int, article_id: int) -> bytes:
    """The published version as faxed (a draft-only article: its latest draft)."""
    article = await _article(tenant_id, article_id)
    version = await KnowledgeVersion.filter(article=article).order_by("-version").first()
    published = await KnowledgeVersion.get_or_none(article=article, state=core.PUBLISHED)
    version = published or version
    if version is None:
        raise NotFound(f"article {article_id} has no text yet", {"field": "article"})
    return _pdf(article, version)


def _pdf(article: KnowledgeArticle, version: KnowledgeVersion) -> bytes:
    return documents.article_pdf(
        version.title,
        f"{article.category} · v{version.version}",
        version.body,
        f"Hotline · {today().isoformat()}",
    )


# -- sending -----------------------------------------------------------------------------
def _address(channel: str, to: str) -> str:
    to = to.strip()
    if channel == "email":
        if "@" not in to or len(to) > 120 or any(c.isspace() for c in to):
            raise InvalidRequest("to: an email address", {"field": "to"})
        return to
    if not 3 <= len(to) <= 20 or not set(to) <= _PHONE_DIGITS:
        raise InvalidRequest("to: a phone or fax number, digits only", {"field": "to"})
    return to


async def send(
    tenant_id: int,
    actor: Actor,
    article_id: int,
    channel: str,
    to: str,
    *,
    call_id: str = "",
    fax: FaxPort | None = None,
) -> KnowledgeSend:
    """Send the published version: SMS (the short answer, or the title and
    text cut to two messages), email (the whole text) or fax (the PDF)."""
    if channel not in CHANNELS:
        raise InvalidRequest(f"channel: one of {', '.join(CHANNELS)}", {"field": "channel"})
    address = _address(channel, to)
    article = await _article(tenant_id, article_id)
    if not core.live(article.published_version, article.retired, article.expires_on, today()):
        raise InvalidRequest(
            "article: not published, retired or expired; callers cannot be sent it",
            {"field": "article"},
        )
    version = await KnowledgeVersion.get(article=article, state=core.PUBLISHED)
    call_id = call_id.strip()[:64]
    message_id: int | None = None
    fax_job_id: int | None = None
    if channel == "fax":
        if fax is None:
            raise InvalidRequest("channel: fax is not available here", {"field": "channel"})
        pdf = _pdf(article, version)
        fax_job_id = await fax.fax_pdf(
            tenant_id,
            f"K{article.id}v{version.version}",
            version.title,
            pdf,
            address,
            call_id,
            actor,
        )
    async with in_transaction():
        if channel != "fax":
            text = sms_text(version) if channel == "sms" else f"{version.title}\n\n{version.body}"
            message = await CaseMessage.create(
                tenant_id=tenant_id,
                case=None,
                event="knowledge",
                channel=channel,
                to=address,
                subject=version.title[:200],
                text=text,
                next_attempt_at=datetime.now(UTC),
            )
            message_id = message.id
        row = await KnowledgeSend.create(
            tenant_id=tenant_id,
            article=article,
            version=version.version,
            channel=channel,
            to=address,
            sent_by=actor.username,
            call_id=call_id,
            message_id=message_id,
            fax_job_id=fax_job_id,
        )
        await audit_trail.record(
            actor,
            "article_sent",
            "knowledge_article",
            str(article.id),
            {"channel": channel, "to": address, "version": version.version, "call_id": call_id},
        )
    if message_id is not None:
        messages.wake()
    return row


SMS_LIMIT: Final = 140


def sms_text(version: KnowledgeVersion) -> str:
    text = version.short_answer or f"{version.title}: {' '.join(version.body.split())}"
    return text if len(text) <= SMS_LIMIT else text[: SMS_LIMIT - 1] + "…"
