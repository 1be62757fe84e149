"""Voice prompts as the rest of Hotline sees them (the pipeline lives in voice_prompts/).

Flows play ``prompt:NAME``; the adapter plays it as ``sound:hotline/NAME`` in
the caller's language.  Flow validation asks ``known_prompt_names()``.
"""

from __future__ import annotations

from voice_prompts.convert import MAX_DURATION_S, MAX_UPLOAD_BYTES, PromptRejected
from voice_prompts.languages import LANGUAGES
from voice_prompts.services import CATEGORIES, NAME_PATTERN, check_name, known_prompt_names

__all__ = [
    "CATEGORIES",
    "LANGUAGES",
    "MAX_DURATION_S",
    "MAX_UPLOAD_BYTES",
    "NAME_PATTERN",
    "PromptRejected",
    "check_name",
    "known_prompt_names",
]
