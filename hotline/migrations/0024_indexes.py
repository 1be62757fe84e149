# Hand-written from what `make migration NAME=indexes` wrote (40 AddIndex):
# as one AddIndexes operation, because Tortoise clones the whole model state
# for every operation (hotline/schema_migrations.py, AddIndexes).
from tortoise import migrations
from tortoise.indexes import Index

from hotline.schema_migrations import AddIndexes


class Migration(migrations.Migration):
    dependencies = [("models", "0023_case_progress")]

    initial = False

    operations = [
        AddIndexes(
            [
                ("Agent", Index(fields=["tenant_id"])),
                ("ApiToken", Index(fields=["tenant_id"])),
                ("BusinessCalendar", Index(fields=["tenant_id"])),
                ("CallEvent", Index(fields=["call_id"])),
                ("CallEvent", Index(fields=["kind", "at"])),
                ("CallRecord", Index(fields=["started_at"])),
                ("CallRecord", Index(fields=["caller_id", "started_at"])),
                ("CallRecord", Index(fields=["agent_extension", "answered_at"])),
                ("CampaignAttempt", Index(fields=["contact_id"])),
                ("CampaignAttempt", Index(fields=["campaign_id"])),
                ("CaseAction", Index(fields=["case_id"])),
                ("CaseAssignment", Index(fields=["case_id"])),
                ("CaseAttachment", Index(fields=["case_id"])),
                ("CaseAttachment", Index(fields=["action_id"])),
                ("CaseMessage", Index(fields=["case_id"])),
                ("CustomerMark", Index(fields=["customer_id"])),
                ("CustomerNumber", Index(fields=["customer_id"])),
                ("Did", Index(fields=["tenant_id"])),
                ("Did", Index(fields=["flow_id"])),
                ("DncNumber", Index(fields=["campaign_id"])),
                ("FaxDid", Index(fields=["tenant_id"])),
                ("FaxDocument", Index(fields=["tenant_id"])),
                ("FaxJob", Index(fields=["tenant_id"])),
                ("FaxJob", Index(fields=["document_id"])),
                ("FollowUp", Index(fields=["case_id"])),
                ("KnowledgeSend", Index(fields=["article_id"])),
                ("KnowledgeTerm", Index(fields=["article_id"])),
                ("Mailbox", Index(fields=["tenant_id"])),
                ("Prompt", Index(fields=["tenant_id"])),
                ("QaReview", Index(fields=["form_id"])),
                ("Queue", Index(fields=["tenant_id"])),
                ("QueueMember", Index(fields=["agent_id"])),
                ("Role", Index(fields=["tenant_id"])),
                ("ShiftException", Index(fields=["agent_id"])),
                ("ShiftPattern", Index(fields=["agent_id"])),
                ("User", Index(fields=["tenant_id"])),
                ("UserGroup", Index(fields=["tenant_id"])),
                ("VoicemailMessage", Index(fields=["mailbox_id"])),
                ("WebhookDelivery", Index(fields=["subscription_id"])),
                ("WebhookSubscription", Index(fields=["tenant_id"])),
            ]
        ),
    ]
