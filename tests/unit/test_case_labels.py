"""Every name a case page builds a label key from has its label in both
languages: the actions (those users take and those the case clock writes in
the history), the messages' events, the workbench's lists and the notices.
A missing one would show its raw key on the page."""

from __future__ import annotations

import pytest

from admin_ui.web.i18n import LANGUAGES, catalogue
from hotline.cases import core, messages

# What the case clock writes in a case's history (escalation.py).
CLOCK_ACTIONS = ("overdue", "escalated", "progress_due")
WORKBENCH_LISTS = ("waiting", "chased", "supervised", "due_soon", "overdue", "progress_late")


def _keys() -> list[str]:
    return [
        *(f"cases.action.{action}" for action in (*core.ACTIONS, *CLOCK_ACTIONS)),
        *(f"cases.event.{event}" for event in messages.EVENTS),
        *(f"cases.list.{name}" for name in WORKBENCH_LISTS),
        *(f"cases.status.{status}" for status in core.STATUSES),
    ]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_case_label_key_has_its_text(language: str) -> None:
    texts = catalogue(language)
    assert [key for key in _keys() if not texts.get(key)] == []
