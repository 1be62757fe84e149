"""Real faxes over spandsp through the sandbox Asterisk (G.711 over Local channels).

1. Fax-on-demand on the same call: a caller dials 8000, presses 3, ``1#``
   and 1 ("this call"); its line then becomes a real fax machine
   (ReceiveFAX in a test context) and must receive every page of document 1,
   matching the catalogue's TIFF image by image.
2. Fax-back: the caller keys a fax number instead; the job dials it through
   ``to-pstn``, where a test-only number answers with ReceiveFAX.
3. Fax in: SendFAX from a Local channel to a DID marked as fax ends as a PDF
   in the job and an email with the PDF at the aiosmtpd inbox.
4. Toll fraud: a premium-rate fax-back number is refused and never queued.
5. A knowledge article faxed by an agent: its PDF arrives as one page.
"""

from __future__ import annotations

import asyncio
import io
import urllib.request
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from hotline.asterisk_account import asterisk_writable_dir
from tests.integration.audio import audible_seconds
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness, SimCaller
from tests.integration.pbx_config import extra_config
from tests.integration.phones import wait_until
from tests.integration.smtp import Inbox

pytestmark = pytest.mark.asterisk

TEST_SPOOL = "/var/spool/asterisk/fax/hotline-test"
FAX_BACK_NUMBER = "5559000"
FAX_DID = "8009"
# A received fax is re-encoded by T.4/T.6: pixels may move a little at edges,
# but a wrong or missing page differs by far more than this.
MAX_PIXEL_DIFFERENCE = 0.02

TEST_DIALPLAN = f"""
; test_fax.py: a fax machine at the far end of a test call.
[hotline-fax-test]
exten => receive,1,NoOp(test fax receiver into ${{TEST_FAX_FILE}})
 same => n,ReceiveFAX(${{TEST_FAX_FILE}})
 same => n,Hangup()
exten => send,1,NoOp(test fax sender of ${{TEST_FAX_FILE}})
 same => n,SendFAX(${{TEST_FAX_FILE}})
 same => n,Hangup()

; Exact match: wins over to-pstn's _X. congestion.
[to-pstn]
exten => {FAX_BACK_NUMBER},1,Answer()
 same => n,ReceiveFAX({TEST_SPOOL}/fax-back.tif)
 same => n,Hangup()
"""


@pytest.fixture
async def fax_dialplan(hotline_env: dict[str, str]) -> AsyncIterator[Path]:
    """The test contexts live in hotline-custom.conf while the test runs."""
    async with extra_config(dialplan=TEST_DIALPLAN):
        spool = Path(hotline_env["HOTLINE_ASTERISK_ROOT"] or "/") / TEST_SPOOL.lstrip("/")
        # The receiving fax machine is the unprivileged Asterisk.
        asterisk_writable_dir(spool, hotline_env["HOTLINE_ASTERISK_ROOT"])
        for old in spool.glob("*.tif"):
            old.unlink()
        yield spool


def download(hotline_env: dict[str, str], path: str) -> bytes:
    request = urllib.request.Request(hotline_env["HOTLINE_WEB_URL"] + "/api/v1" + path)
    request.add_header("Authorization", f"Bearer {hotline_env['HOTLINE_API_TOKEN']}")
    with urllib.request.urlopen(request, timeout=10) as response:
        data: bytes = response.read()
    return data


def document_tiff(hotline_env: dict[str, str]) -> Path:
    root = Path(hotline_env["HOTLINE_ASTERISK_ROOT"] or "/")
    found = sorted((root / "var/spool/asterisk/fax/hotline/documents").glob("1-*.tif"))
    assert found, "document 1 has no TIFF in the spool"
    return found[-1]


def pages_of(tiff: Path) -> list[Image.Image]:
    pages: list[Image.Image] = []
    with Image.open(tiff) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            pages.append(image.convert("1").copy())
    return pages


def difference(page: Image.Image, source: Image.Image, offset: int) -> float:
    """Share of pixels that differ when ``page`` row ``offset`` lies on source row 0."""
    height = min(page.height - offset, source.height)
    window = (0, 0, source.width, height)
    moved = page.crop((0, offset, source.width, offset + height))
    changed: int = ImageChops.logical_xor(moved, source.crop(window)).histogram()[255]
    return changed / (source.width * height)


