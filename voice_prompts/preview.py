"""A prompt's audio as the prompt pages play it: found by name in the user's tenant.

The catalogue (``voice_prompts.services``) finds a prompt and reads a
version's audio; the page only knows the name in its URL, so this joins the
two.  Another tenant's prompt is "not found" like a missing one.
"""

from __future__ import annotations

from voice_prompts import services


async def audio(name: str, language: str | None, version: int | None, *, tenant_id: int) -> bytes:
    """The 8 kHz WAV the page plays (NotFound for an unknown name, language or version)."""
    prompt = await services.get_prompt(name, tenant_id=tenant_id)
    return await services.audio(prompt, language, version)
