"""Check of ``hotline-trunks.conf``: PJSIP trunks telecom staff edit in the admin UI.

Pure.  Read with Asterisk's own lexing (``hotline/config_lexer.py``).  Trunk
sections may be endpoint, aor, auth, registration or identify; transports
and globals belong to Hotline's own ``pjsip.conf``.  Each type has an
allow-list of options: what wires a SIP trunk (addresses, codecs, auth,
caller ID, timers, T.38, media encryption).  Not on it, among others:
``set_var`` (sets channel variables, Hotline's own among them, on every
call), the ``dtls_*_file``/``_path`` options and STIR/SHAKEN (they make
Asterisk read files of the box), and the ``google_oauth`` auth type.
Contexts a trunk sends calls to cannot be Hotline's internal ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hotline.config_findings import (
    CheckError,
    CheckResult,
    directive_error,
    header,
    short,
)
from hotline.config_lexer import logical_lines
from hotline.dialplan_allow import is_internal_context

HOTLINE_PJSIP_SECTIONS = frozenset({"global", "system", "transport-udp"})
TRUNK_TYPES = frozenset({"endpoint", "aor", "auth", "registration", "identify"})

_ENDPOINT_OPTIONS = frozenset(
    {
        "context",
        "message_context",
        "subscribe_context",
        "overlap_context",
        "allow_overlap",
        "disallow",
        "allow",
        "aors",
        "auth",
        "outbound_auth",
        "transport",
        "outbound_proxy",
        "from_user",
        "from_domain",
        "contact_user",
        "callerid",
        "callerid_privacy",
        "callerid_tag",
        "trust_id_inbound",
        "trust_id_outbound",
        "trust_connected_line",
        "send_connected_line",
        "send_pai",
        "send_rpid",
        "send_diversion",
        "send_history_info",
        "rpid_immediate",
        "connected_line_method",
        "identify_by",
        "direct_media",
        "direct_media_method",
        "disable_direct_media_on_nat",
        "dtmf_mode",
        "force_rport",
        "rewrite_contact",
        "rtp_symmetric",
        "rtp_ipv6",
        "ice_support",
        "media_address",
        "bind_rtp_to_media_address",
        "media_encryption",
        "media_encryption_optimistic",
        "media_use_received_transport",
        "use_avpf",
        "rtp_timeout",
        "rtp_timeout_hold",
        "rtp_keepalive",
        "timers",
        "timers_min_se",
        "timers_sess_expires",
        "t38_udptl",
        "t38_udptl_ec",
        "t38_udptl_maxdatagram",
        "t38_udptl_nat",
        "t38_udptl_ipv6",
        "t38_bind_udptl_to_media_address",
        "fax_detect",
        "fax_detect_timeout",
        "inband_progress",
        "use_ptime",
        "100rel",
        "user_eq_phone",
        "preferred_codec_only",
        "allow_unauthenticated_options",
        "allow_transfer",
        "refer_blind_progress",
        "notify_early_inuse_ringing",
        "suppress_q850_reason_headers",
        "ignore_183_without_sdp",
        "incoming_call_offer_pref",
        "outgoing_call_offer_pref",
        "max_audio_streams",
        "asymmetric_rtp_codec",
        "sdp_owner",
        "sdp_session",
        "tos_audio",
        "cos_audio",
        "language",
        "accountcode",
        "device_state_busy_at",
        "call_group",
        "pickup_group",
        "named_call_group",
        "named_pickup_group",
        "moh_suggest",
        "mailboxes",
        "voicemail_extension",
        "tone_zone",
        "dtls_verify",
        "dtls_setup",
        "dtls_rekey",
        "dtls_fingerprint",
        "dtls_auto_generate_cert",
        "webrtc",
    }
)
_AOR_OPTIONS = frozenset(
    {
        "contact",
        "max_contacts",
        "remove_existing",
        "remove_unavailable",
        "qualify_frequency",
        "qualify_timeout",
        "qualify_2xx_only",
        "authenticate_qualify",
        "default_expiration",
        "minimum_expiration",
        "maximum_expiration",
        "outbound_proxy",
        "support_path",
        "mailboxes",
        "voicemail_extension",
    }
)
_AUTH_OPTIONS = frozenset(
    {"auth_type", "username", "password", "md5_cred", "realm", "nonce_lifetime"}
)
_REGISTRATION_OPTIONS = frozenset(
    {
        "server_uri",
        "client_uri",
        "contact_user",
        "contact_header_params",
        "transport",
        "outbound_auth",
        "outbound_proxy",
        "retry_interval",
        "forbidden_retry_interval",
        "fatal_retry_interval",
        "max_retries",
        "expiration",
        "auth_rejection_permanent",
        "line",
        "endpoint",
        "support_path",
        "support_outbound",
    }
)
_IDENTIFY_OPTIONS = frozenset(
    {"endpoint", "match", "match_header", "match_request_uri", "srv_lookups"}
)
OPTIONS: dict[str, frozenset[str]] = {
    "endpoint": _ENDPOINT_OPTIONS,
    "aor": _AOR_OPTIONS,
    "auth": _AUTH_OPTIONS,
    "registration": _REGISTRATION_OPTIONS,
    "identify": _IDENTIFY_OPTIONS,
}
_ANY_TYPE_OPTIONS = frozenset().union(*OPTIONS.values())
_CONTEXT_OPTIONS = frozenset({"context", "message_context", "subscribe_context", "overlap_context"})
_AUTH_TYPES = frozenset({"userpass", "md5", "digest"})
_KEY_VALUE = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*=>?\s*(.*)$")


@dataclass
class _Section:
    name: str
    line: int
    kind: str  # "" until a type= line (or a template) gives one
    template: bool
    # (line, option) of its own option lines, checked once the type is known
    # (a type= line may come last; a template without one gets the union).
    options: list[tuple[int, str]] = field(default_factory=list)


def _trunk_header(
    number: int, line: str, sections: list[_Section]
) -> tuple[_Section | None, list[CheckError]]:
    name, options, errors = header(number, line)
    if errors:
        return None, errors
    if name.lower() in HOTLINE_PJSIP_SECTIONS or name.isdigit():
        # Digits are agent extensions, which Hotline creates over ARI.
        return None, [CheckError(number, "hotline_section", name)]
    known = {section.name: section for section in sections}
    errors = [
        CheckError(number, "unknown_template", short(opt))
        for opt in options
        if opt != "!" and opt not in known
    ]
    inherited = next((known[o].kind for o in options if o in known and known[o].kind), "")
    return _Section(name, number, inherited, "!" in options), errors


def _value_error(number: int, key: str, value: str) -> CheckError | None:
    if not value:
        return CheckError(number, "empty_value", key)
    if key in _CONTEXT_OPTIONS and is_internal_context(value):
        return CheckError(number, "internal_context", short(value))
    if key == "auth_type" and value.lower() not in _AUTH_TYPES:
        return CheckError(number, "bad_value", f"{key} = {short(value)}")
    return None


def _option_errors(sections: list[_Section]) -> list[CheckError]:
    errors: list[CheckError] = []
    for section in sections:
        allowed = OPTIONS.get(section.kind, _ANY_TYPE_OPTIONS)
        errors += [
            CheckError(number, "option_not_allowed", f"{key} ({section.kind or 'template'})")
            for number, key in section.options
            if key not in allowed
        ]
    return errors


def check_trunks(text: str) -> CheckResult:
    """Check pjsip.conf text meant for ``hotline-trunks.conf``."""
    lines, errors = logical_lines(text)
    sections: list[_Section] = []
    current: _Section | None = None
    skipping = False  # inside a rejected section: its lines are not checked again
    for logical in lines:
        number, line = logical.number, logical.text
        directive = directive_error(number, line)
        if directive:
            errors.append(directive)
            continue
        if line.startswith("["):
            current, header_errors = _trunk_header(number, line, sections)
            errors += header_errors
            skipping = current is None
            if current is not None:
                sections.append(current)
            continue
        match = _KEY_VALUE.match(line)
        if match is None:
            errors.append(CheckError(number, "unknown_line", short(line)))
        elif skipping:
            continue
        elif current is None:
            # Asterisk would add it to pjsip.conf's section before the include.
            errors.append(CheckError(number, "outside_section", short(line)))
        else:
            key, value = match.group(1).lower(), match.group(2).strip()
            if key == "type" and value == "transport":
                errors.append(CheckError(number, "transport_forbidden", value))
            elif key == "type" and value not in TRUNK_TYPES:
                errors.append(CheckError(number, "bad_type", short(value)))
            elif key == "type":
                current.kind = value
            else:
                current.options.append((number, key))
                error = _value_error(number, key, value)
                errors += [error] if error else []
    errors += _option_errors(sections)
    # One name may carry several types (an endpoint and its aor), not one type twice.
    seen: set[tuple[str, str]] = set()
    for section in sections:
        if not section.kind and not section.template:
            errors.append(CheckError(section.line, "missing_type", section.name))
        elif (section.name, section.kind) in seen:
            errors.append(CheckError(section.line, "duplicate_section", section.name))
        seen.add((section.name, section.kind))
    errors.sort(key=lambda error: error.line)
    endpoints = tuple(
        dict.fromkeys(s.name for s in sections if s.kind == "endpoint" and not s.template)
    )
    return CheckResult(tuple(errors), endpoints)
