"""What a shifts change hands back for the audit log: the object, before and after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    """What the handler audits: the object and its state before and after."""

    object_id: str
    before: Any
    after: Any
