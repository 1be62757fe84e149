"""Node kinds that wait for caller digits: ``menu`` and ``collect``.

Both support barge-in: a digit pressed while the prompt plays stops the
playback and counts. Their timers only start once the prompt has finished,
so a long prompt never eats into the caller's time to answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from ari_apps.ivr.commands import Command, InputRecorded
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.events import DTMF_DIGITS
from ari_apps.ivr.menu_core import Attempts, DigitEntry, PromptWait
from ari_apps.ivr.registry import Activation, NodeContext, NodeSpec, Step, register_node_kind
from ari_apps.ivr.templates import READ_ONLY_VARIABLES


class PromptingActivation(Activation):
    """Nodes that wait for digits (menu, collect, and feature nodes such as fax
    on demand), on the shared menu core (``menu_core.py``): one prompt and one
    timer, barge-in, and the pause starting after the prompt."""

    def __init__(self, context: NodeContext, max_attempts: int) -> None:
        self.context = context
        self.prompt = PromptWait()
        self.attempts = Attempts(max_attempts)

    def _play_then_wait(self, media: tuple[str, ...], wait_s: float) -> Command:
        play = self.context.play(media)
        if play is not None:
            return self.prompt.playing(play)
        return self._start_timer(wait_s)

    def _start_timer(self, seconds: float) -> Command:
        return self.prompt.waiting(self.context.start_timer(seconds))

    def _interrupt(self) -> list[Command]:
        """Stop the prompt and the pending timer because a digit arrived."""
        commands: list[Command] = []
        commands.extend(self.prompt.quiet())
        return commands

    def _prompt_finished(self, playback_id: str, wait_s: float) -> Step:
        if not self.prompt.prompt_done(playback_id):
            return Step()
        return Step.stay(self._start_timer(wait_s))

    def _is_current_timer(self, timer_id: str) -> bool:
        return self.prompt.timer_fired(timer_id)


@register_node_kind("menu")
@dataclass(frozen=True, kw_only=True)
class MenuNode(NodeSpec):
    """One-digit menu. Invalid digits and timeouts share one attempt counter;
    after ``max_attempts`` failures the call goes to ``on_invalid`` or
    ``on_timeout`` (by the last failure's cause), else ``on_exhausted``, else
    hangs up."""

    waits_for_caller = True

    prompt: tuple[str, ...]
    options: Mapping[str, str]
    timeout_s: float = 5.0
    max_attempts: int = 3
    invalid_prompt: tuple[str, ...] = ()
    timeout_prompt: tuple[str, ...] = ()
    on_exhausted: str | None = None
    on_invalid: str | None = None
    on_timeout: str | None = None

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        options: dict[str, str] = {}
        for digit, target in config.mapping("options", required=True).items():
            if digit not in DTMF_DIGITS:  # JSON keys are always strings
                config.fail(f"'options': {digit!r} is not a single DTMF digit")
            if not isinstance(target, str) or not target:
                config.fail(f"'options': target of {digit!r} must be a node id")
            options[digit] = target
        return cls(
            node_id=config.node_id,
            prompt=config.media("prompt", required=True),
            options=options,
            timeout_s=config.seconds("timeout_s", 5.0, 1.0, 60.0),
            max_attempts=config.integer("max_attempts", 3, 1, 10),
            invalid_prompt=config.media("invalid_prompt"),
            timeout_prompt=config.media("timeout_prompt"),
            on_exhausted=config.optional_node_ref("on_exhausted"),
            on_invalid=config.optional_node_ref("on_invalid"),
            on_timeout=config.optional_node_ref("on_timeout"),
        )

    def edges(self) -> Mapping[str, str]:
        edges = {f"option_{digit}": target for digit, target in self.options.items()}
        for label in ("on_exhausted", "on_invalid", "on_timeout"):
            target = getattr(self, label)
            if target is not None:
                edges[label] = target
        return edges

    def media(self) -> tuple[str, ...]:
        return self.prompt + self.invalid_prompt + self.timeout_prompt

    def activate(self, context: NodeContext) -> Activation:
        return _MenuActivation(self, context)


class _MenuActivation(PromptingActivation):
    def __init__(self, spec: MenuNode, context: NodeContext) -> None:
        super().__init__(context, spec.max_attempts)
        self.spec = spec

    def start(self) -> Step:
        return Step.stay(self._play_then_wait(self.spec.prompt, self.spec.timeout_s))

    def on_playback_finished(self, playback_id: str) -> Step:
        return self._prompt_finished(playback_id, self.spec.timeout_s)

    def on_dtmf(self, digit: str) -> Step:
        commands = self._interrupt()
        target = self.spec.options.get(digit)
        if target is not None:
            return Step.go(target, *commands, InputRecorded(self.spec.node_id, "dtmf", digit))
        commands.append(InputRecorded(self.spec.node_id, "invalid", digit))
        return self._failed(commands, self.spec.on_invalid, self.spec.invalid_prompt)

    def on_timer(self, timer_id: str) -> Step:
        if not self._is_current_timer(timer_id):
            return Step()
        recorded = InputRecorded(self.spec.node_id, "timeout", "")
        return self._failed([recorded], self.spec.on_timeout, self.spec.timeout_prompt)

    def _failed(
        self, commands: list[Command], branch: str | None, retry_prompt: tuple[str, ...]
    ) -> Step:
        if self.attempts.fail():
            target = branch or self.spec.on_exhausted
            return Step.go_or_hangup(target, "menu_attempts_exhausted", *commands)
        media = retry_prompt + self.spec.prompt
        return Step.stay(*commands, self._play_then_wait(media, self.spec.timeout_s))


@register_node_kind("collect")
@dataclass(frozen=True, kw_only=True)
class CollectNode(NodeSpec):
    """Collect several digits into ``variable``.

    Entry ends on the terminator, on reaching ``max_length`` or when the
    inter-digit timer expires. It is valid when at least ``min_length`` long
    and, if ``pattern`` is set, fully matching it. ``sensitive`` masks the
    value in the call-record timeline (PINs).
    """

    waits_for_caller = True

    variable: str
    prompt: tuple[str, ...]
    next: str
    retry_prompt: tuple[str, ...] = ()
    min_length: int = 1
    max_length: int = 16
    terminator: str | None = "#"
    first_digit_timeout_s: float = 5.0
    inter_digit_timeout_s: float = 3.0
    pattern: str | None = None
    max_attempts: int = 3
    on_invalid: str | None = None
    sensitive: bool = False

    @classmethod
    def parse(cls, config: ConfigReader) -> Self:
        variable = config.variable_name(config.text("variable"), "'variable'")
        if variable in READ_ONLY_VARIABLES:
            config.fail(f"'variable': {variable!r} is read-only")
        # Absent means "#"; null or "" means no terminator at all.
        terminator: str | None = "#"
        if "terminator" in config.raw:
            raw_terminator = config.value("terminator")
            terminator = (
                raw_terminator if isinstance(raw_terminator, str) and raw_terminator else None
            )
            if raw_terminator and terminator not in DTMF_DIGITS:
                config.fail("'terminator' must be one DTMF digit or null")
        pattern = config.optional_text("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                config.fail(f"'pattern' is not a valid regular expression: {error}")
        spec = cls(
            node_id=config.node_id,
            variable=variable,
            prompt=config.media("prompt", required=True),
            next=config.node_ref("next"),
            retry_prompt=config.media("retry_prompt"),
            min_length=config.integer("min_length", 1, 0, 64),
            max_length=config.integer("max_length", 16, 1, 64),
            terminator=terminator,
            first_digit_timeout_s=config.seconds("first_digit_timeout_s", 5.0, 1.0, 60.0),
            inter_digit_timeout_s=config.seconds("inter_digit_timeout_s", 3.0, 1.0, 30.0),
            pattern=pattern,
            max_attempts=config.integer("max_attempts", 3, 1, 10),
            on_invalid=config.optional_node_ref("on_invalid"),
            sensitive=config.boolean("sensitive", False),
        )
        if spec.min_length > spec.max_length:
            config.fail("'min_length' must not exceed 'max_length'")
        return spec

    def edges(self) -> Mapping[str, str]:
        edges = {"next": self.next}
        if self.on_invalid is not None:
            edges["on_invalid"] = self.on_invalid
        return edges

    def media(self) -> tuple[str, ...]:
        return self.prompt + self.retry_prompt

    def variables_set(self) -> frozenset[str]:
        return frozenset({self.variable})

    def is_valid(self, value: str) -> bool:
        if len(value) < self.min_length:
            return False
        return self.pattern is None or re.fullmatch(self.pattern, value) is not None

    def activate(self, context: NodeContext) -> Activation:
        return _CollectActivation(self, context)


class _CollectActivation(PromptingActivation):
    def __init__(self, spec: CollectNode, context: NodeContext) -> None:
        super().__init__(context, spec.max_attempts)
        self.spec = spec
        self.entry = DigitEntry(spec.max_length, spec.terminator)

    def start(self) -> Step:
        return Step.stay(self._prompt(()))

    def _prompt(self, prefix: tuple[str, ...]) -> Command:
        self.entry.clear()
        return self._play_then_wait(prefix + self.spec.prompt, self.spec.first_digit_timeout_s)

    def on_playback_finished(self, playback_id: str) -> Step:
        return self._prompt_finished(playback_id, self.spec.first_digit_timeout_s)

    def on_dtmf(self, digit: str) -> Step:
        commands = self._interrupt()
        if self.entry.press(digit):
            return self._complete(commands)
        commands.append(self._start_timer(self.spec.inter_digit_timeout_s))
        return Step.stay(*commands)

    def on_timer(self, timer_id: str) -> Step:
        if not self._is_current_timer(timer_id):
            return Step()
        if self.entry.digits:
            return self._complete([])
        return self._failed([InputRecorded(self.spec.node_id, "timeout", "")])

    def _recorded_value(self, value: str) -> str:
        return "*" * len(value) if self.spec.sensitive else value

    def _complete(self, commands: list[Command]) -> Step:
        value = self.entry.take()
        if self.spec.is_valid(value):
            self.context.set_variable(self.spec.variable, value)
            recorded = InputRecorded(self.spec.node_id, "digits", self._recorded_value(value))
            return Step.go(self.spec.next, *commands, recorded)
        commands.append(InputRecorded(self.spec.node_id, "invalid", self._recorded_value(value)))
        return self._failed(commands)

    def _failed(self, commands: list[Command]) -> Step:
        if self.attempts.fail():
            return Step.go_or_hangup(self.spec.on_invalid, "collect_attempts_exhausted", *commands)
        return Step.stay(*commands, self._prompt(self.spec.retry_prompt))
