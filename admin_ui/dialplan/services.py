"""Drafts, checks, diffs and applies of the custom dialplan and SIP trunks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.asterisk_config import TEMPLATE_DIR, render_template, template_values
from hotline.dialplan_apply import KINDS, ApplyResult, DialplanApplier
from hotline.dialplan_check import CheckResult, mask_secrets, unified_diff
from hotline.errors import InvalidRequest, NotFound
from hotline.models_dialplan import DialplanDraft, DialplanVersion
from hotline.settings import Settings, load_settings

# The secrets Hotline puts into its own rendered config.
_SECRET_VALUES = ("ARI_PASSWORD", "AMI_SECRET")


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


@dataclass(frozen=True)
class RenderedFile:
    name: str
    text: str


def kind_or_404(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"no such config document: {kind}", {"kind": kind})
    return kind


def settings_of(state: Any) -> Settings:
    settings = getattr(state, "settings", None)
    return settings if isinstance(settings, Settings) else load_settings()


def applier_of(state: Any) -> DialplanApplier:
    """The app's applier; built from the settings on first use."""
    applier = getattr(state, "dialplan_applier", None)
    if not isinstance(applier, DialplanApplier):
        applier = DialplanApplier.from_settings(settings_of(state))
        state.dialplan_applier = applier
    return applier


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


def version_id(value: str) -> int:
    if not value.isdigit():
        raise NotFound(f"no version {value}", {"version_id": value})
    return int(value)


def require_text(form: Any) -> str:
    text = form.get("text")
    if not isinstance(text, str):
        raise InvalidRequest("the text field is required", {"field": "text"})
    # Browsers send CRLF from a textarea; Asterisk files use LF.
    return text.replace("\r\n", "\n")


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


def rendered_config(settings: Settings) -> list[RenderedFile]:
    """What Hotline renders for Asterisk (render_all's output), secrets masked."""
    values = template_values(settings)
    secrets = [values[key] for key in _SECRET_VALUES if values.get(key)]
    files: list[RenderedFile] = []
    for template in sorted(TEMPLATE_DIR.glob("*.conf")):
        try:
            text = render_template(template.read_text(encoding="utf-8"), values, template.name)
        except KeyError as exc:
            text = f"; {exc}"
        for secret in secrets:
            text = text.replace(secret, "********")
        files.append(RenderedFile(template.name, mask_secrets(text)))
    return files
