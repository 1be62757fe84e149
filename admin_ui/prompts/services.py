"""The prompt catalogue: upload (new name or new version), where used, delete."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from hotline import prompts
from hotline.errors import Conflict, NotFound
from hotline.models import Flow, FlowVersion
from hotline.models_prompts import Prompt
from hotline.prompts import PromptFiles, PromptRejected

# One upload or delete at a time: version numbers and file renames of the
# same name must not interleave.
_changes = asyncio.Lock()


@dataclass(frozen=True)
class Usage:
    flow_id: int
    flow_name: str
    where: str  # "draft" or "published"
    version: int | None  # the published version number
    live: bool  # the version new calls run


@dataclass(frozen=True)
class UploadResult:
    prompt: Prompt
    previous: dict[str, Any] | None  # the snapshot of the version it replaced
    archived_as: str | None  # the file name the previous audio was kept under


class PromptInUse(Conflict):
    error_id = "prompt-in-use"


def _files() -> PromptFiles:
    return PromptFiles(prompts.current_prompt_dir())


def snapshot(prompt: Prompt) -> dict[str, Any]:
    """What the audit log keeps of a prompt."""
    return {
        "name": prompt.name,
        "category": prompt.category,
        "language": prompt.language,
        "version": prompt.version,
        "duration_s": round(prompt.duration_s, 3),
        "size_bytes": prompt.size_bytes,
        "sha256": prompt.sha256,
        "uploaded_by": prompt.uploaded_by,
    }


def referenced_prompts(document: Any) -> set[str]:
    """Every NAME of a ``prompt:NAME`` string anywhere inside a flow document."""
    found: set[str] = set()
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.startswith("prompt:"):
                found.add(item[len("prompt:") :])
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


async def usages() -> dict[str, list[Usage]]:
    """Prompt name -> the flow drafts and published versions that play it."""
    result: dict[str, list[Usage]] = {}
    flows = {flow.id: flow for flow in await Flow.all().order_by("name")}
    for flow in flows.values():
        for name in referenced_prompts(flow.draft):
            result.setdefault(name, []).append(Usage(flow.id, flow.name, "draft", None, False))
    for version in await FlowVersion.all().order_by("flow_id", "version"):
        flow = flows[version.flow_id]  # type: ignore[attr-defined]
        live = flow.published_version_id == version.id
        for name in referenced_prompts(version.definition):
            result.setdefault(name, []).append(
                Usage(flow.id, flow.name, "published", version.version, live)
            )
    return result


async def list_prompts() -> list[dict[str, Any]]:
    used = await usages()
    return [
        {"prompt": prompt, "used_by": used.get(prompt.name, [])} for prompt in await Prompt.all()
    ]


def check_choice(field: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise PromptRejected(f"bad_{field}", f"{field} must be one of {choices}", field)
    return value


async def upload(
    name: str, category: str, language: str, data: bytes, uploaded_by: str
) -> UploadResult:
    """Store a new prompt, or a new version of an existing one (the old audio is kept)."""
    prompts.check_name(name)
    check_choice("category", category, prompts.CATEGORIES)
    check_choice("language", language, prompts.LANGUAGES)
    info = prompts.inspect_wav(data)
    files = _files()
    async with _changes:
        existing = await Prompt.get_or_none(name=name)
        replaced = existing.version if existing else None
        previous = snapshot(existing) if existing else None
        archive = await prompts.write_file(files, name, data, replaced)
        fields: dict[str, Any] = {
            "category": category,
            "language": language,
            "duration_s": info.duration_s,
            "size_bytes": len(data),
            "sha256": prompts.sha256_of(data),
            "uploaded_by": uploaded_by,
        }
        try:
            if existing is None:
                prompt = await Prompt.create(name=name, version=1, **fields)
            else:
                existing.update_from_dict({**fields, "version": existing.version + 1})
                await existing.save()
                prompt = existing
        except Exception:
            files.undo_write(name, archive)
            raise
    return UploadResult(prompt, previous, archive.name if archive else None)


async def get_prompt(name: str) -> Prompt:
    prompt = await Prompt.get_or_none(name=name) if prompts.NAME_PATTERN.fullmatch(name) else None
    if prompt is None:
        raise NotFound(f"no prompt {name!r}", {"name": name})
    return prompt


async def audio(name: str) -> bytes:
    await get_prompt(name)
    data = await asyncio.to_thread(_files().read, name)
    if data is None:
        raise NotFound(f"the audio file of prompt {name!r} is missing", {"name": name})
    return data


async def delete(name: str) -> tuple[dict[str, Any], list[str]]:
    """Delete a prompt no live flow version plays; returns its snapshot and removed files."""
    async with _changes:
        prompt = await get_prompt(name)
        live_flows = sorted(
            {usage.flow_name for usage in (await usages()).get(name, []) if usage.live}
        )
        if live_flows:
            raise PromptInUse(
                f"prompt {name!r} is played by the published flow(s): " + ", ".join(live_flows),
                {"name": name, "flows": live_flows},
            )
        before = snapshot(prompt)
        await prompt.delete()
        removed = await asyncio.to_thread(_files().remove, name)
    return before, removed
