"""IVR flow engine: pure, events in, commands out (see ``core`` for the format)."""

from ari_apps.ivr.commands import (
    CancelTimer,
    Command,
    EnterQueue,
    Hangup,
    HttpLookup,
    InputRecorded,
    NodeEntered,
    Play,
    StartTimer,
    StopPlayback,
    Transfer,
)
from ari_apps.ivr.config import ConfigReader
from ari_apps.ivr.core import FlowDefinition, FlowSession
from ari_apps.ivr.events import (
    DtmfReceived,
    Event,
    HttpLookupCompleted,
    PlaybackFinished,
    QueueExited,
    TimerExpired,
)
from ari_apps.ivr.exceptions import FlowDefinitionError, IvrError, SessionUsageError
from ari_apps.ivr.registry import (
    NODE_KINDS,
    Activation,
    NodeContext,
    NodeSpec,
    Step,
    register_node_kind,
)
from ari_apps.ivr.validation import ValidationContext, ValidationIssue, validate_flow

__all__ = [
    "NODE_KINDS",
    "Activation",
    "CancelTimer",
    "Command",
    "ConfigReader",
    "DtmfReceived",
    "EnterQueue",
    "Event",
    "FlowDefinition",
    "FlowDefinitionError",
    "FlowSession",
    "Hangup",
    "HttpLookup",
    "HttpLookupCompleted",
    "InputRecorded",
    "IvrError",
    "NodeContext",
    "NodeEntered",
    "NodeSpec",
    "Play",
    "PlaybackFinished",
    "QueueExited",
    "SessionUsageError",
    "StartTimer",
    "Step",
    "StopPlayback",
    "TimerExpired",
    "Transfer",
    "ValidationContext",
    "ValidationIssue",
    "register_node_kind",
    "validate_flow",
]
