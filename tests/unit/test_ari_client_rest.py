"""AriClient REST helpers against a local fake ARI: call shapes and error mapping."""

from __future__ import annotations

import asyncio
import logging
import socket
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ari_apps.ari import AriClient, AriConflict, AriError, AriNotFound, AriUnavailable
from ari_apps.ari.errors import failure_log_level, log_call_failure
from ari_apps.ari.fake_server import FakeAriServer, RecordedRequest
from ari_apps.ari.rest_base import Query, _encode_query, query_string, segment


def only_request(ari: FakeAriServer) -> RecordedRequest:
    assert len(ari.requests) == 1, ari.requests
    return ari.requests[0]


async def test_given_client_chosen_ids_when_originating_then_query_and_variables_body_match_ari(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("POST", "/channels", 200, {"id": "call-1-agent", "state": "Down"})
    channel = await client.originate(
        "PJSIP/1001",
        channel_id="call-1-agent",
        other_channel_id="call-1-agent-2",
        app="hotline",
        app_args=["agent", "call-1"],
        caller_id='"Queue" <500>',
        timeout_s=25,
        variables={"CALLERID(name)": "Queue sales"},
    )
    assert channel["id"] == "call-1-agent"
    request = only_request(ari)
    assert (request.method, request.path) == ("POST", "/channels")
    assert request.query == {
        "endpoint": "PJSIP/1001",
        "channelId": "call-1-agent",
        "otherChannelId": "call-1-agent-2",
        "app": "hotline",
        "appArgs": "agent,call-1",
        "callerId": '"Queue" <500>',
        "timeout": "25",
    }
    assert request.body == {"variables": {"CALLERID(name)": "Queue sales"}}


async def test_given_dialplan_target_when_originating_then_context_extension_priority_sent(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("POST", "/channels", 200, {"id": "x"})
    await client.originate("PJSIP/1002", context="internal", extension="600", priority=1)
    request = only_request(ari)
    assert request.query == {
        "endpoint": "PJSIP/1002",
        "context": "internal",
        "extension": "600",
        "priority": "1",
    }
    assert request.body is None


async def test_given_create_then_dial_then_two_calls_with_ari_parameter_names(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("POST", "/channels/create", 200, {"id": "c-7"})
    await client.create_channel("PJSIP/1003", "hotline", channel_id="c-7", app_args="agent")
    await client.dial("c-7", caller="c-1", timeout_s=20)
    create, dial = ari.requests
    assert create.path == "/channels/create"
    assert create.query == {
        "endpoint": "PJSIP/1003",
        "app": "hotline",
        "appArgs": "agent",
        "channelId": "c-7",
    }
    assert (dial.method, dial.path, dial.query) == (
        "POST",
        "/channels/c-7/dial",
        {"caller": "c-1", "timeout": "20"},
    )


async def test_given_channel_operations_then_each_hits_its_endpoint(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("POST", "/channels/c1/play", 201, {"id": "pb-1"})
    ari.respond("POST", "/channels/c1/record", 201, {"name": "rec-1"})
    ari.respond("GET", "/channels/c1/variable", 200, {"value": "gold"})
    await client.answer("c1")
    await client.ring("c1")
    await client.hangup("c1", reason="busy")
    await client.continue_in_dialplan("c1", context="after-queue", extension="s", priority=1)
    playback = await client.play(
        "c1", ["sound:hello-world", "digits:42"], playback_id="pb-1", lang="fr"
    )
    await client.record("c1", "rec-1", max_duration_s=60, beep=True, if_exists="overwrite")
    await client.send_dtmf("c1", "12#", between_ms=150)
    await client.start_moh("c1", "default")
    await client.stop_moh("c1")
    await client.start_silence("c1")
    value = await client.get_channel_variable("c1", "CUSTOMER_TIER")
    await client.set_channel_variable("c1", "HOTLINE_QUEUE", "sales support")
    await client.redirect("c1", "PJSIP/1004")
    assert playback == {"id": "pb-1"}
    assert value == "gold"
    shapes = [(r.method, r.path, r.query) for r in ari.requests]
    assert shapes == [
        ("POST", "/channels/c1/answer", {}),
        ("POST", "/channels/c1/ring", {}),
        ("DELETE", "/channels/c1", {"reason": "busy"}),
        (
            "POST",
            "/channels/c1/continue",
            {"context": "after-queue", "extension": "s", "priority": "1"},
        ),
        (
            "POST",
            "/channels/c1/play",
            {"media": "sound:hello-world,digits:42", "playbackId": "pb-1", "lang": "fr"},
        ),
        (
            "POST",
            "/channels/c1/record",
            {
                "name": "rec-1",
                "format": "wav",
                "maxDurationSeconds": "60",
                "ifExists": "overwrite",
                "beep": "true",
            },
        ),
        ("POST", "/channels/c1/dtmf", {"dtmf": "12#", "between": "150"}),
        ("POST", "/channels/c1/moh", {"mohClass": "default"}),
        ("DELETE", "/channels/c1/moh", {}),
        ("POST", "/channels/c1/silence", {}),
        ("GET", "/channels/c1/variable", {"variable": "CUSTOMER_TIER"}),
        ("POST", "/channels/c1/variable", {"variable": "HOTLINE_QUEUE", "value": "sales support"}),
        ("POST", "/channels/c1/redirect", {"endpoint": "PJSIP/1004"}),
    ]


async def test_given_bridge_lifecycle_then_create_add_remove_play_destroy_shapes(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("POST", "/bridges", 200, {"id": "br-1", "bridge_type": "mixing"})
    ari.respond("GET", "/bridges", 200, [{"id": "br-1"}])
    bridge = await client.create_bridge(bridge_id="br-1", name="call-1")
    await client.add_channel("br-1", ["c1", "c2"], role="participant", absorb_dtmf=False)
    await client.bridge_play("br-1", "sound:beep", playback_id="pb-9")
    await client.bridge_start_moh("br-1")
    await client.remove_channel("br-1", "c2")
    bridges = await client.list_bridges()
    await client.destroy_bridge("br-1")
    await client.stop_playback("pb-9")
    assert bridge["bridge_type"] == "mixing"
    assert bridges == [{"id": "br-1"}]
    shapes = [(r.method, r.path, r.query) for r in ari.requests]
    assert shapes == [
        ("POST", "/bridges", {"type": "mixing", "bridgeId": "br-1", "name": "call-1"}),
        (
            "POST",
            "/bridges/br-1/addChannel",
            {"channel": "c1,c2", "role": "participant", "absorbDTMF": "false"},
        ),
        ("POST", "/bridges/br-1/play", {"media": "sound:beep", "playbackId": "pb-9"}),
        ("POST", "/bridges/br-1/moh", {}),
        ("POST", "/bridges/br-1/removeChannel", {"channel": "c2"}),
        ("GET", "/bridges", {}),
        ("DELETE", "/bridges/br-1", {}),
        ("DELETE", "/playbacks/pb-9", {}),
    ]


async def test_given_stored_recording_then_file_comes_back_as_bytes(
    ari: FakeAriServer, client: AriClient
) -> None:
    audio = b"RIFF\x00\x01\x02\xffWAVEfmt "
    ari.respond("GET", "/recordings/stored/vm-1001-3/file", 200, audio)
    assert await client.get_stored_recording_file("vm-1001-3") == audio
    await client.delete_stored_recording("vm-1001-3")
    await client.stop_live_recording("live-7")
    assert [(r.method, r.path) for r in ari.requests] == [
        ("GET", "/recordings/stored/vm-1001-3/file"),
        ("DELETE", "/recordings/stored/vm-1001-3"),
        ("POST", "/recordings/live/live-7/stop"),
    ]


async def test_given_pjsip_object_then_dynamic_config_body_is_fields_list(
    ari: FakeAriServer, client: AriClient
) -> None:
    path = "/asterisk/config/dynamic/res_pjsip/endpoint/1001"
    ari.respond("PUT", path, 200, [{"attribute": "context", "value": "internal"}])
    stored = await client.put_dynamic_config(
        "res_pjsip", "endpoint", "1001", [("context", "internal"), ("allow", "ulaw")]
    )
    await client.delete_dynamic_config("res_pjsip", "endpoint", "1001")
    put, delete = ari.requests
    assert (put.method, put.path) == ("PUT", path)
    assert put.body == {
        "fields": [
            {"attribute": "context", "value": "internal"},
            {"attribute": "allow", "value": "ulaw"},
        ]
    }
    assert stored == [{"attribute": "context", "value": "internal"}]
    assert (delete.method, delete.path) == ("DELETE", path)


async def test_given_state_and_info_endpoints_then_paths_keep_colons_and_encode_slashes(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("GET", "/asterisk/info", 200, {"system": {"version": "22.1.0"}})
    ari.respond("GET", "/endpoints", 200, [{"technology": "PJSIP", "resource": "1001"}])
    ari.respond("GET", "/applications/hotline", 200, {"name": "hotline"})
    info = await client.get_info(only=["system", "status"])
    await client.set_device_state("Stasis:agent-7", "INUSE")
    await client.get_device_state("Stasis:agent-7")
    await client.update_mailbox("1001@default", old_messages=2, new_messages=1)
    await client.delete_mailbox("1001@default")
    endpoints = await client.list_endpoints()
    await client.get_endpoint("PJSIP", "1001")
    app = await client.get_application("hotline")
    await client.send_user_event(
        "HotlineWallboard", application="hotline", variables={"queue": "sales"}
    )
    await client.get_channel("odd/id")
    assert info["system"]["version"] == "22.1.0"
    assert endpoints[0]["resource"] == "1001"
    assert app["name"] == "hotline"
    shapes = [(r.method, r.path, r.query) for r in ari.requests]
    assert shapes == [
        ("GET", "/asterisk/info", {"only": "system,status"}),
        ("PUT", "/deviceStates/Stasis:agent-7", {"deviceState": "INUSE"}),
        ("GET", "/deviceStates/Stasis:agent-7", {}),
        ("PUT", "/mailboxes/1001@default", {"oldMessages": "2", "newMessages": "1"}),
        ("DELETE", "/mailboxes/1001@default", {}),
        ("GET", "/endpoints", {}),
        ("GET", "/endpoints/PJSIP/1001", {}),
        ("GET", "/applications/hotline", {}),
        ("POST", "/events/user/HotlineWallboard", {"application": "hotline"}),
        ("GET", "/channels/odd%2Fid", {}),
    ]
    assert ari.requests[8].body == {"variables": {"queue": "sales"}}


async def test_given_missing_channel_then_ari_not_found_with_ari_message(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("POST", "/channels/gone/answer", 404, {"message": "Channel not found"})
    with pytest.raises(AriNotFound) as caught:
        await client.answer("gone")
    error = caught.value
    assert isinstance(error, AriError)
    assert (error.status, error.method, error.path) == (404, "POST", "/channels/gone/answer")
    assert error.message == "Channel not found"
    assert error.error_id == "ari_not_found"


async def test_given_a_hung_up_channel_added_to_a_bridge_then_its_400_is_not_found_too(
    ari: FakeAriServer, client: AriClient
) -> None:
    """Asterisk answers addChannel/removeChannel for a channel that is gone
    with 400 "Channel not found" (rest-api/bridges.json), not 404."""
    ari.respond("POST", "/bridges/b1/addChannel", 400, {"message": "Channel not found"})
    with pytest.raises(AriNotFound) as caught:
        await client.add_channel("b1", "gone")
    assert (caught.value.status, caught.value.message) == (400, "Channel not found")
    ari.respond("POST", "/bridges/b1/addChannel", 400, {"message": "Invalid format"})
    with pytest.raises(AriError) as other:
        await client.add_channel("b1", "x")
    assert not isinstance(other.value, AriNotFound), "any other 400 stays an error"


async def test_given_channel_not_in_stasis_then_conflict_error(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("POST", "/channels/c1/play", 409, {"message": "Channel not in Stasis application"})
    with pytest.raises(AriConflict, match="not in Stasis"):
        await client.play("c1", "sound:beep")


async def test_given_a_channel_gone_or_leaving_then_its_failure_is_logged_at_info_only(
    ari: FakeAriServer, client: AriClient
) -> None:
    """A caller hanging up mid-prompt is routine; other refusals are not."""
    answers = {
        (404, "Channel not found"): logging.INFO,
        (409, "Channel not in Stasis application"): logging.INFO,
        (409, "Channel not answered"): logging.WARNING,
        (500, "Internal Server Error"): logging.WARNING,
    }
    for (status, message), level in answers.items():
        ari.respond("POST", "/channels/c1/play", status, {"message": message})
        with pytest.raises(AriError) as caught:
            await client.play("c1", "sound:beep")
        assert failure_log_level(caught.value) == level, (status, message)
    ari.respond("POST", "/bridges/b1/addChannel", 400, {"message": "Channel not found"})
    with pytest.raises(AriError) as added:
        await client.add_channel("b1", "gone")
    assert failure_log_level(added.value) == logging.INFO
    assert failure_log_level(LookupError("nothing playable")) == logging.WARNING


def test_given_a_call_failure_then_it_is_logged_at_its_level_naming_the_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("hotline.test.call_failure")
    gone = AriNotFound(404, "POST", "/channels/c7/play", "Channel not found")
    with caplog.at_level(logging.INFO, logger=log.name):
        log_call_failure(log, "c7", "playback ['sound:beep']", gone)
        log_call_failure(log, "c8", "playback []", LookupError("nothing playable"))
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, f"call c7: playback ['sound:beep'] failed: {gone}"),
        (logging.WARNING, "call c8: playback [] failed: nothing playable"),
    ]


async def test_given_server_error_with_text_body_then_generic_error_not_not_found(
    ari: FakeAriServer, client: AriClient
) -> None:
    ari.respond("GET", "/asterisk/info", 500, b"Internal Server Error")
    with pytest.raises(AriError) as caught:
        await client.get_info()
    assert not isinstance(caught.value, AriNotFound)
    assert caught.value.status == 500
    assert caught.value.message == "Internal Server Error"


async def test_given_wrong_password_then_401_error(ari: FakeAriServer) -> None:
    client = AriClient(ari.base_url, ari.user, "wrong", ari.app)
    try:
        with pytest.raises(AriError) as caught:
            await client.list_channels()
        assert caught.value.status == 401
    finally:
        await client.close()


async def test_given_nothing_listening_then_unavailable_with_status_zero() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    client = AriClient(f"http://127.0.0.1:{free_port}/ari", "u", "p", "hotline")
    try:
        with pytest.raises(AriUnavailable) as caught:
            await client.list_channels()
        assert caught.value.status == 0
        assert caught.value.http_status == 503
    finally:
        await client.close()


async def test_given_slow_ari_then_request_times_out_as_unavailable(ari: FakeAriServer) -> None:
    ari.respond("GET", "/channels", 200, [], delay_s=0.3)
    client = AriClient(ari.base_url, ari.user, ari.password, ari.app, request_timeout_s=0.1)
    try:
        with pytest.raises(AriUnavailable):
            await client.list_channels()
    finally:
        await client.close()


async def test_given_server_drops_a_connection_unanswered_then_it_is_retried_once() -> None:
    # Asterisk closes a session over its sessionlimit (or a keep-alive
    # connection it is timing out) without answering.
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head.split(b"\r\n", 1)[0])
        if len(seen) > 1:
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = AriClient(f"http://127.0.0.1:{port}", "u", "p", "hotline")
    try:
        # A POST: aiohttp retries idempotent methods itself, not this one.
        await client.answer("c1")
    finally:
        await client.close()
        server.close()
    assert seen == [b"POST /ari/channels/c1/answer HTTP/1.1"] * 2


async def test_given_server_keeps_dropping_connections_then_unavailable_after_one_retry() -> None:
    attempts = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal attempts
        await reader.readuntil(b"\r\n\r\n")
        attempts += 1
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = AriClient(f"http://127.0.0.1:{port}", "u", "p", "hotline")
    try:
        with pytest.raises(AriUnavailable):
            await client.answer("c1")
    finally:
        await client.close()
        server.close()
    assert attempts == 2


async def test_given_closed_client_then_a_late_request_opens_no_new_session(
    ari: FakeAriServer,
) -> None:
    client = AriClient(ari.base_url, ari.user, ari.password, ari.app)
    await client.list_channels()
    await client.close()
    with pytest.raises(AriUnavailable, match="closed"):
        await client.list_channels()
    assert client._session is None


# -- URL encoding: the fast paths spell everything as urllib does ---------------

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["bench-hotline-00227;2", "hl-q-call 1", "PJSIP/1001", "sound:hello-world", "a,b:c/d@e~f"]
)


@given(texts)
def test_a_path_segment_is_quoted_as_urllib_quotes_it(value: str) -> None:
    assert segment(value) == quote(value, safe=":@-._~")


@given(
    st.dictionaries(
        texts,
        texts | st.none() | st.booleans() | st.integers() | st.lists(texts, max_size=3),
        max_size=6,
    )
)
def test_a_query_string_is_what_urlencode_made_of_it(params: Query) -> None:
    expected = urlencode(_encode_query(params), quote_via=quote, safe=":/,@")
    assert query_string(params) == expected
