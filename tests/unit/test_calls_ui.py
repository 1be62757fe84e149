"""The calls pages (/calls): the list, one call with its timeline and its
recording in the browser's player, byte ranges for seeking, one audit row
per listen and per download, and who may see what.  The real Chromium
playing a real call's recording is tests/integration/test_recordings.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from admin_ui.web.ranges import ByteRange, UnsatisfiableRange, parse_range
from hotline.models import AuditEntry, CallRecord, Tenant
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.test_recordings import _recorded
from tests.unit.ui_support import UiClient

# -- byte ranges ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-", ByteRange(0, 99)),
        ("bytes=10-19", ByteRange(10, 19)),
        ("bytes=90-500", ByteRange(90, 99)),
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-500", ByteRange(0, 99)),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file instead
        ("items=0-5", None),
    ],
)
def test_given_a_range_header_then_the_part_served_is_clipped_to_the_file(
    header: str | None, expected: ByteRange | None
) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=20-10", "bytes=-0"])
def test_given_a_range_outside_the_file_then_it_is_unsatisfiable(header: str) -> None:
    with pytest.raises(UnsatisfiableRange):
        parse_range(header, 100)


@given(st.integers(1, 10_000), st.integers(0, 20_000), st.integers(0, 20_000))
def test_given_any_satisfiable_range_then_it_lies_inside_the_file(
    size: int, first: int, last: int
) -> None:
    try:
        wanted = parse_range(f"bytes={first}-{last}", size)
    except UnsatisfiableRange:
        assert first >= size or last < first
        return
    assert wanted is not None
    assert 0 <= wanted.start <= wanted.end < size
    assert wanted.start == first and wanted.end == min(last, size - 1)


# -- the pages ---------------------------------------------------------------------------------
async def test_given_a_recorded_call_then_its_page_plays_it_and_each_listen_is_audited_once(
    ui: UiClient, seeded: Settings
) -> None:
    row = await _recorded(seeded, "call-play", caller_id="5550123")
    assert ui.app is not None
    ui.app.state.settings = seeded  # where the recordings are
    await ui.login("supervisor")
    listing = await ui.get("/calls?caller=5550123")
    assert listing.status_code == 200
    assert [c["call_id"] for c in ui.last.context["calls"]] == ["call-play"]

    page = await ui.get("/calls/call-play")
    assert page.status_code == 200
    assert 'data-testid="call-recording-player"' in page.text
    assert 'src="/calls/call-play/recording.wav"' in page.text

    whole = await ui.get("/calls/call-play/recording.wav")
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.headers["accept-ranges"] == "bytes"
    assert len(whole.content) == row.size_bytes
    # The player seeks: a range from the middle is a 206 and not a new listen.
    seek = await ui.get("/calls/call-play/recording.wav", headers={"Range": "bytes=1000-1999"})
    assert seek.status_code == 206
    assert seek.headers["content-range"] == f"bytes 1000-1999/{row.size_bytes}"
    assert seek.content == whole.content[1000:2000]
    played = await AuditEntry.filter(action="recording_played")
    assert [(e.username, e.object_id) for e in played] == [("supervisor", str(row.id))]
    assert played[0].ip and played[0].after["call_id"] == "call-play"

    download = await ui.get("/calls/call-play/recording.wav?download=1")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert await AuditEntry.filter(action="recording_downloaded").count() == 1
    beyond = await ui.get(
        "/calls/call-play/recording.wav", headers={"Range": f"bytes={row.size_bytes}-"}
    )
    assert beyond.status_code == 416


async def test_given_a_call_without_recording_then_the_page_says_so(ui: UiClient) -> None:
    await CallRecord.create(
        call_id="call-plain",
        tenant_id=await home_tenant_id(),
        caller_id="5550124",
        started_at=datetime.now(UTC),
    )
    await ui.login("auditor")
    page = await ui.get("/calls/call-plain")
    assert 'data-testid="call-recording-none"' in page.text
    audio = await ui.get("/calls/call-plain/recording.wav")
    assert audio.status_code == 404
    assert not await AuditEntry.filter(action="recording_played").exists()


async def test_given_another_tenants_call_then_it_is_not_found_and_nothing_is_audited(
    ui: UiClient, seeded: Settings
) -> None:
    other = await Tenant.create(name="Water")
    await _recorded(seeded, "call-other", tenant_id=other.id)
    await ui.login("supervisor")
    assert (await ui.get("/calls/call-other")).status_code == 404
    assert (await ui.get("/calls/call-other/recording.wav")).status_code == 404
    listing = await ui.get("/calls")
    assert "call-other" not in [c["call_id"] for c in ui.last.context["calls"]]
    assert listing.status_code == 200
    assert not await AuditEntry.filter(action="recording_played").exists()


async def test_given_an_agent_then_the_calls_pages_are_refused(
    ui: UiClient, seeded: Settings
) -> None:
    await _recorded(seeded, "call-agent")
    await ui.login("agent")
    assert (await ui.get("/calls")).status_code == 403
    assert (await ui.get("/calls/call-agent/recording.wav")).status_code == 403
    assert not await AuditEntry.filter(action="recording_played").exists()
