"""The knowledge base's search index: the words of an article and how a
query's words rank articles.

Chinese has no spaces, so words come from jieba's segmentation in search
mode, which also yields the shorter words inside a long one (水费 inside
水费缴纳, 人民 inside 中华人民共和国).  English words are lower-cased.  A word
weighs more in the title than in the keywords, the short answer or the body.

Why our own index table rather than SQLite FTS5: FTS5's tokenizers do not
segment Chinese (its trigram tokenizer cannot match a two-character word),
and PostgreSQL would need a second implementation; one table of words
serves both.  ``make bench`` (tests/bench/bench_knowledge.py) measures a
search over 10,000 articles against the 200 ms target.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import jieba

MAX_TERM: Final = 32
TITLE_WEIGHT: Final = 3.0
KEYWORD_WEIGHT: Final = 2.0
SHORT_ANSWER_WEIGHT: Final = 1.5
BODY_WEIGHT: Final = 1.0

_CJK: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD: Final = re.compile(r"[0-9a-z][0-9a-z'_-]*")
# Words too common to tell articles apart.
STOP_WORDS: Final = frozenset(
    {
        "的", "了", "和", "是", "在", "有", "我", "你", "他", "她", "它", "们", "吗", "呢", "吧",
        "啊", "与", "及", "或", "也", "就", "都", "而", "这", "那", "请", "怎么", "如何", "什么",
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "for", "how", "i", "in",
        "is", "it", "my", "of", "on", "or", "the", "to", "what", "when", "where", "with", "you",
    }
)  # fmt: skip

_ready = threading.Lock()
_initialised = False


def _segmenter() -> None:
    """Load jieba's dictionary once (about a second; started early by the app)."""
    global _initialised
    if _initialised:
        return
    with _ready:
        if not _initialised:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _initialised = True


def warm_up() -> None:
    _segmenter()


def words(text: str) -> list[str]:
    """The searchable words of ``text``, in order, repeats kept."""
    _segmenter()
    found: list[str] = []
    for token in jieba.cut_for_search(text.lower()):
        token = token.strip()
        if not token or token in STOP_WORDS:
            continue
        if _CJK.search(token):
            # A single character matches too much to index; a search for one
            # falls back to reading the text (services.search).
            if len(token) >= 2:
                found.append(token[:MAX_TERM])
        elif _WORD.fullmatch(token) and len(token) >= 2:
            found.append(token[:MAX_TERM])
    return found


def query_words(text: str) -> list[str]:
    """A query's words, each once, in order; a lone Chinese character is kept
    (it is looked for in the text)."""
    seen: dict[str, None] = {}
    for token in words(text):
        seen.setdefault(token, None)
    if not seen:
        for char in _CJK.findall(text):
            if char not in STOP_WORDS:
                seen.setdefault(char, None)
    return list(seen)


def terms_of(title: str, keywords: str, short_answer: str, body: str) -> dict[str, float]:
    """Each word's weight in one article: its weighted count, dampened so a
    word said fifty times does not drown one in the title."""
    counts: dict[str, float] = defaultdict(float)
    for text, weight in (
        (title, TITLE_WEIGHT),
        (keywords, KEYWORD_WEIGHT),
        (short_answer, SHORT_ANSWER_WEIGHT),
        (body, BODY_WEIGHT),
    ):
        for word in words(text):
            counts[word] += weight
    return {word: round(1.0 + math.log(count), 4) for word, count in counts.items()}


def rarity(articles: int, holding: int) -> float:
    """The weight of a word held by ``holding`` of ``articles`` (idf): rare words count more."""
    return math.log(1.0 + max(articles, holding) / holding)


@dataclass(frozen=True, slots=True)
class Posting:
    article_id: int
    term: str
    weight: float


def rank(
    query: Iterable[str], postings: Iterable[Posting], articles: int
) -> list[tuple[int, int, float]]:
    """Articles by how many of the query's words they hold, then by weight ×
    rarity (idf): ``(article_id, words matched, score)``, best first."""
    wanted = set(query)
    by_term: dict[str, list[Posting]] = defaultdict(list)
    for posting in postings:
        if posting.term in wanted:
            by_term[posting.term].append(posting)
    matched: dict[int, int] = defaultdict(int)
    score: dict[int, float] = defaultdict(float)
    for hits in by_term.values():
        weight = rarity(articles, len(hits))
        for hit in hits:
            matched[hit.article_id] += 1
            score[hit.article_id] += hit.weight * weight
    ordered = sorted(score, key=lambda a: (-matched[a], -score[a], a))
    return [(a, matched[a], round(score[a], 4)) for a in ordered]


def snippet(body: str, query: Iterable[str], width: int = 60) -> str:
    """The part of ``body`` around the first query word found in it."""
    flat = " ".join(body.split())
    lowered = flat.lower()
    positions = [p for p in (lowered.find(w) for w in query) if p >= 0]
    if not positions:
        return flat[:width] + ("…" if len(flat) > width else "")
    start = max(0, min(positions) - width // 3)
    text = flat[start : start + width]
    return ("…" if start else "") + text + ("…" if start + width < len(flat) else "")


def postings_of(rows: Iterable[Mapping[str, object]]) -> list[Posting]:
    return [
        Posting(int(str(r["article_id"])), str(r["term"]), float(str(r["weight"]))) for r in rows
    ]
