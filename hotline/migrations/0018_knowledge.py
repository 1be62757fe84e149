from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0017_follow_ups")]

    initial = False

    operations = [
        ops.CreateModel(
            name="KnowledgeArticle",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                ("category", fields.CharField(db_index=True, max_length=16)),
                ("department", fields.CharField(db_index=True, max_length=32)),
                ("language", fields.CharField(default="zh-CN", max_length=8)),
                ("case_category", fields.CharField(default="", max_length=64)),
                ("title", fields.CharField(default="", max_length=200)),
                ("short_answer", fields.TextField(default="", unique=False)),
                ("published_version", fields.IntField(null=True)),
                ("spoken_version", fields.IntField(null=True)),
                ("expires_on", fields.DateField(null=True, db_index=True)),
                ("retired", fields.BooleanField(default=False)),
                ("created_by", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "knowledge_article",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An article: its category, the department that maintains it, and the",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="KnowledgeSend",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField(db_index=True)),
                (
                    "article",
                    fields.ForeignKeyField(
                        "models.KnowledgeArticle",
                        source_field="article_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sends",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("version", fields.IntField()),
                ("channel", fields.CharField(max_length=8)),
                ("to", fields.CharField(max_length=120)),
                ("sent_by", fields.CharField(max_length=64)),
                ("call_id", fields.CharField(default="", max_length=64)),
                ("message_id", fields.IntField(null=True)),
                ("fax_job_id", fields.IntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "knowledge_send",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An article sent to someone (the send log): by SMS or email through the",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="KnowledgeTerm",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tenant_id", fields.IntField()),
                (
                    "article",
                    fields.ForeignKeyField(
                        "models.KnowledgeArticle",
                        source_field="article_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="terms",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("term", fields.CharField(max_length=32)),
                ("weight", fields.FloatField()),
            ],
            options={
                "table": "knowledge_term",
                "app": "models",
                "indexes": [Index(fields=["tenant_id", "term"])],
                "pk_attr": "id",
                "table_description": "A word of a published article and its weight (title words weigh more):",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="KnowledgeVersion",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "article",
                    fields.ForeignKeyField(
                        "models.KnowledgeArticle",
                        source_field="article_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="versions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("version", fields.IntField()),
                ("title", fields.CharField(max_length=200)),
                ("body", fields.TextField(unique=False)),
                ("short_answer", fields.TextField(default="", unique=False)),
                ("keywords", fields.CharField(default="", max_length=400)),
                ("state", fields.CharField(default="draft", db_index=True, max_length=12)),
                ("author", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("reviewed_by", fields.CharField(default="", max_length=64)),
                (
                    "reviewed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("review_note", fields.CharField(default="", max_length=500)),
            ],
            options={
                "table": "knowledge_version",
                "app": "models",
                "unique_together": (("article", "version"),),
                "pk_attr": "id",
                "table_description": "One edit of an article and its review: who wrote it, who approved or",
            },
            bases=["Model"],
        ),
        ops.AlterModelOptions(
            name="CaseMessage",
            options={
                "table": "case_message",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One SMS or email to a citizen: what, to whom, and how its delivery went",
            },
        ),
        ops.AlterField(
            model_name="CaseMessage",
            name="case",
            field=fields.ForeignKeyField(
                "models.Case",
                source_field="case_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="messages",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AddField(
            model_name="CaseMessage",
            name="subject",
            field=fields.CharField(default="", db_default="", max_length=200),
        ),
        ops.AddField(
            model_name="FaxDocument",
            name="origin",
            field=fields.CharField(default="catalogue", db_default="catalogue", max_length=12),
        ),
    ]
