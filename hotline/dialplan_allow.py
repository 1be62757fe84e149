"""What telecom staff may use in the custom dialplan: allow-lists, not deny-lists.

Pure data and small predicates.  The telecom engineer role routes calls: it
answers, plays, dials trunks, jumps between its contexts and hands calls to
Hotline.  Asterisk also lets a dialplan run shell commands (``System``,
``SHELL``), read and write any file Asterisk can (``FILE``, ``Record``,
``MixMonitor``), run other applications by name (``Exec``, ``EVAL``), and
reach other hosts (``AGI``, ``CURL``, ``ODBC``).  From the UI, any of those
would make the role root on the Asterisk host, so anything not listed here is
refused, and a new Asterisk release adds nothing by itself.

Names are compared without regard to case (``is_allowed_application``):
Asterisk finds applications that way, and a function spelled in another case
must not slip past the list.  Applications are written as Asterisk spells
them.
"""

from __future__ import annotations

from typing import Final

# Applications, with what each is for.  Their arguments get further checks in
# ``hotline/dialplan_apps.py`` where an argument names a context, a channel,
# a file or Hotline's ARI app.
APPLICATIONS: Final = frozenset(
    {
        # Answering and call progress.
        "Answer",
        "Hangup",
        "Progress",
        "Ringing",
        "Busy",
        "Congestion",
        "Wait",
        "WaitExten",
        # Routing.
        "Dial",  # PJSIP channels only, checked options
        "Goto",
        "GotoIf",
        "GotoIfTime",
        "Gosub",
        "GosubIf",
        "Return",
        "Stasis",  # Hotline's own ARI app only
        # Sound to the caller (relative sound names only).
        "Playback",
        "BackGround",
        "SayDigits",
        "SayNumber",
        "SayAlpha",
        "PlayTones",
        "StopPlayTones",
        "MusicOnHold",
        "StartMusicOnHold",
        "StopMusicOnHold",
        "SendDTMF",
        "Echo",
        "Milliwatt",
        # Variables (checked names and values) and logging.
        "Set",
        "NoOp",
        "Verbose",
        "Log",
    }
)

_APPLICATION_KEYS: Final = frozenset(name.lower() for name in APPLICATIONS)

# Dialplan functions that may be read in ${...}.  Each only computes from its
# arguments or reads call state; none reads files, runs commands, reaches the
# network, evaluates its argument as dialplan, or writes a variable named by
# an argument.
READ_FUNCTIONS: Final = frozenset(
    {
        "CALLERID",
        "CONNECTEDLINE",
        "REDIRECTING",
        "CHANNEL",
        "CDR",
        "HANGUPCAUSE",
        "HANGUPCAUSE_KEYS",
        "CUT",
        "LEN",
        "IF",
        "IFTIME",
        "ISNULL",
        "EXISTS",
        "REGEX",
        "FILTER",
        "REPLACE",
        "STRREPLACE",
        "TOUPPER",
        "TOLOWER",
        "FIELDQTY",
        "FIELDNUM",
        "SORT",
        "QUOTE",
        "CSV_QUOTE",
        "PASSTHRU",
        "SPRINTF",
        "STRFTIME",
        "STRPTIME",
        "RAND",
        "MATH",
        "KEYPADHASH",
        "URIENCODE",
        "URIDECODE",
        "BASE64_ENCODE",
        "BASE64_DECODE",
        "MD5",
        "SHA1",
        "DIALPLAN_EXISTS",
        "VALID_EXTEN",
        "EXTENSION_STATE",
        "DEVICE_STATE",
        "HINT",
        "GROUP",
        "GROUP_COUNT",
        "GROUP_MATCH_COUNT",
        "GLOBAL",
        "LOCAL",
        "TIMEOUT",
        "PJSIP_HEADER",
        "PJSIP_DIAL_CONTACTS",
    }
)

# Functions that may be written with Set(FUNCTION(...)=value).  GLOBAL and
# LOCAL write the variable their argument names, so that name is checked
# like any variable Set writes.
WRITE_FUNCTIONS: Final = frozenset(
    {
        "CALLERID",
        "CONNECTEDLINE",
        "REDIRECTING",
        "CHANNEL",
        "CDR",
        "GROUP",
        "TIMEOUT",
        "PJSIP_HEADER",
        "DEVICE_STATE",
        "GLOBAL",
        "LOCAL",
    }
)
# CHANNEL(item)= writes many things, among them hangup handlers (a Gosub at
# hang-up into any context); only these items.
CHANNEL_WRITE_ITEMS: Final = frozenset({"LANGUAGE", "MUSICCLASS", "ACCOUNTCODE"})
# The language is a directory of the sound files: a code, never a path.
LANGUAGE_VALUE: Final = r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,4})?"

