"""Call recordings without Asterisk: the policy, the stereo file, the API's
recording_url and WAV (audited), the purge and the erasure (rows and audit
rows kept), and the recorder's snoop/record/fetch sequence."""

from __future__ import annotations

import asyncio
import io
import itertools
import math
import struct
import wave
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ari_apps.acd.conversations import Conversation
from ari_apps.ari.errors import AriNotFound
from ari_apps.ari.events import parse_event
from ari_apps.channels import ChannelObservers
from ari_apps.executor import HangUp, Snoop, StartRecording
from ari_apps.recordings.services import SIDES, CallRecorder, snoop_channel_id, staging_name
from hotline.errors import InvalidRequest, NotFound
from hotline.models import AuditEntry, CallRecord, Queue, Tenant
from hotline.models_recording import CallRecording
from hotline.recordings import services as recordings
from hotline.recordings.core import (
    RecordingAudioError,
    join_sides,
    retention_cutoff,
    should_record,
)
from hotline.recordings.store import file_of, start_row
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api  # the fixture, re-exported

RATE = 8000


def tone_wav(hz: float, seconds: float, *, rate: int = RATE, channels: int = 1) -> bytes:
    frames = int(rate * seconds)
    samples = [int(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(frames)]
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        data = b"".join(struct.pack("<h", s) * channels for s in samples)
        writer.writeframes(data)
    return out.getvalue()


def channel_samples(wav_bytes: bytes, channel: int) -> list[int]:
    with wave.open(io.BytesIO(wav_bytes), "rb") as reader:
        channels = reader.getnchannels()
        raw = reader.readframes(reader.getnframes())
    values = struct.unpack(f"<{len(raw) // 2}h", raw)
    return list(values[channel::channels])


def dominant_hz(samples: list[int], rate: int = RATE) -> float:
    """Zero crossings: enough to tell 440 Hz from 880 Hz."""
    crossings = sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))
    return crossings / 2 / (len(samples) / rate)


# -- the policy ------------------------------------------------------------------------------
def test_given_policies_then_all_records_none_never() -> None:
    assert should_record("all", 0, 0.99)
    assert not should_record("none", 100, 0.0)
    assert not should_record("unknown", 100, 0.0)


@given(st.integers(min_value=0, max_value=100), st.floats(min_value=0, max_value=0.999999))
def test_given_a_sample_then_a_draw_records_exactly_below_the_share(pct: int, draw: float) -> None:
    assert should_record("sample", pct, draw) == (draw * 100 < pct)


def test_given_retention_then_the_cutoff_is_that_many_days_back() -> None:
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    assert retention_cutoff(now, 30) == now - timedelta(days=30)
    assert retention_cutoff(now, None) is None


# -- the stereo file ---------------------------------------------------------------------------
def test_given_two_sides_then_caller_is_left_and_agent_right_padded_to_the_longer() -> None:
    joined = join_sides(tone_wav(440, 2.0), tone_wav(880, 1.0))
    assert joined.channels == 2
    assert joined.duration_s == pytest.approx(2.0, abs=0.01)
    left, right = channel_samples(joined.wav, 0), channel_samples(joined.wav, 1)
    assert dominant_hz(left) == pytest.approx(440, rel=0.05)
    assert dominant_hz(right[:RATE]) == pytest.approx(880, rel=0.05)
    assert max(abs(s) for s in right[RATE + 10 :]) == 0, "the agent's missing second is silence"


def test_given_one_side_unreadable_then_the_other_is_kept_in_mono() -> None:
    # A call hung up at the answer leaves Asterisk a file without a header.
    joined = join_sides(b"", tone_wav(880, 1.0))
    assert joined.channels == 1
    joined = join_sides(b"RIFF\x00", tone_wav(880, 1.0))
    assert joined.channels == 1


def test_given_one_side_only_then_the_file_is_that_side_in_mono() -> None:
    joined = join_sides(None, tone_wav(880, 1.0))
    assert joined.channels == 1
    assert dominant_hz(channel_samples(joined.wav, 0)) == pytest.approx(880, rel=0.05)


@pytest.mark.parametrize(
    ("caller", "agent", "message"),
    [
        (None, None, "caller side left no audio; the agent side left no audio"),
        (b"not a wav", None, "caller side is not a WAV"),
        (tone_wav(440, 0.5), tone_wav(440, 0.5, rate=16000), "differ in sample rate"),
        (None, tone_wav(440, 0.5, channels=2), "agent side is not 16-bit mono"),
    ],
)
def test_given_bad_audio_then_the_error_names_the_side(
    caller: bytes | None, agent: bytes | None, message: str
) -> None:
    with pytest.raises(RecordingAudioError, match=message):
        join_sides(caller, agent)