def assert_same_pages(received: Path, original: Path) -> None:
    got, expected = pages_of(received), pages_of(original)
    assert len(got) == len(expected) == 2
    for number, (page, source) in enumerate(zip(got, expected, strict=True), start=1):
        assert page.width == source.width == 1728, f"page {number} width"
        assert page.height >= source.height * 0.95, f"page {number} is truncated"
        # The sender's header line (FAXOPT(headerinfo)) pushes the page down by
        # a few dozen rows: compare at the best small vertical offset.
        changed = min(difference(page, source, offset) for offset in range(0, 65))
        assert changed < MAX_PIXEL_DIFFERENCE, f"page {number}: {changed:.1%} pixels differ"
        assert source.histogram()[0] > 0.02 * source.width * source.height, "blank source page"


async def last_job_id(api: Api) -> int:
    jobs = await api.get("/fax/jobs?limit=1")
    return int(jobs[0]["id"]) if jobs else 0


async def job_where(api: Api, after_id: int, **match: Any) -> dict[str, Any] | None:
    for job in await api.get("/fax/jobs?limit=50"):
        if job["id"] > after_id and all(job.get(k) == v for k, v in match.items()):
            return dict(job)
    return None


async def wait_job(api: Api, after_id: int, timeout_s: float, **match: Any) -> dict[str, Any]:
    """The first job newer than ``after_id`` matching ``match``, once finished."""
    found: dict[str, Any] = {}

    async def finished() -> bool:
        job = await job_where(api, after_id, **match)
        if job is not None and job["status"] in ("done", "failed"):
            found.update(job)
            return True
        return False

    await wait_until(finished, timeout_s, f"a finished fax job {match}")
    return found


async def reach_fax_menu(harness: AriHarness, document: str) -> SimCaller:
    caller = await harness.call("8000", caller_id=f"555{uuid.uuid4().int % 10000:04d}")
    await asyncio.sleep(1.0)
    await caller.press("3")  # barges into the menu prompt
    await asyncio.sleep(1.5)
    await caller.press(f"{document}#")
    await asyncio.sleep(2.0)  # fax.check_document, then the 1/2 choice prompt
    return caller


async def test_given_fax_menu_when_choosing_this_call_then_a_fax_machine_receives_document_1(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    fax_dialplan: Path,
    clean_pbx: None,
) -> None:
    documents = await api.get("/fax/documents")
    assert {"number": "1", "title": documents[0]["title"], "pages": 2} in documents

    after_id = await last_job_id(api)
    caller = await reach_fax_menu(harness, "1")
    await caller.press("1")
    # The caller's line turns into a fax machine: ReceiveFAX on its side.
    await harness.ari.set_channel_variable(
        caller.channel_id, "TEST_FAX_FILE", f"{TEST_SPOOL}/same-call.tif"
    )
    await harness.ari.continue_in_dialplan(
        caller.channel_id, context="hotline-fax-test", extension="receive", priority=1
    )

    job = await wait_job(api, after_id, 120, kind="on_demand", remote_number=caller.caller_id)
    assert job["status"] == "done", job
    assert job["pages"] == 2 and job["rate_bps"] >= 2400 and job["document"] == "1"
    assert job["t38"] is False  # Local channels carry audio: G.711 fax
    assert_same_pages(fax_dialplan / "same-call.tif", document_tiff(hotline_env))


async def test_given_fax_menu_when_choosing_fax_back_then_the_number_receives_document_1(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    fax_dialplan: Path,
    clean_pbx: None,
) -> None:
    after_id = await last_job_id(api)
    caller = await reach_fax_menu(harness, "1")
    await caller.press("2")
    await asyncio.sleep(2.0)
    await caller.press(f"{FAX_BACK_NUMBER}#")

    job = await wait_job(api, after_id, 150, kind="fax_back", remote_number=FAX_BACK_NUMBER)
    assert job["status"] == "done", job
    assert job["attempts"] == 1 and job["pages"] == 2
    await caller.hangup()
    assert_same_pages(fax_dialplan / "fax-back.tif", document_tiff(hotline_env))


