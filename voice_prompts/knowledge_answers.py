"""Spoken answers of the knowledge base (hotline/knowledge/speech.py): each
published article's short answer drafted with text-to-speech as the prompt
``kb-<article id>``, in the article's language, for a flow's ``faq`` node.

Runs beside the call handling; woken when an article is published, and
sweeping every minute for what a restart or a failure left undone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from hotline.errors import HotlineError
from hotline.knowledge import speech
from voice_prompts import services, tts

log = logging.getLogger(__name__)

SWEEP_S: Final = 60.0


async def draft_due() -> int:
    """Draft every spoken answer that is due; how many were drafted."""
    drafted = 0
    for article in await speech.due():
        version = article.published_version
        if version is None:
            continue
        try:
            text = tts.check_text(speech.spoken_text(article))
            audio = await asyncio.to_thread(tts.synthesise, text, article.language)
            # Also the prompt's English file: a caller whose flow speaks
            # another language falls back to English (ari_apps/ivr/runner.py
            # media_uri), and should still hear the answer there is.
            for language in dict.fromkeys((article.language, "en")):
                await services.store(
                    speech.prompt_name(article.id),
                    "announcement",
                    language,
                    audio,
                    source="tts",
                    uploaded_by="knowledge",
                    tenant_id=article.tenant_id,
                    tts_text=text,
                )
        except (HotlineError, OSError, RuntimeError, ValueError) as error:
            log.warning("spoken answer of article %s not drafted: %s", article.id, error)
            continue
        await speech.mark_spoken(article.id, version)
        drafted += 1
    return drafted


class AnswerVoicer:
    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="knowledge-answers")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await draft_due()
            except Exception:  # the sweep goes on; the next one retries
                log.exception("knowledge answers: sweep failed")
            await speech.woken(SWEEP_S)