# -- rows and files ----------------------------------------------------------------------------
async def _recorded(
    settings: Settings,
    call_id: str,
    *,
    caller_id: str = "5550100",
    started: datetime | None = None,
    queue: str = "support",
    tenant_id: int | None = None,
) -> CallRecording:
    tenant = tenant_id if tenant_id is not None else await home_tenant_id()
    if not await CallRecord.exists(call_id=call_id):
        await CallRecord.create(
            call_id=call_id,
            tenant_id=tenant,
            caller_id=caller_id,
            queue=queue,
            started_at=started or datetime.now(UTC),
        )
    row = await start_row(
        call_id, tenant_id=tenant, queue=queue, agent_extension="1001", caller_id=caller_id
    )
    if started is not None:
        row.started_at = started
        await row.save(update_fields=["started_at"])
    return await recordings.store_sides(
        settings.var_dir, row, tone_wav(440, 1.0), tone_wav(880, 1.0)
    )


async def test_given_a_recording_already_stored_when_a_second_finisher_finds_nothing_then_it_stays_stored(  # noqa: E501
    seeded: Settings,
) -> None:
    """Two finishers of one row (an adopted conversation's end and a sweep):
    the later one fetched nothing, since the first deleted the staging files."""
    first = await _recorded(seeded, "call-twice")
    late_copy = await CallRecording.get(id=first.id)
    late_copy.status = "recording"  # what the second finisher read before the first ended it

    await recordings.store_sides(seeded.var_dir, late_copy, None, None)

    row = await CallRecording.get(id=first.id)
    assert (row.status, row.file_path, row.channels) == ("stored", first.file_path, 2)
    assert file_of(seeded.var_dir, first.file_path or "").is_file()
    assert late_copy.status == "recording", "the late finisher is told it did not end the row"


async def test_given_a_recording_erased_when_a_late_finisher_stores_audio_then_no_file_comes_back(
    seeded: Settings,
) -> None:
    first = await _recorded(seeded, "call-erased")
    path = file_of(seeded.var_dir, first.file_path or "")
    path.unlink()
    await CallRecording.filter(id=first.id).update(status="erased", file_path=None)
    late_copy = await CallRecording.get(id=first.id)
    late_copy.status = "recording"

    await recordings.store_sides(seeded.var_dir, late_copy, tone_wav(440, 1.0), tone_wav(880, 1.0))

    assert (await CallRecording.get(id=first.id)).status == "erased"
    assert not path.exists(), "an erased recording's file must not come back"


async def test_given_both_sides_when_stored_then_the_row_says_where_how_long_and_how_big(
    seeded: Settings,
) -> None:
    row = await _recorded(seeded, "call-a")
    assert row.status == "stored"
    assert row.channels == 2
    assert row.duration_s == pytest.approx(1.0)
    assert row.file_path is not None
    path = file_of(seeded.var_dir, row.file_path)
    assert path.stat().st_size == row.size_bytes
    assert path.stat().st_mode & 0o077 == 0, "recordings are private to Hotline"


async def test_given_a_file_gone_when_read_then_the_row_says_missing(seeded: Settings) -> None:
    row = await _recorded(seeded, "call-b")
    assert row.file_path is not None
    file_of(seeded.var_dir, row.file_path).unlink()
    with pytest.raises(NotFound, match="is missing: the file was not found"):
        await recordings.recording_audio(seeded.var_dir, "call-b")
    again = await CallRecording.get(id=row.id)
    assert again.status == "missing"


async def test_given_a_call_never_recorded_then_reading_says_so(seeded: Settings) -> None:
    with pytest.raises(NotFound, match="was not recorded"):
        await recordings.recording_audio(seeded.var_dir, "call-none")