# ${...} whose value can never hold "(" or '"', the two characters through
# which a value substituted into $[...] could become a function call there
# (see ``hotline/dialplan_subst.py``).  FILTER and STRFTIME qualify only with
# a literal character set or format that excludes both.
SAFE_OUTPUT_FUNCTIONS: Final = frozenset(
    {
        "LEN",
        "ISNULL",
        "EXISTS",
        "REGEX",
        "DIALPLAN_EXISTS",
        "VALID_EXTEN",
        "RAND",
        "FIELDQTY",
        "FIELDNUM",
        "STRPTIME",
        "KEYPADHASH",
        "GROUP_COUNT",
        "GROUP_MATCH_COUNT",
        "EXTENSION_STATE",
        "DEVICE_STATE",
        "MD5",
        "SHA1",
        "FILTER",
        "STRFTIME",
    }
)
# Functions built into Asterisk's $[...] expression parser (ast_expr2.y);
# every other NAME(...) there is looked up as a dialplan function.
EXPRESSION_BUILTINS: Final = frozenset(
    {
        "COS",
        "SIN",
        "TAN",
        "ACOS",
        "ASIN",
        "ATAN",
        "ATAN2",
        "POW",
        "SQRT",
        "FLOOR",
        "CEIL",
        "ROUND",
        "RINT",
        "TRUNC",
        "EXP",
        "EXP2",
        "EXP10",
        "LOG",
        "LOG2",
        "LOG10",
        "REMAINDER",
        "FMOD",
    }
)

# Variables Asterisk itself sets to one of a few fixed words or a number.  A
# value the custom dialplan assigns them is checked like any other.
ASTERISK_SAFE_VARIABLES: Final = frozenset(
    {"DIALSTATUS", "DIALEDTIME", "ANSWEREDTIME", "HANGUPCAUSE", "PLAYBACKSTATUS", "EPOCH"}
)
# Variables Asterisk fills from the call (the dialled number, caller ID,
# Gosub arguments...): never safe in $[...], whatever the dialplan assigns.
ASTERISK_CALL_VARIABLES: Final = frozenset(
    {
        "EXTEN",
        "CONTEXT",
        "PRIORITY",
        "CHANNEL",
        "UNIQUEID",
        "CALLERID",
        "DNID",
        "RDNIS",
        "INVALID_EXTEN",
        "DIALEDPEERNAME",
        "DIALEDPEERNUMBER",
        "BRIDGEPEER",
        "GOSUB_RETVAL",
        "BLINDTRANSFER",
        "ATTENDEDTRANSFER",
    }
)
# Hotline's channel variables: Hotline's own contexts read them (a fax file
# path among them), so the custom dialplan never writes them.
HOTLINE_VARIABLE_PREFIX: Final = "HOTLINE_"

# Dial options that only shape the call.  Refused: those that run a Gosub or
# jump into a context (b, B, d, F, G, M, U), record to files (w, W, x, X) and
# use the privacy database (P).
DIAL_OPTIONS: Final = frozenset("AaCcDEefghHiIjkKLmnNoQrRsStTuz")
DIAL_TECHNOLOGY: Final = "PJSIP"

# What a custom context may start in Hotline's ARI app: a call into the flow
# of a number (``Stasis(hotline,inbound,<number>)``) or one of these call
# services (``Stasis(hotline,service,voicemail.access[,<box>])``, PIN asked).
# The others take their input from a flow, and the rest of Hotline's Stasis
# arguments are its own protocol with the channels it creates.
STASIS_INBOUND: Final = "inbound"
STASIS_SERVICE: Final = "service"
STASIS_SERVICES: Final = frozenset({"voicemail.access"})

# Contexts: see ``is_hotline_context``.  The custom file may add extensions to
# this one only; Hotline's to-pstn includes it before its own "no route".
TRUNK_HOOK_CONTEXT: Final = "to-pstn-custom"
_HOTLINE_CONTEXTS: Final = frozenset({"from-pstn", "to-pstn", "general", "globals"})
_HOTLINE_PREFIX: Final = "hotline-"
# Hotline contexts a custom context may send calls to (Goto, Gosub, include,
# a trunk's context): where calls come in, go out, or are told "sorry".
# hotline-trunk-line is the line cap a trunk route calls before its Dial().
TRUNK_LINE_SUBROUTINE: Final = "hotline-trunk-line"
_PUBLIC_HOTLINE_CONTEXTS: Final = frozenset(
    {"from-pstn", "to-pstn", "hotline-safe", TRUNK_LINE_SUBROUTINE}
)


def is_hotline_context(name: str) -> bool:
    """Whether ``name`` is a context Hotline's own config defines (or may one day).

    Every context in ``asterisk/config/extensions.conf``,
    ``hotline-bench.conf`` and ``hotline-sim-pstn.conf`` (a unit test holds
    this to the files), and the whole ``hotline-`` namespace.  Without regard
    to case: Asterisk's config parser matches category names that way (``[TO-PSTN](+)`` appends to
    ``[to-pstn]``), even though the dialplan then keeps contexts apart by case.
    """
    lowered = name.lower()
    return lowered in _HOTLINE_CONTEXTS or lowered.startswith(_HOTLINE_PREFIX)


def is_allowed_application(name: str) -> bool:
    return name.lower() in _APPLICATION_KEYS


def is_internal_context(name: str) -> bool:
    """Whether a custom context may not send calls to ``name`` (Hotline's internals)."""
    lowered = name.lower()
    return lowered.startswith(_HOTLINE_PREFIX) and lowered not in _PUBLIC_HOTLINE_CONTEXTS


def is_hotline_variable(name: str) -> bool:
    """``HOTLINE_X``, also as ``_HOTLINE_X``/``__HOTLINE_X`` (inherited by new channels)."""
    return name.lstrip("_").upper().startswith(HOTLINE_VARIABLE_PREFIX)