async def test_given_a_knowledge_article_when_faxed_then_the_number_receives_its_page(
    api: Api, hotline_env: dict[str, str], fax_dialplan: Path, clean_pbx: None
) -> None:
    """An agent sends the demo article by fax (WO-25): its PDF goes out by
    fax-back over real T.30 and the far machine counts one page with text."""
    after_id = await last_job_id(api)
    (hit,) = [
        h
        for h in (await api.get("/knowledge?q=" + quote("水费")))["hits"]
        if h["department"] == "billing"
    ]
    sent = await api.post(f"/knowledge/{hit['id']}/send", {"channel": "fax", "to": FAX_BACK_NUMBER})
    assert sent["fax_job_id"] > after_id
    job = await wait_job(api, after_id, 150, kind="fax_back", remote_number=FAX_BACK_NUMBER)
    assert job["status"] == "done", job
    assert job["pages"] == 1
    (page,) = pages_of(fax_dialplan / "fax-back.tif")
    assert page.width == 1728
    # The title, the text: black pixels on the page, well above a blank one's.
    assert page.histogram()[0] > 0.002 * page.width * page.height
    # Not a catalogue document: callers cannot key it, the page does not list it.
    assert all(d["number"] != f"K{hit['id']}v1" for d in await api.get("/fax/documents"))


async def test_given_fax_did_when_a_fax_machine_sends_then_a_pdf_is_stored_and_emailed(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    smtp_inbox: Inbox,
    fax_dialplan: Path,
    clean_pbx: None,
) -> None:
    address = f"fax-{uuid.uuid4().hex[:8]}@example.test"
    assert await api.put(f"/fax/dids/{FAX_DID}", {"email": address}) == {
        "number": FAX_DID,
        "email": address,
    }
    source = document_tiff(hotline_env)
    in_chroot = "/" + str(source.relative_to(hotline_env["HOTLINE_ASTERISK_ROOT"] or "/"))
    sender = "5550199"
    after_id = await last_job_id(api)
    await harness.ari.originate(
        f"Local/{FAX_DID}@from-pstn/n",
        context="hotline-fax-test",
        extension="send",
        priority=1,
        caller_id=f'"Fax sender" <{sender}>',
        variables={"TEST_FAX_FILE": in_chroot},
        timeout_s=30,
    )

    job = await wait_job(api, after_id, 120, kind="inbound", local_number=FAX_DID)
    assert job["status"] == "done", job
    assert job["pages"] == 2 and job["has_pdf"] and job["remote_number"] == sender
    pdf = await asyncio.to_thread(download, hotline_env, f"/fax/jobs/{job['id']}/pdf")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2

    mail = await smtp_inbox.wait_for(lambda m: address in str(m["To"]), 30)
    attachments = [part for part in mail.iter_attachments()]
    assert [part.get_content_type() for part in attachments] == ["application/pdf"]
    attached = attachments[0].get_payload(decode=True)
    assert isinstance(attached, bytes)
    assert len(PdfReader(io.BytesIO(attached)).pages) == 2


PREMIUM_NUMBER = "0900123456"  # refused by the default HOTLINE_DIAL_REFUSE (^0?900)


@pytest.mark.security
async def test_given_fax_menu_when_keying_a_premium_number_then_refused_and_never_queued(
    harness: AriHarness, api: Api, clean_pbx: None
) -> None:
    """Fax-back dials only national numbers: a premium-rate (or international)
    number hears "cannot be completed as dialled" and may key another; no job."""
    after_id = await last_job_id(api)
    caller = await reach_fax_menu(harness, "1")
    await caller.press("2")
    await asyncio.sleep(2.0)
    await caller.press(f"{PREMIUM_NUMBER}#")
    await asyncio.sleep(1.0)  # fax.check_destination, then the refusal plays
    heard = await caller.listen(3.0)
    assert audible_seconds(heard) >= 1.0, "no refusal prompt"
    assert await caller.is_up(), "a refused number should be keyed again, not hung up on"
    await asyncio.sleep(2.0)
    assert await job_where(api, after_id, kind="fax_back", remote_number=PREMIUM_NUMBER) is None
    await caller.hangup()
