"""The knowledge base on the telephone (demo DID 8601, "Self-service
answers") on real calls: the caller presses 1 and hears the demo article's
short answer, spoken from its kb-<id> prompt; the call's timeline keeps
``knowledge_answer`` with the article and the version said.  (What is not
said, a draft, a retired or unspoken article, is tests/unit/test_faq_node.py's.)"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.audio import audible_seconds
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.phones import wait_for_prompts, wait_until

pytestmark = pytest.mark.asterisk

ANSWERS_DID = "8601"


async def _timeline(api: Api, caller: SimCaller) -> list[dict[str, Any]]:
    detail: dict[str, Any] = await api.get(f"/calls/{caller.channel_id};2")
    timeline: list[dict[str, Any]] = detail["timeline"]
    return timeline


async def _answers(api: Api, caller: SimCaller) -> list[dict[str, Any]]:
    return [e["data"] for e in await _timeline(api, caller) if e["kind"] == "knowledge_answer"]


async def _entered(api: Api, caller: SimCaller, node: str) -> bool:
    return any(
        e["kind"] == "node" and e["data"].get("node") == node for e in await _timeline(api, caller)
    )


async def _demo_article(api: Api) -> dict[str, Any]:
    found = await api.get("/knowledge?q=" + quote("水费"))
    (hit,) = [h for h in found["hits"] if h["title"] == "自来水水费缴纳方式"]
    article: dict[str, Any] = await api.get(f"/knowledge/{hit['id']}")
    return article


async def test_given_the_demo_answers_line_when_1_is_pressed_then_the_answer_is_spoken(
    hotline_env: dict[str, str], api: Api, harness: AriHarness
) -> None:
    article = await _demo_article(api)

    async def spoken() -> bool:
        return bool((await api.get(f"/knowledge/{article['id']}"))["spoken"])

    # Drafted by the running Hotline after its start (text-to-speech).
    await wait_until(spoken, 30, "the demo answer to be spoken")

    await wait_for_prompts(api, ("faq-menu", "faq-more"))
    caller = await harness.call(ANSWERS_DID, caller_id="5550171")
    assert audible_seconds(await caller.listen(2.5)) >= 1.0  # the menu
    await caller.press("1")

    async def answered() -> bool:
        return bool(await _answers(api, caller))

    await wait_until(answered, 15, "the answer to be looked up")
    assert await _answers(api, caller) == [
        {"article": str(article["id"]), "version": 1, "outcome": "ready"}
    ]
    # The short answer itself: several seconds of speech.
    assert audible_seconds(await caller.listen(4.0)) >= 2.0
    await wait_until(lambda: _entered(api, caller, "more"), 20, "the answer to end")
    await caller.hangup()
