"""Cases (工单): what callers ask for, routed across departments.

A case walks its workflow's steps (``hotline/cases/core.py``).  Every action
on it is a ``CaseAction`` row (who, when, what, note): its history, from
which the path graph is drawn.  Each time a department is given the case
to handle, a ``CaseAssignment`` row keeps its deadline and when it replied:
the department's on-time rate (METRICS.md, 按时办结率) is counted from those.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Department(Model):
    """A node of the tenant's hierarchy: centre → bureau/department → team."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    code = fields.CharField(max_length=32)
    name = fields.CharField(max_length=64)
    name_en = fields.CharField(max_length=64, default="")
    parent_code = fields.CharField(max_length=32, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "department"
        unique_together = (("tenant_id", "code"),)


class DepartmentMember(Model):
    """A user's place in a department; a lead is the department's superior
    (approves its extensions and joint handling requests)."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    department_code = fields.CharField(max_length=32)
    username = fields.CharField(max_length=64, db_index=True)
    lead = fields.BooleanField(default=False)

    class Meta:
        table = "department_member"
        unique_together = (("tenant_id", "username"),)


class CaseCode(Model):
    """Code lists (数据字典): categories (a tree), sources, urgencies, results."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    # "category", "source", "urgency", "result"
    list_name = fields.CharField(max_length=16)
    code = fields.CharField(max_length=64)
    label_zh = fields.CharField(max_length=64)
    label_en = fields.CharField(max_length=64)
    # Categories only: the parent's code ("" at a root: 咨询, 投诉, ...).
    parent_code = fields.CharField(max_length=64, default="")
    position = fields.IntField(default=0)
    # A code in use is hidden, never deleted: old cases keep their label.
    active = fields.BooleanField(default=True)

    class Meta:
        table = "case_code"
        unique_together = (("tenant_id", "list_name", "code"),)


class CaseWorkflow(Model):
    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    name = fields.CharField(max_length=64)
    # hotline/cases/workflow.py: {"steps": [...], "calendar": optional name}
    definition: Any = fields.JSONField()
    is_default = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "case_workflow"
        unique_together = (("tenant_id", "name"),)


class Case(Model):
    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    # Date and sequence, digits only (a caller keys it on 8600): 202612050007.
    number = fields.CharField(max_length=16, unique=True)
    workflow_id = fields.IntField()
    status = fields.CharField(max_length=16, db_index=True)
    step = fields.IntField(default=0)
    category = fields.CharField(max_length=64)
    category_root = fields.CharField(max_length=64, db_index=True)
    source = fields.CharField(max_length=16, default="phone")
    subject = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    address = fields.CharField(max_length=200, default="")
    location = fields.CharField(max_length=64, default="")
    urgency = fields.CharField(max_length=16, default="normal")
    caller_number = fields.CharField(max_length=32, default="", db_index=True)
    caller_name = fields.CharField(max_length=64, default="")
    caller_email = fields.CharField(max_length=120, default="", db_default="")
    # 保密: the caller asked that the departments handling the case not learn
    # who they are; their number, name and email show masked outside the
    # centre (hotline/cases/privacy.py).
    confidential = fields.BooleanField(default=False, db_default=False)
    # The language the caller is written to in (SMS, email): zh-CN or en.
    language = fields.CharField(max_length=8, default="zh-CN", db_default="zh-CN")
    call_id = fields.CharField(max_length=64, default="")
    # The customer record the caller's number matched at intake
    # (hotline/customers); None: no record had it.
    customer_id = fields.IntField(null=True, db_index=True)
    # What the caller keyed in the IVR (meter number, account), by variable.
    ivr_data: Any = fields.JSONField(default=dict)
    # 首问负责: the user who took the case in follows it to the end.
    owner = fields.CharField(max_length=64)
    first_contact_resolved = fields.BooleanField(default=False)
    # The workflow core's state (hotline/cases/core.py, CaseState).
    awaiting: Any = fields.JSONField(default=list)
    replied: Any = fields.JSONField(default=list)
    last_handlers: Any = fields.JSONField(default=list)
    joint_partners: Any = fields.JSONField(default=list)
    extension_pending = fields.BooleanField(default=False)
    extensions = fields.IntField(default=0)
    chases = fields.IntField(default=0)
    supervised = fields.BooleanField(default=False, db_index=True)
    # 复杂投诉: a progress reply (阶段性答复) is due every day while departments
    # hold it (core.progress_clock); when the next one is due, and whether
    # the holders were told it is late (once per day missed).
    complex = fields.BooleanField(default=False, db_default=False)
    progress_due = fields.DatetimeField(null=True, db_index=True)
    progress_told = fields.BooleanField(default=False, db_default=False)
    # The current step's deadline; the step's start.
    deadline = fields.DatetimeField(null=True, db_index=True)
    step_started_at = fields.DatetimeField()
    # Escalation of an overdue step: 0 none, 1 the holders told, 2 their superior.
    escalation = fields.IntField(default=0)
    result = fields.CharField(max_length=64, default="")
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)
    closed_at = fields.DatetimeField(null=True, db_index=True)
    # Whether the case closed by its deadline and was never extended (METRICS.md).
    closed_on_time = fields.BooleanField(null=True)
    follow_up_on = fields.DateField(null=True)
    follow_up_by = fields.CharField(max_length=64, default="")

    class Meta:
        table = "hotline_case"
        # The case clock's daily pass: today's follow-ups (hotline/cases/escalation.py).
        indexes = (("follow_up_on",),)


