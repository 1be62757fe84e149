"""The prompt pages' services: the catalogue of voice_prompts, seen from the UI.

Like the catalogue, every function takes the signed-in user's ``tenant_id``.
"""

from __future__ import annotations

from voice_prompts.services import (
    PromptInUse,
    StoreResult,
    Usage,
    delete,
    get_prompt,
    list_prompts,
    restore,
    snapshot,
    tts_draft,
    upload,
)
from voice_prompts.services import audio as version_audio

__all__ = [
    "PromptInUse",
    "StoreResult",
    "Usage",
    "audio",
    "delete",
    "list_prompts",
    "restore",
    "snapshot",
    "tts_draft",
    "upload",
]


async def audio(name: str, language: str | None, version: int | None, *, tenant_id: int) -> bytes:
    """The 8 kHz WAV the page plays (NotFound for an unknown name, language or version)."""
    return await version_audio(await get_prompt(name, tenant_id=tenant_id), language, version)
