"""Flow node kind ``fax_on_demand``: the caller keys a document, then gets it.

1. "Enter the document number, then #" (digits until ``#``, barge-in, the
   wait starts when the prompt ends).  The ``fax.check_document`` service
   says whether it exists; an unknown number re-prompts up to
   ``max_attempts`` times.
2. ``mode``: ``same_call`` sends on this line, ``fax_back`` asks for a fax
   number, ``ask`` lets the caller choose: 1 = this call, 2 = fax-back.
3. Same call: ``start_prompt`` ("press start on your fax machine"), then
   ``fax.send_here`` hands the channel to SendFAX; the flow ends there.
   Fax-back: digits until ``#``; ``fax.check_destination`` applies the
   toll-fraud rules (``hotline/dial_policy.py``: national numbers only, no
   premium-rate prefix, a daily limit per caller and per number).  A number
   the rules refuse hears ``refused_prompt`` and may key another (it counts
   as an attempt); a caller over a daily limit hears ``limit_prompt`` and
   the flow goes to ``on_failure`` (or hangs up).  Then ``fax.queue_back``
   queues a job, the caller hears ``queued_prompt`` and the flow goes on at
   ``next`` (or hangs up).  The scheduler checks the number again before
   each dial (``fax/scheduler.py``).

The activation is pure: digits, prompts and service answers in, commands
out; the database look-ups happen in the call services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final, Self

from ari_apps.ivr.commands import Command, InputRecorded, RunCallService
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import CallServiceFinished
from ari_apps.ivr.menu_core import DigitEntry
from ari_apps.ivr.node_input import PromptingActivation
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind

MODES: Final = ("ask", "same_call", "fax_back")
MAX_DIGITS: Final = 20

DEFAULT_DOCUMENT_PROMPT: Final = (
    "sound:dir-pls-enter",
    "sound:number",
    "sound:astcc-followed-by-the-pound-key",
)
DEFAULT_CHOICE_PROMPT: Final = ("sound:vm-press", "digits:1", "sound:vm-press", "digits:2")
DEFAULT_START_PROMPT: Final = ("sound:one-moment-please",)
DEFAULT_NUMBER_PROMPT: Final = (
    "sound:vm-enter-num-to-call",
    "sound:astcc-followed-by-the-pound-key",
)
DEFAULT_QUEUED_PROMPT: Final = ("sound:auth-thankyou",)
DEFAULT_INVALID_PROMPT: Final = ("sound:pbx-invalid",)
# "Your call cannot be completed as dialed. Please check the number and dial again."
DEFAULT_REFUSED_PROMPT: Final = ("sound:cannot-complete-as-dialed",)
DEFAULT_LIMIT_PROMPT: Final = ("sound:please-try-call-later",)  # "...try your call again later."

# The toll-fraud check (fax/guard.py registers it) and its outcomes.
CHECK_DESTINATION_SERVICE: Final = "fax.check_destination"
DESTINATION_ALLOWED: Final = "allowed"
DESTINATION_REFUSED: Final = "refused"
DESTINATION_LIMITED: Final = "limited"


@register_node_kind("fax_on_demand")
@dataclass(frozen=True, kw_only=True)
class FaxOnDemandNode(NodeSpec):
    waits_for_caller = True

    mode: str = "ask"
    document_prompt: tuple[str, ...] = DEFAULT_DOCUMENT_PROMPT
    choice_prompt: tuple[str, ...] = DEFAULT_CHOICE_PROMPT
    start_prompt: tuple[str, ...] = DEFAULT_START_PROMPT
    number_prompt: tuple[str, ...] = DEFAULT_NUMBER_PROMPT
    queued_prompt: tuple[str, ...] = DEFAULT_QUEUED_PROMPT
    invalid_prompt: tuple[str, ...] = DEFAULT_INVALID_PROMPT
    refused_prompt: tuple[str, ...] = DEFAULT_REFUSED_PROMPT
    limit_prompt: tuple[str, ...] = DEFAULT_LIMIT_PROMPT
    timeout_s: float = 6.0
    inter_digit_timeout_s: float = 4.0
    max_attempts: int = 3
    next: str | None = None
    on_invalid: str | None = None
    on_failure: str | None = None

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        mode = config.optional_text("mode") or "ask"
        if mode not in MODES:
            config.fail(f"'mode' must be one of {', '.join(MODES)}, not {mode!r}")
        return cls(
            node_id=config.node_id,
            mode=mode,
            document_prompt=config.media("document_prompt") or DEFAULT_DOCUMENT_PROMPT,
            choice_prompt=config.media("choice_prompt") or DEFAULT_CHOICE_PROMPT,
            start_prompt=config.media("start_prompt") or DEFAULT_START_PROMPT,
            number_prompt=config.media("number_prompt") or DEFAULT_NUMBER_PROMPT,
            queued_prompt=config.media("queued_prompt") or DEFAULT_QUEUED_PROMPT,
            invalid_prompt=config.media("invalid_prompt") or DEFAULT_INVALID_PROMPT,
            refused_prompt=config.media("refused_prompt") or DEFAULT_REFUSED_PROMPT,
            limit_prompt=config.media("limit_prompt") or DEFAULT_LIMIT_PROMPT,
            timeout_s=config.seconds("timeout_s", 6.0, 1.0, 60.0),
            inter_digit_timeout_s=config.seconds("inter_digit_timeout_s", 4.0, 1.0, 30.0),
            max_attempts=config.integer("max_attempts", 3, 1, 10),
            next=config.optional_node_ref("next"),
            on_invalid=config.optional_node_ref("on_invalid"),
            on_failure=config.optional_node_ref("on_failure"),
        )

    def edges(self) -> Mapping[str, str]:
        edges: dict[str, str] = {}
        for label in ("next", "on_invalid", "on_failure"):
            target = getattr(self, label)
            if target is not None:
                edges[label] = target
        return edges

    def media(self) -> tuple[str, ...]:
        return (
            self.document_prompt
            + self.choice_prompt
            + self.start_prompt
            + self.number_prompt
            + self.queued_prompt
            + self.invalid_prompt
            + self.refused_prompt
            + self.limit_prompt
        )

    def variables_set(self) -> frozenset[str]:
        return frozenset(
            {
                "fax_document",
                "fax_document_title",
                "fax_document_pages",
                "fax_job",
                "fax_number",
                "fax_refusal",
            }
        )

    def activate(self, context: NodeContext) -> Activation:
        return _FaxActivation(self, context)


class _Stage(Enum):
    DOCUMENT = "document"  # keying the document number
    CHECKING = "checking"  # fax.check_document running
    CHOICE = "choice"  # 1 this call / 2 fax-back
    START = "start"  # "press start" playing, then fax.send_here
    SENDING = "sending"  # fax.send_here running (normally hands the call off)
    NUMBER = "number"  # keying the fax-back number
    CHECKING_NUMBER = "checking_number"  # fax.check_destination running
    REFUSED = "refused"  # the refusal playing, then on_failure
    QUEUING = "queuing"  # fax.queue_back running
    QUEUED = "queued"  # "your fax will be sent" playing


class _FaxActivation(PromptingActivation):
    def __init__(self, spec: FaxOnDemandNode, context: NodeContext) -> None:
        super().__init__(context, spec.max_attempts)
        self.spec = spec
        self.stage = _Stage.DOCUMENT
        self.entry = DigitEntry(MAX_DIGITS)
        self.document = ""
        self.number = ""
        self.request_id: str | None = None

    # -- prompts, timers, services ---------------------------------------------------
    def _prompt(self, stage: _Stage, media: tuple[str, ...]) -> Command:
        """Enter ``stage`` playing ``media``; the wait for digits starts when it ends."""
        self.stage = stage
        self.entry.clear()
        return self._play_then_wait(media, self.spec.timeout_s)

    def _service(self, stage: _Stage, name: str, **params: str) -> Command:
        self.stage = stage
        self.request_id = self.context.new_request_id()
        return RunCallService(self.request_id, name, params)

    def _stage_prompt(self, stage: _Stage) -> tuple[str, ...]:
        if stage is _Stage.CHOICE:
            return self.spec.choice_prompt
        if stage is _Stage.NUMBER:
            return self.spec.number_prompt
        return self.spec.document_prompt

    def _failed(self, commands: list[Command], stage: _Stage, kind: str, value: str) -> Step:
        """Invalid or missing input at ``stage``: re-prompt, or give up."""
        commands.append(InputRecorded(self.spec.node_id, kind, value))
        if self.attempts.fail():
            return Step.go_or_hangup(self.spec.on_invalid, "fax_attempts_exhausted", *commands)
        retry = self.spec.invalid_prompt if kind == "invalid" else ()
        return Step.stay(*commands, self._prompt(stage, retry + self._stage_prompt(stage)))

    def _next_stage(self, stage: _Stage, media: tuple[str, ...]) -> Command:
        self.attempts.reset()  # each question gets its own attempts
        return self._prompt(stage, media)

    # -- events -------------------------------------------------------------------------
    def start(self) -> Step:
        return Step.stay(self._prompt(_Stage.DOCUMENT, self.spec.document_prompt))

    def on_playback_finished(self, playback_id: str) -> Step:
        if not self.prompt.prompt_done(playback_id):
            return Step()
        if self.stage is _Stage.START:
            return Step.stay(self._service(_Stage.SENDING, "fax.send_here", document=self.document))
        if self.stage is _Stage.QUEUED:
            return Step.go_or_hangup(self.spec.next, "fax_back_queued")
        if self.stage is _Stage.REFUSED:
            return Step.go_or_hangup(self.spec.on_failure, "fax_back_refused")
        return Step.stay(self._start_timer(self.spec.timeout_s))

    def on_dtmf(self, digit: str) -> Step:
        if self.stage is _Stage.CHOICE:
            commands = self._interrupt()
            if digit == "1":
                commands.append(InputRecorded(self.spec.node_id, "dtmf", digit))
                return Step.stay(*commands, self._send_here())
            if digit == "2":
                commands.append(InputRecorded(self.spec.node_id, "dtmf", digit))
                return Step.stay(
                    *commands, self._next_stage(_Stage.NUMBER, self.spec.number_prompt)
                )
            return self._failed(commands, _Stage.CHOICE, "invalid", digit)
        if self.stage not in (_Stage.DOCUMENT, _Stage.NUMBER):
            return Step()  # digits while a service runs or the last prompt plays
        commands = self._interrupt()
        if self.entry.press(digit):
            return self._complete(commands)
        commands.append(self._start_timer(self.spec.inter_digit_timeout_s))
        return Step.stay(*commands)

    def on_timer(self, timer_id: str) -> Step:
        if not self.prompt.timer_fired(timer_id):
            return Step()
        if self.stage in (_Stage.DOCUMENT, _Stage.NUMBER) and self.entry.digits:
            return self._complete([])
        if self.stage in (_Stage.DOCUMENT, _Stage.NUMBER, _Stage.CHOICE):
            return self._failed([], self.stage, "timeout", "")
        if self.stage is _Stage.REFUSED:  # the refusal had nothing to play
            return Step.go_or_hangup(self.spec.on_failure, "fax_back_refused")
        return Step()

    def _complete(self, commands: list[Command]) -> Step:
        value = self.entry.take()
        if not value or not value.isdigit():
            return self._failed(commands, self.stage, "invalid", value)
        commands.append(InputRecorded(self.spec.node_id, "digits", value))
        if self.stage is _Stage.DOCUMENT:
            self.document = value
            commands.append(self._service(_Stage.CHECKING, "fax.check_document", document=value))
            return Step.stay(*commands)
        self.context.set_variable("fax_number", value)
        self.number = value
        commands.append(
            self._service(_Stage.CHECKING_NUMBER, CHECK_DESTINATION_SERVICE, number=value)
        )
        return Step.stay(*commands)

    def _ask_number(self) -> Command:
        return self._next_stage(_Stage.NUMBER, self.spec.number_prompt)

    def _send_here(self) -> Command:
        return self._next_stage(_Stage.START, self.spec.start_prompt)

    def on_service_finished(self, event: CallServiceFinished) -> Step:
        if event.request_id != self.request_id:
            return Step()
        self.request_id = None
        if self.stage is _Stage.CHECKING:
            if event.outcome != "found":
                return self._failed([], _Stage.DOCUMENT, "invalid", self.document)
            if self.spec.mode == "same_call":
                return Step.stay(self._send_here())
            if self.spec.mode == "fax_back":
                return Step.stay(self._ask_number())
            return Step.stay(self._next_stage(_Stage.CHOICE, self.spec.choice_prompt))
        if self.stage is _Stage.CHECKING_NUMBER:
            return self._destination_checked(event)
        if self.stage is _Stage.QUEUING and event.outcome == "queued":
            return Step.stay(self._next_stage(_Stage.QUEUED, self.spec.queued_prompt))
        # fax.send_here came back instead of handing the call off, or queuing failed.
        return Step.go_or_hangup(self.spec.on_failure, f"fax_{event.outcome}")

    def _destination_checked(self, event: CallServiceFinished) -> Step:
        if event.outcome == DESTINATION_ALLOWED:
            queue = self._service(
                _Stage.QUEUING, "fax.queue_back", document=self.document, number=self.number
            )
            return Step.stay(queue)
        reason = event.variables.get("fax_refusal", event.outcome)[:64]
        recorded = InputRecorded(self.spec.node_id, "fax_back_refused", reason)
        if event.outcome == DESTINATION_REFUSED:
            if not self.attempts.fail():
                retry = self.spec.refused_prompt + self.spec.number_prompt
                return Step.stay(recorded, self._prompt(_Stage.NUMBER, retry))
            return Step.stay(recorded, self._prompt(_Stage.REFUSED, self.spec.refused_prompt))
        if event.outcome == DESTINATION_LIMITED:
            return Step.stay(recorded, self._prompt(_Stage.REFUSED, self.spec.limit_prompt))
        return Step.go_or_hangup(self.spec.on_failure, f"fax_{event.outcome}", recorded)
