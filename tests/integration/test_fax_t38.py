"""T.38 fax over a real SIP trunk: Asterisk calls itself through PJSIP.

The other fax tests run over Local channels, which carry audio only, so
they prove G.711 fax.  Here a test-only PJSIP trunk with ``t38_udptl=yes``
loops back into the same Asterisk over UDP: the outbound leg presents itself
with the From user ``hotline-t38-far``, which identifies the inbound leg as
the endpoint of that name (also ``t38_udptl=yes``, context ``from-pstn``).
Between the two legs runs real SIP, with a re-INVITE from audio to T.38 and
UDPTL packets, just as with a carrier or a fax ATA that speaks T.38.

1. Fax-back: ``to-pstn`` routes the test number out of the trunk; the far
   end answers with ReceiveFAX.  The job must end in T.38 mode (FAXMODE on
   Hotline's side), the far side must say T.38 too, and the pages must match.
2. Fax in: SendFAX on a channel dialled out of the trunk to the fax DID; the
   job must have received the document in T.38 and stored a 2-page PDF.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from hotline.asterisk_account import asterisk_writable_dir
from tests.integration.conftest import Api
from tests.integration.harness import AriHarness
from tests.integration.pbx_config import extra_config
from tests.integration.phones import wait_until
from tests.integration.smtp import Inbox
from tests.integration.test_fax import (
    FAX_DID,
    TEST_SPOOL,
    assert_same_pages,
    document_tiff,
    download,
    last_job_id,
    reach_fax_menu,
    wait_job,
)

pytestmark = pytest.mark.asterisk

T38_FAX_BACK_NUMBER = "5559038"
FAR_FAX_NUMBER = "5559138"  # what the trunk dials; lands in from-pstn
TRUNK = "hotline-t38-trunk"
FAR_ENDPOINT = "hotline-t38-far"
FAR_MODE_VARIABLE = "HOTLINE_TEST_T38_FAR_MODE"

T38_DIALPLAN = f"""
; test_fax_t38.py: a fax number behind a T.38 SIP trunk (Asterisk itself).
[to-pstn]
exten => {T38_FAX_BACK_NUMBER},1,Dial(PJSIP/{FAR_FAX_NUMBER}@{TRUNK},30)
 same => n,Hangup()

[from-pstn]
exten => {FAR_FAX_NUMBER},1,Goto(hotline-t38-far-fax,s,1)

; Its own context: an "h" in from-pstn would run for every caller there.
[hotline-t38-far-fax]
exten => s,1,Answer()
 same => n,ReceiveFAX({TEST_SPOOL}/fax-back-t38.tif)
 same => n,Hangup()
exten => h,1,Set(GLOBAL({FAR_MODE_VARIABLE})=${{FAXMODE}})

[hotline-t38-test]
exten => send,1,SendFAX(${{TEST_FAX_FILE}})
 same => n,Hangup()
"""


def t38_trunks(sip_port: str) -> str:
    return f"""
; test_fax_t38.py: a loopback T.38 trunk and the far end it reaches.
[{TRUNK}]
type = aor
contact = sip:127.0.0.1:{sip_port}

[{TRUNK}]
type = endpoint
context = hotline-t38-nowhere
aors = {TRUNK}
from_user = {FAR_ENDPOINT}
disallow = all
allow = ulaw,alaw
direct_media = no
t38_udptl = yes
t38_udptl_ec = none

[{FAR_ENDPOINT}]
type = endpoint
context = from-pstn
disallow = all
allow = ulaw,alaw
direct_media = no
t38_udptl = yes
t38_udptl_ec = none
"""


@pytest.fixture
async def t38_trunk(hotline_env: dict[str, str]) -> AsyncIterator[Path]:
    """The trunk and the test dialplan live in Hotline's include files while the test runs."""
    trunks = t38_trunks(hotline_env["HOTLINE_SIP_PORT"])
    async with extra_config(dialplan=T38_DIALPLAN, trunks=trunks) as applier:
        shown = await applier.cli.run(f"pjsip show endpoint {TRUNK}")
        assert "t38_udptl" in shown.output and TRUNK in shown.output, shown.output
        spool = Path(hotline_env["HOTLINE_ASTERISK_ROOT"] or "/") / TEST_SPOOL.lstrip("/")
        # The receiving fax machine is the unprivileged Asterisk.
        asterisk_writable_dir(spool, hotline_env["HOTLINE_ASTERISK_ROOT"])
        (spool / "fax-back-t38.tif").unlink(missing_ok=True)
        yield spool


async def far_fax_mode(harness: AriHarness) -> str:
    answer = await harness.ari.request(
        "GET", "/asterisk/variable", params={"variable": FAR_MODE_VARIABLE}
    )
    return str(answer.get("value", "")) if isinstance(answer, dict) else ""


async def test_given_t38_trunk_when_fax_back_then_the_document_goes_over_t38(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    t38_trunk: Path,
    clean_pbx: None,
) -> None:
    await harness.ari.request(
        "POST", "/asterisk/variable", params={"variable": FAR_MODE_VARIABLE, "value": ""}
    )
    after_id = await last_job_id(api)
    caller = await reach_fax_menu(harness, "1")
    await caller.press("2")
    await asyncio.sleep(2.0)
    await caller.press(f"{T38_FAX_BACK_NUMBER}#")

    job = await wait_job(api, after_id, 150, kind="fax_back", remote_number=T38_FAX_BACK_NUMBER)
    await caller.hangup()
    assert job["status"] == "done", job
    assert job["attempts"] == 1 and job["pages"] == 2 and job["error"] == "", job
    assert job["t38"] is True, job
    # The far end's dialplan records its mode once its ReceiveFAX returns,
    # which may be a moment after Hotline's side has reported the job.
    far_modes: list[str] = []

    async def far_finished() -> bool:
        far_modes.append(await far_fax_mode(harness))
        return far_modes[-1] != ""

    await wait_until(far_finished, 10, "the far fax machine to report its mode")
    assert far_modes[-1] == "T38"
    assert_same_pages(t38_trunk / "fax-back-t38.tif", document_tiff(hotline_env))


async def test_given_t38_trunk_when_a_fax_machine_sends_to_the_fax_did_then_it_arrives_over_t38(
    harness: AriHarness,
    api: Api,
    hotline_env: dict[str, str],
    smtp_inbox: Inbox,
    t38_trunk: Path,
    clean_pbx: None,
) -> None:
    address = f"fax-t38-{uuid.uuid4().hex[:8]}@example.test"
    await api.put(f"/fax/dids/{FAX_DID}", {"email": address})
    source = document_tiff(hotline_env)
    in_chroot = "/" + str(source.relative_to(hotline_env["HOTLINE_ASTERISK_ROOT"] or "/"))
    after_id = await last_job_id(api)
    # SendFAX runs on the trunk's own outbound channel: no Local channel between.
    await harness.ari.originate(
        f"PJSIP/{FAX_DID}@{TRUNK}",
        context="hotline-t38-test",
        extension="send",
        priority=1,
        caller_id='"T.38 sender" <5550238>',
        variables={"TEST_FAX_FILE": in_chroot},
        timeout_s=30,
    )

    job = await wait_job(api, after_id, 120, kind="inbound", local_number=FAX_DID)
    assert job["status"] == "done", job
    assert job["pages"] == 2 and job["has_pdf"], job
    assert job["t38"] is True, job
    pdf = download(hotline_env, f"/fax/jobs/{job['id']}/pdf")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    mail = await smtp_inbox.wait_for(lambda m: address in str(m["To"]), 30)
    assert "T.38" in str(mail.get_body(preferencelist=("plain",)))
