"""What a use case of this package tells the audit log about one change.

The use cases do not write the log themselves: the web adds who acted, from
where and through what (``admin_ui/web/audit.py``, ``record_change``).
Snapshots never hold a password, its hash or a clear API token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    """What the audit log records about one change."""

    action: str
    object_type: str
    object_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
