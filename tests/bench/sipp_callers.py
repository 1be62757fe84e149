"""Real-SIP callers for the benchmark (``make bench-sip``): SIPp over UDP and RTP.

The ARI callers (``caller.py``) are Local channels inside Asterisk.  These
are a separate SIPp process speaking SIP and RTP to Asterisk like a carrier
would, through the sandbox's demo inbound trunk (``hotline/asterisk_config.py``,
``demo_trunk``): G.711 a-law audio towards the service, the menu choice as an
RFC 4733 telephone-event, a BYE at the end (``sipp/caller.xml``).

What is counted, per step:

* every call SIPp started, with its dial-to-answer time (INVITE sent to
  200 OK received, from SIPp's short message trace);
* a call succeeds when SIPp completed it (answered, digit sent, nobody hung
  up on it, BYE answered) *and* an agent answered it: each half's bench
  agents are one baresip process whose log says "Call established" once per
  call answered, so the step's count of those is the number of callers who
  reached an agent.  SIPp cannot tell which of its calls an agent took, so
  when fewer agents answered than SIPp completed, the difference counts as
  failures ("no_agent").

SIPp hears but does not analyse the audio, so unlike the ARI callers this
mode has no "first audio" instant: its latency column is dial to answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tests.bench.stats import CallOutcome, StepResult

SCENARIO = Path(__file__).parent / "sipp" / "caller.xml"
SCENARIO_NAME = SCENARIO.stem  # SIPp names its trace files after it
ESTABLISHED = b"Call established"


@dataclass(frozen=True)
class SippStep:
    half: str
    did: str
    trunk: str  # the demo trunk header's value: which trunk, so which context
    concurrency: int
    duration_s: float  # new calls start only within this window
    call_s: float  # the call's length after the digit
    sip_port: int
    local_port: int
    media_port: int


def sipp_command(step: SippStep) -> list[str]:
    """One SIPp run for one step: ``concurrency`` calls up at once."""
    call_ms = int(step.call_s * 1000)
    return [
        "sipp",
        f"127.0.0.1:{step.sip_port}",
        "-sf",
        str(SCENARIO),
        "-s",
        step.did,
        "-key",
        "trunk",
        step.trunk,
        # At most N calls at once, and N new ones per call length: N up.
        "-l",
        str(step.concurrency),
        "-r",
        str(step.concurrency),
        "-rp",
        str(call_ms + 1000),
        "-d",
        str(call_ms),
        "-i",
        "127.0.0.1",
        "-p",
        str(step.local_port),
        "-mi",
        "127.0.0.1",
        "-mp",
        str(step.media_port),
        "-nostdin",
        "-trace_shortmsg",
        "-trace_err",
        # A call that hears nothing for this long has failed.
        "-recv_timeout",
        "30000",
        "-timeout",
        f"{int(step.duration_s + step.call_s + 60)}s",
        "-timeout_error",
    ]


@dataclass
class SippCall:
    """One call as SIPp's short message trace shows it."""

    call_id: str
    invited_at: float | None = None
    answered_at: float | None = None
    final_status: str = ""  # the INVITE's final response code
    hung_up_by_service: bool = False
    bye_answered: bool = False

    @property
    def failure(self) -> str:
        if self.answered_at is None:
            return f"rejected_{self.final_status}" if self.final_status else "not_answered"
        if self.hung_up_by_service:
            return "hung_up_by_service"
        if not self.bye_answered:
            return "bye_unanswered"
        return ""

    @property
    def dial_to_answer_ms(self) -> float | None:
        if self.invited_at is None or self.answered_at is None:
            return None
        return (self.answered_at - self.invited_at) * 1000


