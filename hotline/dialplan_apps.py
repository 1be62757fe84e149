"""One application call of the custom dialplan: allowed, and with allowed arguments.

Pure.  Beyond the allow-lists in ``hotline/dialplan_allow.py``, some
arguments decide where a call or a write goes, and are checked here:

- ``Set`` writes a variable or function the line names outright, never one
  of Hotline's ``HOTLINE_*`` variables (Hotline's fax context takes a file
  path from one).
- ``Dial`` calls PJSIP channels only (a ``Local`` channel would run any
  context), with options that do not jump into a context or record to a file.
- ``Goto``/``Gosub`` and their ``If`` forms, and ``Background``'s context,
  name their context outright when they name one, and not one of Hotline's
  internal contexts.  (A variable holding commas can still change the
  target at run time; the internal contexts do nothing harmful without the
  ``HOTLINE_*`` variables the custom dialplan cannot set.)
- ``Stasis`` hands calls to Hotline's own ARI app, as a call into a flow or
  the voicemail menu, never to another app.
- ``CHANNEL(language)``, a directory of sound files, is set to a language
  code, not a path.
- Sound names are relative, without ``..`` or a URL (Playback fetches
  ``http://`` through the media cache), and written out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hotline.config_findings import short
from hotline.dialplan_allow import (
    CHANNEL_WRITE_ITEMS,
    DIAL_OPTIONS,
    DIAL_TECHNOLOGY,
    LANGUAGE_VALUE,
    STASIS_INBOUND,
    STASIS_SERVICE,
    STASIS_SERVICES,
    WRITE_FUNCTIONS,
    is_allowed_application,
    is_hotline_variable,
    is_internal_context,
)
from hotline.dialplan_subst import Problem, find_top, split_top, substitution_problems

_VARIABLE = re.compile(r"_{0,2}[A-Za-z][A-Za-z0-9_]*")
_FUNCTION_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\((.*)\)", re.DOTALL)
_SOUND = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
_LANGUAGE = re.compile(LANGUAGE_VALUE)


def _set_problems(data: str) -> list[Problem]:
    name, equals, value = data.partition("=")
    if not equals:
        return [Problem("bad_set", short(data))]
    if "$" in name:
        return [Problem("dynamic_name", short(name))]
    if _VARIABLE.fullmatch(name):
        return [Problem("hotline_variable", name)] if is_hotline_variable(name) else []
    call = _FUNCTION_CALL.fullmatch(name)
    if call is None:
        return [Problem("bad_set", short(name))]
    function, args = call.group(1).upper(), call.group(2)
    if function not in WRITE_FUNCTIONS:
        return [Problem("function_not_allowed", call.group(1))]
    if function in ("GLOBAL", "LOCAL"):
        if not _VARIABLE.fullmatch(args):
            return [Problem("bad_set", short(name))]
        return [Problem("hotline_variable", args)] if is_hotline_variable(args) else []
    item = args.split(",", 1)[0].strip().upper()
    if function == "CHANNEL" and item not in CHANNEL_WRITE_ITEMS:
        return [Problem("function_not_allowed", short(name))]
    if function == "CHANNEL" and item == "LANGUAGE" and not _LANGUAGE.fullmatch(value):
        return [Problem("bad_value", short(f"{name}={value}"))]
    return []


def assigned_variable(data: str) -> str | None:
    """The variable ``Set(data)`` writes (``X``, ``LOCAL(X)``, ``GLOBAL(X)``), if any."""
    name, equals, _value = data.partition("=")
    call = _FUNCTION_CALL.fullmatch(name)
    if call is not None and call.group(1).upper() in ("GLOBAL", "LOCAL"):
        name = call.group(2)
    return name if equals and _VARIABLE.fullmatch(name) else None


def _sound_problems(files: str) -> list[Problem]:
    problems: list[Problem] = []
    for name in split_top(files, "&"):
        name = name.strip()
        if not _SOUND.fullmatch(name) or ".." in name.split("/"):
            problems.append(Problem("sound_path", short(name)))
    return problems


def _context_problems(context: str) -> list[Problem]:
    context = context.strip()
    if "$" in context:
        return [Problem("dynamic_target", short(context))]
    if is_internal_context(context):
        return [Problem("internal_context", context)]
    return []


def _target_problems(target: str) -> list[Problem]:
    """``[[context,]exten,]priority`` (Gosub: then ``(args)``): the context part."""
    parts = target[: find_top(target, "(")].split(",")
    return _context_problems(parts[0]) if len(parts) >= 3 else []


def _conditional_problems(data: str) -> list[Problem]:
    """``condition?destination1[:destination2]`` (GotoIf, GosubIf, GotoIfTime)."""
    halves = split_top(data, "?", maxsplit=1)
    if len(halves) < 2:
        return []
    return [p for target in split_top(halves[1], ":", maxsplit=1) for p in _target_problems(target)]


def _dial_option_problems(options: str) -> list[Problem]:
    if "$" in options:
        return [Problem("dial_option", short(options))]
    problems: list[Problem] = []
    index = 0
    while index < len(options):
        letter = options[index]
        index += 1
        argument = ""
        if options[index : index + 1] == "(":
            closing = options.find(")", index)
            closing = len(options) if closing < 0 else closing
            argument, index = options[index + 1 : closing], closing + 1
        if letter not in DIAL_OPTIONS:
            problems.append(Problem("dial_option", letter))
        elif letter == "A":
            problems += _sound_problems(argument.replace(":", "&"))
    return problems


def _dial_problems(data: str) -> list[Problem]:
    args = split_top(data, ",")
    problems = [
        Problem("dial_target", short(target.strip()))
        for target in split_top(args[0], "&")
        if not target.strip().upper().startswith(DIAL_TECHNOLOGY + "/")
    ]
    if len(args) > 2:
        problems += _dial_option_problems(args[2].strip())
    if len(args) > 3 and args[3].strip():
        problems.append(Problem("dial_option", "URL"))
    return problems


def _playback_problems(data: str) -> list[Problem]:
    return _sound_problems(split_top(data, ",")[0])


def _background_problems(data: str) -> list[Problem]:
    args = split_top(data, ",")
    problems = _sound_problems(args[0])
    if len(args) > 3 and args[3].strip():
        problems += _context_problems(args[3])
    return problems


# By lower-cased application name.
_ARGUMENT_CHECKS: dict[str, Callable[[str], list[Problem]]] = {
    "set": _set_problems,
    "dial": _dial_problems,
    "goto": _target_problems,
    "gosub": _target_problems,
    "gotoif": _conditional_problems,
    "gosubif": _conditional_problems,
    "gotoiftime": _conditional_problems,
    "playback": _playback_problems,
    "background": _background_problems,
}


def _stasis_problems(data: str, stasis_app: str) -> list[Problem]:
    args = [arg.strip() for arg in split_top(data, ",")] + ["", ""]
    app, kind, service = args[:3]
    if app == stasis_app and (
        kind == STASIS_INBOUND or (kind == STASIS_SERVICE and service in STASIS_SERVICES)
    ):
        return []
    return [Problem("stasis_target", short(data))]


def application_problems(
    application: str, data: str, *, stasis_app: str, safe: frozenset[str]
) -> list[Problem]:
    """Why ``application(data)`` may not run from the custom dialplan (empty: it may)."""
    name = application.strip()
    if not is_allowed_application(name):
        return [Problem("application_not_allowed", short(name))]
    problems = substitution_problems(data, safe)
    key = name.lower()
    if key == "stasis":
        problems += _stasis_problems(data, stasis_app)
    elif key in _ARGUMENT_CHECKS:
        problems += _ARGUMENT_CHECKS[key](data)
    return problems
