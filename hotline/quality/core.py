"""Quality inspection's rules (pure): score sheets, scoring, sampling, and
a review's life as a table.

A score sheet (评分表) is a list of items, each worth some points; an item
may be critical (a forbidden phrase, a wrong promise of 赔偿): failing it
makes the whole review score 0.  A review's score is the points given over
the points possible, as a percentage.

A review is sampled (pending), scored by an inspector, then seen by the
agent, who accepts it or appeals once with a reason; the inspector then
upholds the score or scores again.  Either way the review is final.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from hotline.refusal import Refused as Refused  # the rules raise it; callers catch it here

PENDING: Final = "pending"
SCORED: Final = "scored"
APPEALED: Final = "appealed"
FINAL: Final = "final"
STATES: Final = (PENDING, SCORED, APPEALED, FINAL)

SCORE: Final = "score"
ACCEPT: Final = "accept"
APPEAL: Final = "appeal"
UPHOLD: Final = "uphold"
RESCORE: Final = "rescore"

# (state, action) → (the state it leads to, who may: "inspector" or "agent").
LIFE: Final[dict[tuple[str, str], tuple[str, str]]] = {
    (PENDING, SCORE): (SCORED, "inspector"),
    (SCORED, SCORE): (SCORED, "inspector"),
    (SCORED, ACCEPT): (FINAL, "agent"),
    (SCORED, APPEAL): (APPEALED, "agent"),
    (APPEALED, UPHOLD): (FINAL, "inspector"),
    (APPEALED, RESCORE): (FINAL, "inspector"),
}

MAX_ITEMS: Final = 30
MAX_POINTS: Final = 100
MAX_TAGS: Final = 10


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    label: str
    points: int
    critical: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "points": self.points,
            "critical": self.critical,
        }


def parse_items(raw: object) -> list[Item]:
    """A score sheet's items, or Refused naming the item and field."""
    if not isinstance(raw, list) or not raw:
        raise Refused("items", "a list of at least one item")
    if len(raw) > MAX_ITEMS:
        raise Refused("items", f"at most {MAX_ITEMS} items")
    items: list[Item] = []
    for number, entry in enumerate(raw, start=1):
        where = f"items[{number}]"
        if not isinstance(entry, Mapping):
            raise Refused(where, "an object with code, label and points")
        code = entry.get("code")
        if not isinstance(code, str) or not code.strip() or len(code) > 32:
            raise Refused(f"{where}.code", "1 to 32 characters")
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip() or len(label) > 100:
            raise Refused(f"{where}.label", "1 to 100 characters")
        points = entry.get("points")
        if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= MAX_POINTS:
            raise Refused(f"{where}.points", f"a whole number from 1 to {MAX_POINTS}")
        critical = entry.get("critical", False)
        if not isinstance(critical, bool):
            raise Refused(f"{where}.critical", "true or false")
        if any(item.code == code.strip() for item in items):
            raise Refused(f"{where}.code", f"{code!r} is already an item")
        items.append(Item(code.strip(), label.strip(), points, critical))
    return items


def score(items: Sequence[Item], given: Mapping[str, object]) -> tuple[dict[str, int], float]:
    """The points per item (every item scored, within its points) and the
    review's score in percent; a failed critical item makes it 0."""
    points: dict[str, int] = {}
    for item in items:
        raw = given.get(item.code)
        try:
            value = int(str(raw))
        except ValueError:
            raise Refused(f"score.{item.code}", f"0 to {item.points} points") from None
        if not 0 <= value <= item.points:
            raise Refused(f"score.{item.code}", f"0 to {item.points} points")
        points[item.code] = value
    if any(item.critical and points[item.code] == 0 for item in items):
        return points, 0.0
    possible = sum(item.points for item in items)
    return points, round(100.0 * sum(points.values()) / possible, 1)


def tags(raw: str) -> list[str]:
    """Common-problem tags (共性问题): comma- or 、-separated, each once."""
    found: dict[str, None] = {}
    for part in raw.replace("、", ",").replace("，", ",").split(","):
        tag = part.strip()[:40]
        if tag:
            found.setdefault(tag, None)
    if len(found) > MAX_TAGS:
        raise Refused("tags", f"at most {MAX_TAGS} tags")
    return list(found)


def step(state: str, action: str, role: str) -> str:
    """The state ``action`` by ``role`` leads to, or Refused."""
    rule = LIFE.get((state, action))
    if rule is None:
        raise Refused("action", f"{action} is not possible on a review that is {state}")
    following, who = rule
    if who != role:
        raise Refused("action", f"{action} is the {who}'s to do")
    return following


def sample(
    candidates: Sequence[str], already: set[str], size: int, rng: random.Random
) -> list[str]:
    """Up to ``size`` of ``candidates`` not reviewed yet, drawn at random."""
    if not 1 <= size <= 50:
        raise Refused("size", "1 to 50 calls")
    fresh = [c for c in dict.fromkeys(candidates) if c not in already]
    return rng.sample(fresh, min(size, len(fresh)))
