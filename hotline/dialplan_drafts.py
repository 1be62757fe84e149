"""The custom dialplan and SIP trunk documents as edited: drafts, reviews, applies, versions.

A draft is saved whatever the check says (nothing typed is lost); applying
goes through ``DialplanApplier`` (check, write, reload, verify, roll back) and
records every attempt as a ``DialplanVersion``, applied or not.  A review
remembers the applied version it was made against, so an apply from a stale
review is refused rather than overwriting someone else's change.  Texts that
reach the audit log are masked (``audit_text``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.dialplan_apply import KINDS, ApplyResult, DialplanApplier
from hotline.dialplan_check import CheckResult, mask_secrets, unified_diff
from hotline.errors import NotFound
from hotline.models_dialplan import DialplanDraft, DialplanVersion


@dataclass(frozen=True)
class Review:
    """What the user sees before applying: findings and the diff."""

    kind: str
    text: str
    check: CheckResult
    diff: str
    # The applied version the diff was made against; an apply from this
    # review is refused if someone else applied in between.
    base_version: int | None


async def applied_text(kind: str) -> str:
    version = await DialplanVersion.filter(kind=kind, result="applied").first()
    return version.text if version else ""


async def applied_version_id(kind: str) -> int | None:
    version = await DialplanVersion.filter(kind=kind, result="applied").first()
    return version.id if version else None


async def is_stale(kind: str, base_version: Any) -> bool:
    """Whether the form was reviewed against another applied version than now."""
    if not isinstance(base_version, str):
        return False  # no review to compare with (an API-style post)
    current = await applied_version_id(kind)
    return base_version != ("" if current is None else str(current))


async def draft_text(kind: str) -> str:
    """The draft if someone saved one, otherwise what is applied."""
    draft = await DialplanDraft.get_or_none(kind=kind)
    return draft.text if draft else await applied_text(kind)


async def versions(kind: str, limit: int = 20) -> list[DialplanVersion]:
    return await DialplanVersion.filter(kind=kind).limit(limit)


async def version(kind: str, version_id: int) -> DialplanVersion:
    found = await DialplanVersion.get_or_none(kind=kind, id=version_id)
    if found is None:
        raise NotFound(f"no version {version_id} of {kind}", {"version_id": version_id})
    return found


async def review(kind: str, text: str, stasis_app: str) -> Review:
    check = KINDS[kind].check(text, stasis_app)
    diff = unified_diff(await applied_text(kind), text, label=KINDS[kind].filename)
    return Review(kind, text, check, diff, await applied_version_id(kind))


async def save_draft(kind: str, text: str, username: str) -> str:
    """Save the draft whatever the check says (nothing typed is lost); the text before."""
    draft, _ = await DialplanDraft.get_or_create(kind=kind, defaults={"text": ""})
    before = draft.text
    draft.text, draft.updated_by = text, username
    await draft.save()
    return before


async def apply(
    applier: DialplanApplier, kind: str, text: str, username: str
) -> tuple[str, ApplyResult, DialplanVersion]:
    before = await applied_text(kind)
    result = await applier.apply(kind, text)
    row = await DialplanVersion.create(
        kind=kind, text=text, applied_by=username, result=result.status, error=result.error
    )
    # What was typed stays in the editor, applied or not.
    draft, _ = await DialplanDraft.get_or_create(kind=kind, defaults={"text": text})
    draft.text, draft.updated_by = text, username
    await draft.save()
    return before, result, row


def audit_text(text: str) -> str:
    return mask_secrets(text)
