"""English and Simplified Chinese for the whole UI, switchable per user.

Catalogues are flat JSON files: ``admin_ui/i18n/<lang>.json`` for shared
keys and ``admin_ui/i18n/<feature>.<lang>.json`` per feature, merged at
load.  Every key must exist in every language (a unit test checks it), and a
missing key shows as the key itself rather than failing the page.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Final

from hotline.languages import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from hotline.languages import LANGUAGES as LANGUAGE_CODES

# The kernel's languages (a user's language is checked against them in
# hotline/accounts), each with the name the language switch shows.
_NAMES: Final = {"en": "English", "zh-CN": "简体中文"}
LANGUAGES: Final = {code: _NAMES[code] for code in LANGUAGE_CODES}
CATALOGUE_DIR: Final = Path(__file__).resolve().parent.parent / "i18n"


def catalogue_files(language: str) -> list[Path]:
    return [CATALOGUE_DIR / f"{language}.json", *sorted(CATALOGUE_DIR.glob(f"*.{language}.json"))]


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in catalogue_files(language):
        data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        merged.update(data)
    return merged


def translate(language: str, key: str, **values: object) -> str:
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    text = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**values) if values else text
