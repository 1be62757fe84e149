"""The adapter's command executor: each channel operation is one ARI request,
and the three ways of running it treat a vanished channel as documented."""

from __future__ import annotations

import pytest

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriError, AriNotFound
from ari_apps.ari.fake_server import FakeAriServer
from ari_apps.executor import (
    AddToBridge,
    Answer,
    ChannelOp,
    ChannelOpsExecutor,
    ContinueInDialplan,
    CreateBridge,
    DestroyBridge,
    HangUp,
    Originate,
    PlayMedia,
    RemoveFromBridge,
    SafeFallback,
    SetVariable,
    StartMusicOnHold,
    StopMedia,
    StopMusicOnHold,
)

OPS_AND_REQUESTS: list[tuple[ChannelOp, str, str]] = [
    (Answer("c1"), "POST", "/channels/c1/answer"),
    (PlayMedia("c1", ("sound:beep",), "pb-1", lang="zh"), "POST", "/channels/c1/play"),
    (StopMedia("pb-1"), "DELETE", "/playbacks/pb-1"),
    (SetVariable("c1", "CHANNEL(accountcode)", "x"), "POST", "/channels/c1/variable"),
    (ContinueInDialplan("c1", "to-pstn", "5550100"), "POST", "/channels/c1/continue"),
    (HangUp("c1"), "DELETE", "/channels/c1"),
    (Originate("PJSIP/1001", "leg-1", "hotline", ("agent", "c1")), "POST", "/channels"),
    (CreateBridge("b1", name="queue sales"), "POST", "/bridges"),
    (AddToBridge("b1", "c1"), "POST", "/bridges/b1/addChannel"),
    (RemoveFromBridge("b1", "c1"), "POST", "/bridges/b1/removeChannel"),
    (DestroyBridge("b1"), "DELETE", "/bridges/b1"),
    (StartMusicOnHold("b1", "default"), "POST", "/bridges/b1/moh"),
    (StopMusicOnHold("b1"), "DELETE", "/bridges/b1/moh"),
    (SafeFallback("c1"), "POST", "/channels/c1/continue"),
]


@pytest.mark.parametrize(("op", "method", "path"), OPS_AND_REQUESTS)
async def test_given_an_operation_when_run_then_it_is_the_one_matching_ari_request(
    ari: FakeAriServer, client: AriClient, op: ChannelOp, method: str, path: str
) -> None:
    await ChannelOpsExecutor(client).run(op)
    assert [(r.method, r.path) for r in ari.requests] == [(method, path)]


async def test_given_a_play_then_media_language_and_id_reach_asterisk(
    ari: FakeAriServer, client: AriClient
) -> None:
    await ChannelOpsExecutor(client).run(
        PlayMedia("c1", ("sound:queue-thereare", "number:3"), "pb-7", lang="zh")
    )
    query = ari.requests[0].query
    assert (query["lang"], query["playbackId"]) == ("zh", "pb-7")
    assert query["media"] == "sound:queue-thereare,number:3"


async def test_given_an_originate_then_the_chosen_id_and_stasis_args_reach_asterisk(
    ari: FakeAriServer, client: AriClient
) -> None:
    await ChannelOpsExecutor(client).run(
        Originate("PJSIP/1001", "hl-agent-1001-1", "hotline", ("agent", "c1", "1001"), timeout_s=15)
    )
    query = ari.requests[0].query
    assert query["channelId"] == "hl-agent-1001-1"
    assert query["appArgs"] == "agent,c1,1001"
    assert query["timeout"] == "15"


async def test_given_a_vanished_channel_then_run_raises_and_run_unless_gone_does_not(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("DELETE", "/channels/gone", status=404, body={"message": "Channel not found"})
    ops = ChannelOpsExecutor(client)
    with pytest.raises(AriNotFound):
        await ops.run(HangUp("gone"))
    await ops.run_unless_gone(HangUp("gone"))
    await ops.run_best_effort(HangUp("gone"))


async def test_given_a_channel_on_its_way_out_then_run_unless_gone_lets_it_go(
    ari: FakeAriServer, client: AriClient
) -> None:
    """Between its application's end and its destruction Asterisk answers 409."""
    left = {"message": "Channel not in Stasis application"}
    ari.respond("POST", "/channels/leaving/play", status=409, body=left)
    ops = ChannelOpsExecutor(client)
    with pytest.raises(AriError):
        await ops.run(PlayMedia("leaving", ("sound:beep",), "pb-1"))
    await ops.run_unless_gone(PlayMedia("leaving", ("sound:beep",), "pb-1"))


async def test_given_a_refusal_then_only_best_effort_ignores_it(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("DELETE", "/bridges/b1/moh", status=409, body={"message": "not playing"})
    ops = ChannelOpsExecutor(client)
    with pytest.raises(AriError):
        await ops.run_unless_gone(StopMusicOnHold("b1"))
    await ops.run_best_effort(StopMusicOnHold("b1"))


async def test_given_the_safe_context_fails_then_the_call_is_hung_up_never_left_silent(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("POST", "/channels/c1/continue", status=500, body={"message": "boom"})
    await ChannelOpsExecutor(client).run(SafeFallback("c1"))
    assert [(r.method, r.path) for r in ari.requests] == [
        ("POST", "/channels/c1/continue"),
        ("DELETE", "/channels/c1"),
    ]
    assert ari.requests[0].query["context"] == "hotline-safe"


async def test_given_a_caller_already_gone_then_the_safe_fallback_does_nothing_more(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("POST", "/channels/c1/continue", status=404, body={"message": "gone"})
    await ChannelOpsExecutor(client).run(SafeFallback("c1"))
    assert len(ari.requests) == 1


async def test_given_digits_in_a_prompt_then_each_key_is_a_sound_a_stop_can_cut_off(
    ari: FakeAriServer, client: AriClient
) -> None:
    await ChannelOpsExecutor(client).run(
        PlayMedia("c1", ("sound:vm-press", "digits:1*#", "number:25", "digits:12a"), "pb-9")
    )
    assert ari.requests[0].query["media"] == ",".join(
        [
            "sound:vm-press",
            "sound:digits/1",
            "sound:digits/star",
            "sound:digits/pound",
            "number:25",
            "digits:12a",
        ]
    )
