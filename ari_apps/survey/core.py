"""What counts as an answer to the survey."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

RATING_VARIABLE: Final = "rating"
SCALE: Final = range(1, 6)


def rating_of(variables: Mapping[str, str]) -> int | None:
    """The caller's 1–5, or None ("not rated") for anything else."""
    raw = variables.get(RATING_VARIABLE, "").strip()
    if len(raw) == 1 and raw.isdigit() and int(raw) in SCALE:
        return int(raw)
    return None