class CaseAction(Model):
    """One entry of a case's history: one action, who, when, what it said."""

    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="history", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField(auto_now_add=True)
    username = fields.CharField(max_length=64)
    department = fields.CharField(max_length=32, default="")
    action = fields.CharField(max_length=24)
    targets: Any = fields.JSONField(default=list)
    note = fields.TextField(default="")
    # The status and holders after the action (the path graph reads these).
    status_after = fields.CharField(max_length=16)
    holders_after: Any = fields.JSONField(default=list)
    deadline_after = fields.DatetimeField(null=True)
    # Facts an action carries: a reply's result and amounts, a joint request's
    # legal basis, the deadline given.
    data: Any = fields.JSONField(default=dict)

    class Meta:
        indexes = (("case_id",),)
        table = "case_action"


class CaseAssignment(Model):
    """A department's turn at handling a case: from its dispatch (or a
    transfer, a countersign) until its reply, return or transfer."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="assignments", on_delete=fields.CASCADE
    )
    department = fields.CharField(max_length=32, db_index=True)
    assigned_at = fields.DatetimeField()
    deadline = fields.DatetimeField(null=True, db_index=True)
    # "replied", "returned", "transferred"; "" while it holds the case.
    ended_as = fields.CharField(max_length=16, default="")
    ended_at = fields.DatetimeField(null=True)
    extensions = fields.IntField(default=0)

    class Meta:
        indexes = (("case_id",),)
        table = "case_assignment"


class CaseNotice(Model):
    """A notice to a user (待办 messages): clicking it opens the case."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    username = fields.CharField(max_length=64, db_index=True)
    case_id = fields.IntField(null=True)
    kind = fields.CharField(max_length=24)
    text = fields.CharField(max_length=300)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "case_notice"


class MessageTemplate(Model):
    """What a citizen is sent at an event of their case, per channel and
    language, with ${number}, ${subject}, ${status}, ${result}, ${deadline}."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    # "case_received", "case_replied", "follow_up"
    event = fields.CharField(max_length=24)
    channel = fields.CharField(max_length=8)  # "sms" or "email"
    language = fields.CharField(max_length=8)
    text = fields.TextField()

    class Meta:
        table = "message_template"
        unique_together = (("tenant_id", "event", "channel", "language"),)


class CaseAttachment(Model):
    """A file given with an action on a case (hotline/cases/attachments.py)."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="attachments", on_delete=fields.CASCADE
    )
    action: fields.ForeignKeyRelation[CaseAction] = fields.ForeignKeyField(
        "models.CaseAction", related_name="attachments", on_delete=fields.CASCADE
    )
    filename = fields.CharField(max_length=128)
    content_type = fields.CharField(max_length=100)
    size_bytes = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    path = fields.CharField(max_length=500)
    uploaded_by = fields.CharField(max_length=64)
    uploaded_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        indexes = (
            ("case_id",),
            ("action_id",),
        )
        table = "case_attachment"


class CaseMessage(Model):
    """One SMS or email to a citizen: what, to whom, and how its delivery went
    (queued → sent, or failed after its retries).  The outbox of the caller
    of a case, and of knowledge articles sent to someone (no case then)."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    case: fields.ForeignKeyNullableRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="messages", on_delete=fields.CASCADE, null=True
    )
    # An email's subject; empty: "Hotline <case number>".
    subject = fields.CharField(max_length=200, default="", db_default="")
    event = fields.CharField(max_length=24)
    channel = fields.CharField(max_length=8)
    to = fields.CharField(max_length=120)
    text = fields.TextField()
    status = fields.CharField(max_length=8, default="queued", db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=200, default="")
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    gateway_id = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        indexes = (("case_id",),)
        table = "case_message"


class SimulatedSms(Model):
    """What the sandbox's SMS simulator received (platform: the gateway's)."""

    id = fields.IntField(primary_key=True)
    to = fields.CharField(max_length=32)
    text = fields.TextField()
    reference = fields.CharField(max_length=64, default="")
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "simulated_sms"


class FollowUp(Model):
    """A follow-up visit (回访) of a closed case: assigned by a team lead to a
    follow-up agent, who calls the citizen and records the answer."""

    id = fields.IntField(primary_key=True)
    tenant_id = fields.IntField(db_index=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="follow_ups", on_delete=fields.CASCADE
    )
    assigned_to = fields.CharField(max_length=64, db_index=True)
    assigned_by = fields.CharField(max_length=64)
    assigned_at = fields.DatetimeField(auto_now_add=True)
    # "pending", "reached", "not_reached" (tried again later), "given_up"
    state = fields.CharField(max_length=12, default="pending", db_index=True)
    # "satisfied", "basically_satisfied", "dissatisfied" once reached.
    satisfaction = fields.CharField(max_length=20, default="")
    solved = fields.BooleanField(null=True)
    note = fields.TextField(default="")
    not_reached_reason = fields.CharField(max_length=64, default="")
    attempts = fields.IntField(default=0)
    last_callback_id = fields.IntField(null=True)
    done_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        indexes = (("case_id",),)
        table = "follow_up"