def parse_short_messages(text: str) -> list[SippCall]:
    """SIPp's ``-trace_shortmsg`` log, one call per Call-ID in order.

    Each line: date, time, epoch, S(ent) or R(eceived), Call-ID, CSeq, and
    the message's first line, tab-separated.  (SIPp's own response-time
    trace counts whole milliseconds of its internal clock and showed 0 ms
    for a 4 ms answer, so the times come from here.)
    """
    calls: dict[str, SippCall] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) < 7:
            continue
        _date, _time, epoch_text, direction, call_id, cseq, first_line = fields[:7]
        try:
            epoch = float(epoch_text)
        except ValueError:
            continue
        call = calls.setdefault(call_id, SippCall(call_id))
        method = cseq.split()[-1] if cseq.split() else ""
        if direction == "S" and first_line.startswith("INVITE") and call.invited_at is None:
            call.invited_at = epoch
        elif direction == "R" and first_line.startswith("SIP/2.0 "):
            status = first_line.split()[1] if len(first_line.split()) > 1 else ""
            if method == "INVITE" and status >= "200":
                call.final_status = call.final_status or status
                if status == "200" and call.answered_at is None:
                    call.answered_at = epoch
            elif method == "BYE" and status == "200":
                call.bye_answered = True
        elif direction == "R" and first_line.startswith("BYE"):
            call.hung_up_by_service = True
    return list(calls.values())


def step_outcomes(calls: list[SippCall], agent_answers: int, prefix: str) -> list[CallOutcome]:
    """One outcome per call SIPp started (see the module docstring)."""
    outcomes = [
        CallOutcome(f"{prefix}-{call.call_id}", call.failure, call.dial_to_answer_ms)
        for call in calls
    ]
    completed = sum(1 for outcome in outcomes if outcome.ok)
    missing = completed - max(agent_answers, 0)
    if missing <= 0:
        return outcomes
    # Which completed calls no agent took is not known; the last ones count.
    marked: list[CallOutcome] = []
    for outcome in reversed(outcomes):
        if missing > 0 and outcome.ok:
            outcome = CallOutcome(outcome.call_id, "no_agent", outcome.dial_to_answer_ms)
            missing -= 1
        marked.append(outcome)
    return list(reversed(marked))


def established_count(agent_log: Path) -> int:
    try:
        return agent_log.read_bytes().count(ESTABLISHED)
    except FileNotFoundError:
        return 0


async def run_sipp_step(
    step: SippStep,
    workdir: Path,
    agent_log: Path,
    cpu_sampler: Callable[[], tuple[float, float | None]],
) -> StepResult:
    answers_before = established_count(agent_log)
    asterisk_before, hotline_before = cpu_sampler()
    wall_start = time.monotonic()
    with _fresh_output(workdir) as out:
        process = await asyncio.create_subprocess_exec(
            *sipp_command(step),
            cwd=workdir,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
        )
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), timeout=step.duration_s)
            if process.returncode is None:
                # SIGUSR1: no new calls; the calls up finish, then SIPp exits.
                os.kill(process.pid, signal.SIGUSR1)
                await asyncio.wait_for(process.wait(), timeout=step.call_s + 90)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    asterisk_after, hotline_after = cpu_sampler()
    wall_s = time.monotonic() - wall_start
    # The agents' side of the last calls ends a moment after SIPp's BYE.
    await asyncio.sleep(2)
    agent_answers = established_count(agent_log) - answers_before
    calls = parse_short_messages(_read(workdir, f"{SCENARIO_NAME}_*_shortmessages.log"))
    if not calls:
        raise RuntimeError(f"SIPp placed no call; see {workdir / 'sipp.out'}")
    outcomes = step_outcomes(calls, agent_answers, f"sip-{step.half}-{step.concurrency}")
    hotline_cpu = (
        hotline_after - hotline_before
        if hotline_after is not None and hotline_before is not None
        else None
    )
    return StepResult(
        concurrency=step.concurrency,
        outcomes=tuple(outcomes),
        asterisk_cpu_s=asterisk_after - asterisk_before,
        hotline_cpu_s=hotline_cpu,
        wall_s=wall_s,
    )


def _fresh_output(workdir: Path) -> BinaryIO:
    """SIPp's console output file, in a work directory without older traces."""
    workdir.mkdir(parents=True, exist_ok=True)
    for old in workdir.glob(f"{SCENARIO_NAME}_*"):
        old.unlink()
    return open(workdir / "sipp.out", "wb")


def _read(workdir: Path, pattern: str) -> str:
    files = sorted(workdir.glob(pattern))
    return files[-1].read_text(errors="replace") if files else ""
