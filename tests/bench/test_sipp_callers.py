"""The real-SIP callers' bookkeeping: SIPp's short message trace in, outcomes out."""

from __future__ import annotations

import itertools

from tests.bench.sipp_callers import SippStep, parse_short_messages, sipp_command, step_outcomes


def _line(epoch: float, direction: str, call_id: str, cseq: str, first: str) -> str:
    return "\t".join(
        ["2026-12-04", "19:20:59.616180", f"{epoch:.6f}", direction, call_id, cseq, first]
    )


def _trace(*calls: list[str]) -> str:
    return "\n".join(line for call in calls for line in call) + "\n"


def _completed(call_id: str, start: float, answer_after_s: float) -> list[str]:
    return [
        _line(start, "S", call_id, "CSeq:1 INVITE", "INVITE sip:8000@127.0.0.1:5060 SIP/2.0"),
        _line(start + 0.0005, "R", call_id, "CSeq:1 INVITE", "SIP/2.0 100 Trying"),
        _line(start + answer_after_s, "R", call_id, "CSeq:1 INVITE", "SIP/2.0 200 OK"),
        _line(start + answer_after_s, "S", call_id, "CSeq:1 ACK", "ACK sip:127.0.0.1 SIP/2.0"),
        _line(start + 6, "S", call_id, "CSeq:2 BYE", "BYE sip:127.0.0.1:5060 SIP/2.0"),
        _line(start + 6.001, "R", call_id, "CSeq:2 BYE", "SIP/2.0 200 OK"),
    ]


def test_given_a_completed_call_then_its_answer_time_comes_from_the_trace() -> None:
    calls = parse_short_messages(_trace(_completed("1-1@x", 100.0, 0.0042)))
    assert len(calls) == 1
    assert calls[0].failure == ""
    assert calls[0].dial_to_answer_ms is not None
    assert abs(calls[0].dial_to_answer_ms - 4.2) < 0.01


def test_given_refused_or_hung_up_calls_then_each_failure_is_named() -> None:
    refused = [
        _line(1.0, "S", "2-1@x", "CSeq:1 INVITE", "INVITE sip:8000@h SIP/2.0"),
        _line(1.001, "R", "2-1@x", "CSeq:1 INVITE", "SIP/2.0 503 Service Unavailable"),
    ]
    hung_up = [
        *_completed("3-1@x", 2.0, 0.01)[:4],
        _line(4.0, "R", "3-1@x", "CSeq:102 BYE", "BYE sip:555@127.0.0.1 SIP/2.0"),
    ]
    silent = [_line(5.0, "S", "4-1@x", "CSeq:1 INVITE", "INVITE sip:8000@h SIP/2.0")]
    unanswered_bye = _completed("5-1@x", 6.0, 0.01)[:5]
    calls = parse_short_messages(_trace(refused, hung_up, silent, unanswered_bye))
    assert [c.failure for c in calls] == [
        "rejected_503",
        "hung_up_by_service",
        "not_answered",
        "bye_unanswered",
    ]


def test_given_fewer_agent_answers_than_completed_calls_then_the_shortfall_fails() -> None:
    calls = parse_short_messages(
        _trace(*(_completed(f"{n}-1@x", float(n), 0.003) for n in range(1, 5)))
    )
    outcomes = step_outcomes(calls, agent_answers=3, prefix="sip")
    assert [o.failure for o in outcomes] == ["", "", "", "no_agent"]
    assert all(o.dial_to_answer_ms is not None for o in outcomes)
    assert [o.ok for o in step_outcomes(calls, agent_answers=9, prefix="sip")] == [True] * 4


def test_given_garbage_lines_then_they_are_skipped() -> None:
    text = "not a trace\n\t\t\n" + _trace(_completed("1-1@x", 1.0, 0.002)) + "x\ty\tz\n"
    assert [c.call_id for c in parse_short_messages(text)] == ["1-1@x"]


def test_given_a_step_then_sipp_holds_that_many_calls_through_the_chosen_trunk() -> None:
    step = SippStep("hotline", "8000", "yes", 40, 15.0, 6.0, 5060, 5099, 30000)
    command = sipp_command(step)
    assert command[:2] == ["sipp", "127.0.0.1:5060"]
    pairs = dict(itertools.pairwise(command))
    assert pairs["-s"] == "8000"
    assert pairs["-l"] == "40"
    assert pairs["-d"] == "6000"
    assert command[command.index("-key") + 1 : command.index("-key") + 3] == ["trunk", "yes"]
    assert "-trace_shortmsg" in command