async def test_given_retention_when_purged_then_old_files_go_and_rows_and_audit_stay(
    seeded: Settings,
) -> None:
    await Queue.filter(name="support").update(recording_retention_days=30)
    now = datetime.now(UTC)
    old = await _recorded(seeded, "call-old", started=now - timedelta(days=31))
    new = await _recorded(seeded, "call-new", started=now - timedelta(days=29))
    assert old.file_path is not None
    old_file = file_of(seeded.var_dir, old.file_path)

    assert await recordings.purge_expired(seeded.var_dir, now) == 1

    assert not old_file.exists()
    purged = await CallRecording.get(id=old.id)
    assert (purged.status, purged.file_path) == ("purged", None)
    assert "30 days" in purged.removed_reason
    assert (await CallRecording.get(id=new.id)).status == "stored"
    entry = await AuditEntry.get(action="recording_purged", object_id=str(old.id))
    assert entry.username == "system"
    assert entry.before["file_present"] is True
    assert await recordings.purge_expired(seeded.var_dir, now) == 0, "a purge is not repeated"


async def test_given_an_erasure_then_a_dry_run_counts_and_the_real_one_removes_and_audits(
    seeded: Settings,
) -> None:
    day = datetime(2026, 11, 10, 9, tzinfo=UTC)
    inside = await _recorded(seeded, "call-e1", caller_id="5550199", started=day)
    outside = await _recorded(
        seeded, "call-e2", caller_id="5550199", started=day + timedelta(days=40)
    )
    other = await _recorded(seeded, "call-e3", caller_id="5550100", started=day)
    request = recordings.ErasureRequest("5550199", day - timedelta(days=1), day + timedelta(days=1))
    home = await home_tenant_id()
    actor = recordings.Actor("supervisor", "127.0.0.9", "api", home)

    dry = await recordings.erase(seeded.var_dir, request, tenant_id=home, actor=actor, dry_run=True)
    assert (dry["matching"], dry["erased"], dry["recording_ids"]) == (1, 0, [inside.id])
    assert (await CallRecording.get(id=inside.id)).status == "stored"

    done = await recordings.erase(
        seeded.var_dir, request, tenant_id=home, actor=actor, dry_run=False
    )
    assert done["erased"] == 1
    erased = await CallRecording.get(id=inside.id)
    assert (erased.status, erased.file_path) == ("erased", None)
    assert (await CallRecording.get(id=outside.id)).status == "stored"
    assert (await CallRecording.get(id=other.id)).status == "stored"
    entry = await AuditEntry.get(action="recording_erased", object_id=str(inside.id))
    assert (entry.username, entry.ip) == ("supervisor", "127.0.0.9")


async def test_given_another_tenants_recording_then_an_erasure_leaves_it(
    seeded: Settings,
) -> None:
    tenant = await Tenant.create(name="Water utility", slug="water")
    day = datetime(2026, 11, 10, 9, tzinfo=UTC)
    theirs = await _recorded(
        seeded, "call-t1", caller_id="5550199", started=day, tenant_id=tenant.id
    )
    request = recordings.ErasureRequest("5550199", day - timedelta(days=1), day + timedelta(days=1))
    home = await home_tenant_id()
    result = await recordings.erase(
        seeded.var_dir, request, tenant_id=home, actor=recordings.SYSTEM, dry_run=False
    )
    assert result["matching"] == 0
    assert (await CallRecording.get(id=theirs.id)).status == "stored"


def test_given_a_bad_erasure_request_then_the_field_is_named() -> None:
    day = datetime(2026, 11, 10, tzinfo=UTC)
    with pytest.raises(InvalidRequest, match="caller_id"):
        recordings.ErasureRequest(" ", day, day + timedelta(days=1))
    with pytest.raises(InvalidRequest, match="to:"):
        recordings.ErasureRequest("5550199", day, day)


