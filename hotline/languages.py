"""Languages: of prompts (and the names Asterisk uses for them), and the ones
a user may pick for the admin UI (``hotline/accounts``).

Asterisk finds ``sound:hotline/NAME`` for a playback in language L under
``sounds/L/hotline/NAME.*``; for ``zh_CN`` it tries ``zh_CN``, then ``zh``
(the part before "_"), then no language, then the default ``en``
(main/file.c).  So a zh-CN caller hears the zh-CN recording when there is
one and the English one otherwise, with no lookup of ours at playback time.
"""

from __future__ import annotations

import re
from typing import Final

LANGUAGES: Final = ("en", "zh-CN")
DEFAULT_LANGUAGE: Final = "en"
# Asterisk's spelling: "_" separates the dialect (BCP 47 uses "-").
_ASTERISK_NAMES: Final = {"en": "en", "zh-CN": "zh_CN"}
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_]")


def asterisk_language(language: str | None) -> str:
    """The ``lang`` of an ARI playback for a flow's ``language`` variable.

    Any value is made safe (a flow may set ``language`` from caller input);
    an unknown one simply falls back to English inside Asterisk.
    """
    if not language:
        return DEFAULT_LANGUAGE
    known = _ASTERISK_NAMES.get(language)
    if known is not None:
        return known
    cleaned = _UNSAFE.sub("", language.replace("-", "_"))[:16]
    return cleaned or DEFAULT_LANGUAGE
