"""English and Simplified Chinese for the whole UI, switchable per user.

Catalogues are flat JSON files (``admin_ui/i18n/<lang>.json``); every key
must exist in every language (a unit test checks it), and a missing key
shows as the key itself rather than failing the page.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Final

LANGUAGES: Final = {"en": "English", "zh-CN": "简体中文"}
DEFAULT_LANGUAGE: Final = "en"
CATALOGUE_DIR: Final = Path(__file__).resolve().parent.parent / "i18n"


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> dict[str, str]:
    path = CATALOGUE_DIR / f"{language}.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def translate(language: str, key: str, **values: object) -> str:
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    text = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**values) if values else text