# -- the API -------------------------------------------------------------------------------------
async def test_given_a_recorded_call_then_the_api_gives_its_url_and_the_wav_to_the_token(
    api: Api, seeded: Settings
) -> None:
    row = await _recorded(seeded, "call-api")
    detail = (await api.get("/calls/call-api")).json()
    assert detail["recording"]["status"] == "stored"
    assert detail["recording"]["channels"] == 2
    url = detail["recording_url"]
    assert url.endswith("/api/v1/calls/call-api/recording")

    response = await api.client.get(url, headers=api.auth("auditor"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    assert dominant_hz(channel_samples(response.content, 0)) == pytest.approx(440, rel=0.05)

    entry = await AuditEntry.get(action="recording_played", object_id=str(row.id))
    assert entry.username == "auditor tests"
    assert entry.ip, "who listened from where"

    download = await api.client.get(url + "?download=1", headers=api.auth("auditor"))
    assert download.headers["content-disposition"].startswith("attachment")
    assert await AuditEntry.exists(action="recording_downloaded", object_id=str(row.id))


async def test_given_a_purged_recording_then_the_call_says_so_without_a_url(
    api: Api, seeded: Settings
) -> None:
    await Queue.filter(name="support").update(recording_retention_days=1)
    await _recorded(seeded, "call-gone", started=datetime.now(UTC) - timedelta(days=2))
    await recordings.purge_expired(seeded.var_dir, datetime.now(UTC))
    detail = (await api.get("/calls/call-gone")).json()
    assert detail["recording"]["status"] == "purged"
    assert detail["recording_url"] is None
    response = await api.get("/calls/call-gone/recording")
    assert response.status_code == 404
    assert "purged" in response.json()["message"]


async def test_given_an_unrecorded_call_then_it_has_no_recording(api: Api) -> None:
    await CallRecord.create(call_id="call-plain", started_at=datetime.now(UTC))
    detail = (await api.get("/calls/call-plain")).json()
    assert (detail["recording"], detail["recording_url"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}, "caller_id"),
        ({"caller_id": "5550199", "to": "2026-02-01T00:00:00Z"}, "from"),
        ({"caller_id": "5550199", "from": "yesterday", "to": "2026-02-01T00:00:00Z"}, "from"),
        (
            {"caller_id": "5550199", "from": "2026-01-01T00:00:00", "to": "2026-02-01T00:00Z"},
            "from",
        ),
        (
            {
                "caller_id": "5550199",
                "from": "2026-01-01T00:00Z",
                "to": "2026-02-01T00:00Z",
                "dry_run": "no",
            },
            "dry_run",
        ),
    ],
)
async def test_given_a_bad_erasure_body_then_400_names_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    response = await api.send("POST", "/recordings/erasure", body=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}:")


async def test_given_an_erasure_through_the_api_then_it_is_audited_with_the_result(
    api: Api, seeded: Settings
) -> None:
    day = datetime(2026, 11, 10, 9, tzinfo=UTC)
    await _recorded(seeded, "call-x", caller_id="5550177", started=day)
    body = {"caller_id": "5550177", "from": "2026-11-10T00:00:00Z", "to": "2026-11-11T00:00:00Z"}
    dry = (await api.send("POST", "/recordings/erasure", body=body)).json()
    assert (dry["dry_run"], dry["matching"], dry["erased"]) == (True, 1, 0)
    done = (await api.send("POST", "/recordings/erasure", body={**body, "dry_run": False})).json()
    assert done["erased"] == 1
    assert await AuditEntry.exists(action="recordings_erasure_dry_run")
    assert await AuditEntry.exists(action="recordings_erased")
    assert await AuditEntry.exists(action="recording_erased")


# -- the recorder (ARI stood in) -------------------------------------------------------------
class FakeOps:
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.ran: list[Any] = []
        self.refuse = refuse or set()
        self.recorder: CallRecorder | None = None
        self.observers: ChannelObservers = {}
        # What Asterisk does when a snoop is hung up: by default its
        # recording's end and StasisEnd follow at once.
        self.on_hang_up: Callable[[str], None] = self._snoop_ended

    def _snoop_ended(self, channel_id: str) -> None:
        observer = self.observers.get(channel_id)
        if observer is not None:
            end = {"type": "StasisEnd", "channel": {"id": channel_id}}
            asyncio.get_running_loop().call_soon(observer, parse_event(end))

    async def run(self, op: Any) -> None:
        if getattr(op, "channel_id", None) in self.refuse:
            raise AriNotFound(404, "POST", "/channels", "Channel not found")
        self.ran.append(op)
        if isinstance(op, Snoop) and self.recorder is not None:
            # Asterisk puts the snoop channel into the app: its StasisStart.
            asyncio.get_running_loop().call_soon(self.recorder.snoop_started, op.snoop_id)

    async def run_unless_gone(self, op: Any) -> None:
        self.ran.append(op)
        if isinstance(op, HangUp):
            self.on_hang_up(op.channel_id)


class FakeAri:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.deleted: list[str] = []
        self.fetched: list[str] = []

    async def get_stored_recording_file(self, name: str) -> bytes:
        self.fetched.append(name)
        if name not in self.files:
            raise AriNotFound(404, "GET", f"/recordings/stored/{name}/file", "not found")
        return self.files[name]

    async def delete_stored_recording(self, name: str) -> None:
        self.deleted.append(name)
        self.files.pop(name, None)


CONVERSATION = Conversation(
    "caller-1;2", "caller-1;2", "hl-agent-1001-1", "hl-q-caller-1;2", "support", "1001", "5550100"
)


