"""The knowledge base (知识库): articles that departments maintain and agents
read to callers, send them, or that a flow reads out.

An article's text lives in versions (``KnowledgeVersion``): an edit is a new
version that goes through review (draft → in_review → published); the
article shows its published version while a newer one is reviewed.  Search
reads ``KnowledgeTerm``, the index of the published versions' words
(hotline/knowledge/index.py).  Every sending to a citizen is a
``KnowledgeSend`` row (the send log).
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class KnowledgeArticle(Model):
    """An article: its category, the department that maintains it, and the
    version callers get (``published_version``, None until one is approved)."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    # faq, guide, policy, typical_case (hotline/knowledge/core.py CATEGORIES).
    category = fields.CharField(max_length=16, db_index=True)
    department = fields.CharField(max_length=32, db_index=True)
    language = fields.CharField(max_length=8, default="zh-CN")
    # For a typical complaint case (典型案例): the case category it illustrates.
    case_category = fields.CharField(max_length=64, default="")
    # What lists and the IVR show of the published version (copied on publishing).
    title = fields.CharField(max_length=200, default="")
    short_answer = fields.TextField(default="")
    published_version = fields.IntField(null=True)
    # The published version whose short answer the "kb-<id>" prompt says
    # (voice_prompts/knowledge_answers.py drafts it with text-to-speech).
    spoken_version = fields.IntField(null=True)
    expires_on = fields.DateField(null=True, db_index=True)
    retired = fields.BooleanField(default=False)
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "knowledge_article"


class KnowledgeVersion(Model):
    """One edit of an article and its review: who wrote it, who approved or
    sent it back, and why."""

    id = fields.IntField(primary_key=True)
    article: fields.ForeignKeyRelation[KnowledgeArticle] = fields.ForeignKeyField(
        "models.KnowledgeArticle", related_name="versions", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    # Read by the IVR and sent by SMS: a sentence or two.
    short_answer = fields.TextField(default="")
    keywords = fields.CharField(max_length=400, default="")
    # draft, in_review, published, superseded (core.VERSION_STATES).
    state = fields.CharField(max_length=12, default="draft", db_index=True)
    author = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    reviewed_by = fields.CharField(max_length=64, default="")
    reviewed_at = fields.DatetimeField(null=True)
    review_note = fields.CharField(max_length=500, default="")

    class Meta:
        table = "knowledge_version"
        unique_together = (("article", "version"),)


class KnowledgeTerm(Model):
    """A word of a published article and its weight (title words weigh more):
    the search index, one table that SQLite and PostgreSQL both serve."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField()
    article: fields.ForeignKeyRelation[KnowledgeArticle] = fields.ForeignKeyField(
        "models.KnowledgeArticle", related_name="terms", on_delete=fields.CASCADE
    )
    term = fields.CharField(max_length=32)
    weight = fields.FloatField()

    class Meta:
        table = "knowledge_term"
        indexes = (
            ("tenant_id", "term"),
            ("article_id",),
        )


class KnowledgeSend(Model):
    """An article sent to someone (the send log): by SMS or email through the
    case messages' outbox, or by fax through fax-back."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    article: fields.ForeignKeyRelation[KnowledgeArticle] = fields.ForeignKeyField(
        "models.KnowledgeArticle", related_name="sends", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    channel = fields.CharField(max_length=8)
    to = fields.CharField(max_length=120)
    sent_by = fields.CharField(max_length=64)
    call_id = fields.CharField(max_length=64, default="")
    # The outbox row (case_message.id) or the fax job (fax_job.id) carrying it.
    message_id = fields.IntField(null=True)
    fax_job_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        indexes = (("article_id",),)
        table = "knowledge_send"


def snapshot(article: KnowledgeArticle) -> dict[str, Any]:
    """What the audit log keeps of an article."""
    return {
        "category": article.category,
        "department": article.department,
        "title": article.title,
        "published_version": article.published_version,
        "expires_on": article.expires_on.isoformat() if article.expires_on else None,
        "retired": article.retired,
    }
