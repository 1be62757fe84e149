# Hand-written.  First the indexes that fields declare (db_index=True) but
# earlier migrations never built (hotline/schema_migrations.py,
# CreateFieldIndexes); then, as one AddIndexes (written from what
# `make migration` gave as 8 AddIndex), the indexes of the background passes
# (case follow-ups, recording retention, fax-back, the dialer) and of the
# audit page's filters.
from tortoise import migrations
from tortoise.indexes import Index

from hotline.schema_migrations import AddIndexes, CreateFieldIndexes


class Migration(migrations.Migration):
    dependencies = [("models", "0024_indexes")]

    initial = False

    operations = [
        CreateFieldIndexes(
            [
                ("Callback", "kind"),  # AddField in 0014
                ("Case", "customer_id"),  # AddField in 0019
                ("Case", "progress_due"),  # AddField in 0023
                # 0016 built these; 0018's AlterField (case made nullable)
                # rebuilt the table without them.
                ("CaseMessage", "tenant_id"),
                ("CaseMessage", "status"),
                ("CaseMessage", "next_attempt_at"),
            ]
        ),
        AddIndexes(
            [
                ("AuditEntry", Index(fields=["username", "tenant_id"])),
                ("AuditEntry", Index(fields=["action", "tenant_id"])),
                ("AuditEntry", Index(fields=["object_type", "tenant_id"])),
                ("AuditEntry", Index(fields=["at"])),
                ("CallRecording", Index(fields=["queue", "started_at"])),
                ("CampaignContact", Index(fields=["campaign_id", "state", "next_attempt_at"])),
                ("Case", Index(fields=["follow_up_on"])),
                ("FaxJob", Index(fields=["kind", "status"])),
            ]
        ),
    ]