async def _recorder(
    seeded: Settings, files: dict[str, bytes], ops: FakeOps, draw: float = 0.5
) -> CallRecorder:
    await CallRecord.create(
        call_id=CONVERSATION.call_id, tenant_id=await home_tenant_id(), started_at=datetime.now(UTC)
    )
    recorder = CallRecorder(
        FakeAri(files),  # type: ignore[arg-type]
        ops,  # type: ignore[arg-type]
        "hotline",
        seeded.var_dir,
        observers=ops.observers,
        draw=lambda: draw,
    )
    ops.recorder = recorder
    return recorder


async def _run_call(recorder: CallRecorder) -> None:
    await recorder.conversation_started(CONVERSATION)
    await recorder.conversation_ended(CONVERSATION.call_id)
    await recorder.stop()


async def test_given_the_demo_queue_then_each_party_is_snooped_recorded_and_joined(
    seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ari_apps.recordings.services.FETCH_INTERVAL_S", 0.0)
    ops = FakeOps()
    files: dict[str, bytes] = {}
    recorder = await _recorder(seeded, files, ops)
    # What Asterisk would have written by the time the snoops are hung up.
    files[staging_name(1, "caller")] = tone_wav(440, 1.0)
    files[staging_name(1, "agent")] = tone_wav(880, 1.0)
    await _run_call(recorder)

    snoops = [op for op in ops.ran if isinstance(op, Snoop)]
    assert [(s.channel_id, s.spy, s.snoop_id) for s in snoops] == [
        ("caller-1;2", "in", snoop_channel_id(1, "caller")),
        ("hl-agent-1001-1", "in", snoop_channel_id(1, "agent")),
    ]
    starts = [op for op in ops.ran if isinstance(op, StartRecording)]
    assert [s.channel_id for s in starts] == [s.snoop_id for s in snoops]
    hang_ups = [op.channel_id for op in ops.ran if isinstance(op, HangUp)]
    assert hang_ups == [s.snoop_id for s in snoops]
    row = await CallRecording.get(call_id=CONVERSATION.call_id)
    assert (row.status, row.channels, row.queue, row.agent_extension) == (
        "stored",
        2,
        "support",
        "1001",
    )
    assert files == {}, "the staging copies are deleted from Asterisk"


def _written_until_finished(
    ops: FakeOps, files: dict[str, bytes], recording_ids: list[int]
) -> Callable[[str], None]:
    """Asterisk's side of a snoop's hang-up, as seen in CI: each side's file
    is served truncated until its RecordingFinished comes, 50 ms later."""
    whole = {
        staging_name(recording_id, side): tone_wav(440 if side == "caller" else 880, 1.0)
        for recording_id in recording_ids
        for side in SIDES
    }
    for name, wav in whole.items():
        files[name] = wav[:30]  # the header not yet all on disk

    def finished_later(channel_id: str) -> None:
        _, _, recording_id, side = channel_id.split("-")
        name = staging_name(int(recording_id), side)
        finished = parse_event(
            {
                "type": "RecordingFinished",
                "recording": {"name": name, "target_uri": f"channel:{channel_id}"},
            }
        )

        def finish() -> None:
            files[name] = whole[name]
            observer = ops.observers.get(channel_id)
            if observer is not None:
                observer(finished)

        asyncio.get_running_loop().call_later(0.05, finish)

    return finished_later


async def test_given_a_side_still_being_written_then_it_is_fetched_once_its_recording_ended(
    seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asterisk serves a stored recording's file while the recording still
    writes it; the recorder waits for RecordingFinished (seen in CI: the
    agent side fetched truncated, the recording kept in mono)."""
    monkeypatch.setattr("ari_apps.recordings.services.FETCH_INTERVAL_S", 0.0)
    ops = FakeOps()
    files: dict[str, bytes] = {}
    recorder = await _recorder(seeded, files, ops)
    ops.on_hang_up = _written_until_finished(ops, files, recording_ids=[1])
    await _run_call(recorder)
    row = await CallRecording.get(call_id=CONVERSATION.call_id)
    assert (row.status, row.channels) == ("stored", 2)
    assert ops.observers == {}, "the snoops are no longer watched"


async def test_given_a_queue_that_does_not_record_then_nothing_is_snooped(
    seeded: Settings,
) -> None:
    await Queue.filter(name="support").update(record_policy="sample", record_sample_pct=30)
    ops = FakeOps()
    recorder = await _recorder(seeded, {}, ops, draw=0.5)
    await _run_call(recorder)
    assert ops.ran == []
    assert not await CallRecording.exists()


async def test_given_the_agent_gone_before_the_snoop_then_the_caller_side_is_kept_in_mono(
    seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ari_apps.recordings.services.FETCH_INTERVAL_S", 0.0)
    ops = FakeOps(refuse={"hl-agent-1001-1"})
    files = {staging_name(1, "caller"): tone_wav(440, 1.0)}
    recorder = await _recorder(seeded, files, ops)
    await _run_call(recorder)
    row = await CallRecording.get(call_id=CONVERSATION.call_id)
    assert (row.status, row.channels) == ("stored", 1)
    # The side that never started is not looked for: each miss would have
    # cost the whole fetch retry (5 s in production).
    fetched = recorder.ari.fetched  # type: ignore[attr-defined]
    assert fetched == [staging_name(1, "caller")]


async def test_given_asterisk_kept_nothing_then_the_recording_is_failed_not_stored(
    seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ari_apps.recordings.services.FETCH_INTERVAL_S", 0.0)
    recorder = await _recorder(seeded, {}, FakeOps())
    await _run_call(recorder)
    row = await CallRecording.get(call_id=CONVERSATION.call_id)
    assert row.status == "failed"
    assert row.file_path is None
    assert "left no audio" in row.removed_reason


async def _rows_left_by_a_stopped_process() -> tuple[CallRecording, CallRecording]:
    """Two rows still "recording": a conversation still live and one that ended."""
    home = await home_tenant_id()
    live = await start_row(
        "live;2", tenant_id=home, queue="support", agent_extension="1001", caller_id="1"
    )
    ended = await start_row(
        "ended;2", tenant_id=home, queue="support", agent_extension="1002", caller_id="2"
    )
    return live, ended


async def test_given_a_restart_then_live_conversations_are_adopted_and_the_rest_finished(
    seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ari_apps.recordings.services.FETCH_INTERVAL_S", 0.0)
    live, ended = await _rows_left_by_a_stopped_process()
    files = {staging_name(ended.id, "caller"): tone_wav(440, 1.0)}
    ops = FakeOps()
    recorder = CallRecorder(FakeAri(files), ops, "hotline", seeded.var_dir)  # type: ignore[arg-type]

    kept = await recorder.adopt({"live;2"}, live_channel_ids={"live;2"})
    assert kept == {snoop_channel_id(live.id, "caller"), snoop_channel_id(live.id, "agent")}
    recorder.finish_unfinished()
    await recorder.stop()

    assert (await CallRecording.get(id=ended.id)).status == "stored"
    assert (await CallRecording.get(id=live.id)).status == "recording"
    assert "live;2" in recorder.active


async def test_given_a_restart_then_live_snoops_are_fetched_only_once_their_recordings_ended(
    seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The restarted process did not see these snoops start; it watches the
    ones Asterisk still has, adopted or orphaned, as if it had."""
    monkeypatch.setattr("ari_apps.recordings.services.FETCH_INTERVAL_S", 0.0)
    live, ended = await _rows_left_by_a_stopped_process()
    files: dict[str, bytes] = {}
    ops = FakeOps()
    ops.on_hang_up = _written_until_finished(ops, files, recording_ids=[live.id, ended.id])
    recorder = await _recorder(seeded, files, ops)
    live_snoops = {snoop_channel_id(row.id, side) for row in (live, ended) for side in SIDES}

    await recorder.adopt({"live;2"}, live_channel_ids={"live;2", *live_snoops})
    # A second reconcile (the websocket dropped again) sets nothing aside twice.
    await recorder.adopt({"live;2"}, live_channel_ids={"live;2", *live_snoops})
    # The adopted conversation ends before the sweep gets going: each row is
    # still finished once, by its own finisher.
    await recorder.conversation_ended("live;2")
    recorder.finish_unfinished()
    await recorder.stop()

    for row in (live, ended):
        stored = await CallRecording.get(id=row.id)
        assert (stored.status, stored.channels) == ("stored", 2), row.call_id
    assert ops.observers == {}, "the snoops are no longer watched"


def test_recordings_dir_is_under_var(seeded: Settings) -> None:
    assert file_of(seeded.var_dir, "2026/12/05/call-1.wav").is_relative_to(
        Path(seeded.var_dir).resolve()
    )
