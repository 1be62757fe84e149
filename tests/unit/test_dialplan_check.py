"""The syntax check of the custom dialplan and trunk documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.dialplan_check import (
    CheckResult,
    balance_error,
    check_dialplan,
    check_trunks,
    mask_secrets,
    unified_diff,
)

GOLDEN = Path(__file__).parent / "golden" / "dialplan"

# Contexts are the custom file's own ("hotline-*" is Hotline's namespace);
# a trunk is wired into to-pstn-custom, which Hotline's to-pstn includes.
VALID_DIALPLAN = """\
; Telecom's own contexts
[custom-test]
exten => 7000,1,Answer()
 same => n,Playback(hello-world)
 same => n(done),Hangup()
exten => _NXXNXXXXXX,1,Dial(PJSIP/${EXTEN}@trunk-a,30)
exten => s,1,NoOp(a\\;b)   ; only an escaped semicolon is not a comment
exten => i,1,Goto(custom-test,s,1)
exten => 7001,hint,PJSIP/1001
include => custom-other

[custom-other]
exten => _0X.,1,Set(X=$[${FILTER(0-9,${EXTEN})} + 1])
 same => 2,Hangup

[to-pstn-custom]
exten => _00X.,1,Dial(PJSIP/${EXTEN:2}@trunk-a)
"""

VALID_TRUNKS = """\
[trunk-a-auth]
type = auth
auth_type = userpass
username = hotline
password = s3cret

[trunk-a]
type = aor
contact = sip:carrier.example:5060

[trunk-tpl](!)
type = endpoint
context = from-pstn
disallow = all
allow = ulaw

[trunk-a](trunk-tpl)
outbound_auth = trunk-a-auth
"""


def codes(result: CheckResult) -> list[tuple[int, str]]:
    return [(error.line, error.code) for error in result.errors]


def test_given_valid_dialplan_then_no_errors_and_contexts_to_verify() -> None:
    result = check_dialplan(VALID_DIALPLAN)
    assert result.ok, result.errors
    assert result.names_to_verify == ("custom-test", "custom-other", "to-pstn-custom")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#include /etc/shadow\n", [(1, "include_forbidden")]),
        ("[a]\n#tryinclude other.conf\n", [(2, "include_forbidden")]),
        ("[a]\n#exec /bin/sh\n", [(2, "include_forbidden")]),
        ("[a]\n#define X\n", [(2, "unknown_directive")]),
        ("[from-pstn]\nexten => 1,1,NoOp()\n", [(1, "hotline_context")]),
        ("[Hotline-Agents]\n", [(1, "hotline_context")]),
        ("[globals]\n", [(1, "reserved_section")]),
        ("[a]\n[a]\n", [(2, "duplicate_section")]),
        ("[bad name]\n", [(1, "bad_name")]),
        ("[" + "x" * 80 + "]\n", [(1, "name_too_long")]),
        ("[a\n", [(1, "bad_header")]),
        ("[b](missing)\n", [(1, "unknown_template")]),
        ("exten => 1,1,NoOp()\n", [(1, "outside_section")]),
        ("[a]\nexten => 1,2,NoOp()\n", [(2, "first_priority_not_1")]),
        ("[a]\nexten => 1,n,NoOp()\n", [(2, "first_priority_not_1")]),
        ("[a]\nexten => 1,1,NoOp()\nexten => 1,1,NoOp()\n", [(3, "priority_not_increasing")]),
        ("[a]\nexten => 1,1,NoOp()\n same => x,NoOp()\n", [(3, "bad_priority")]),
        ("[a]\n same => n,NoOp()\n", [(2, "same_without_exten")]),
        ("[a]\nexten => 1,1\n", [(2, "incomplete_exten")]),
        ("[a]\nexten => _,1,NoOp()\n", [(2, "bad_pattern")]),
        ("[a]\nexten => _X[,1,NoOp()\n", [(2, "bad_pattern")]),
        ("[a]\nexten => 1 2,1,NoOp()\n", [(2, "bad_extension")]),
        ("[a]\nexten => 1,1,NoOp(\n", [(2, "unbalanced")]),
        ("[a]\nexten => 1,1,NoOp(${X)\n", [(2, "unbalanced")]),
        ('[a]\nexten => 1,1,NoOp(")\n', [(2, "unbalanced")]),
        ("[a]\nexten => 1,1,9lives()\n", [(2, "bad_application")]),
        ("[a]\nswitch => IAX2/box\n", [(2, "unknown_key")]),
        ("[a]\nthis is not config\n", [(2, "unknown_line")]),
        # to-pstn is Hotline's (fax-back dials it); trunks go into to-pstn-custom.
        ("[to-pstn]\nexten => _X.,1,Dial(PJSIP/${EXTEN}@t)\n", [(1, "hotline_context")]),
    ],
)
def test_given_broken_dialplan_then_error_names_line_and_reason(
    text: str, expected: list[tuple[int, str]]
) -> None:
    assert codes(check_dialplan(text)) == expected


def test_given_block_comment_then_its_lines_are_ignored() -> None:
    text = "[a]\n;-- exten => nonsense\n#include x --;\nexten => 1,1,NoOp()\n"
    assert check_dialplan(text).ok


def test_given_escaped_semicolon_then_it_is_part_of_the_arguments() -> None:
    assert check_dialplan("[a]\nexten => 1,1,NoOp(a\\;b)\n").ok


def test_given_broken_header_then_its_lines_do_not_pile_up_errors() -> None:
    assert codes(check_dialplan("[bad name]\nexten => 1,1,NoOp()\n")) == [(1, "bad_name")]


def test_given_many_problems_then_golden_findings_list_them_all() -> None:
    text = (GOLDEN / "broken_dialplan.conf").read_text(encoding="utf-8")
    findings = "".join(
        f"{e.line}: {e.code} {e.detail}".rstrip() + "\n" for e in check_dialplan(text).errors
    )
    assert findings == (GOLDEN / "broken_dialplan.findings.txt").read_text(encoding="utf-8")


def test_given_valid_trunks_then_endpoints_to_verify_exclude_templates() -> None:
    # [trunk-a] is both an aor and (from the template) an endpoint, as usual in pjsip.
    result = check_trunks(VALID_TRUNKS)
    assert result.ok, result.errors
    assert result.names_to_verify == ("trunk-a",)


def test_given_same_name_and_same_type_twice_then_duplicate() -> None:
    text = "[t]\ntype = aor\n[t]\ntype = aor\n[t]\ntype = endpoint\n"
    assert codes(check_trunks(text)) == [(3, "duplicate_section")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[t]\ntype = transport\n", [(2, "transport_forbidden"), (1, "missing_type")]),
        ("[t]\ntype = global\n", [(2, "bad_type"), (1, "missing_type")]),
        ("[t]\ncontext = x\n", [(1, "missing_type")]),
        ("[transport-udp]\ntype = aor\n", [(1, "hotline_section")]),
        ("[1001]\ntype = endpoint\n", [(1, "hotline_section")]),
        ("[t]\ntype = aor\ncontact =\n", [(3, "empty_value")]),
        ("type = aor\n", [(1, "outside_section")]),
        ("[t]\n#include pjsip_wizard.conf\ntype = aor\n", [(2, "include_forbidden")]),
        ("[t](nope)\ntype = aor\n", [(1, "unknown_template")]),
    ],
)
def test_given_broken_trunks_then_error_names_line_and_reason(
    text: str, expected: list[tuple[int, str]]
) -> None:
    assert sorted(codes(check_trunks(text))) == sorted(expected)


def test_given_secret_lines_then_masked_and_other_lines_kept() -> None:
    masked = mask_secrets("username = bob\npassword = hunter2\n  secret=>abc\n")
    assert masked == "username = bob\npassword = ********\n  secret=>********\n"
    assert "hunter2" not in masked
    # An empty secret does not swallow the next line.
    assert mask_secrets("password =\ncontext = x\n") == "password =\ncontext = x\n"
    assert mask_secrets("secret=a\rcontext=b") == "secret=********\rcontext=b"


def test_given_two_texts_then_unified_diff_marks_added_and_removed_lines() -> None:
    diff = unified_diff("[a]\nexten => 1,1,NoOp()\n", "[a]\nexten => 2,1,NoOp()", label="x.conf")
    assert "--- x.conf (applied)" in diff and "+++ x.conf (edited)" in diff
    assert "-exten => 1,1,NoOp()\n" in diff and "+exten => 2,1,NoOp()\n" in diff
    assert unified_diff("same\n", "same\n", label="x") == ""


def test_given_nested_brackets_then_balance_is_checked_per_kind() -> None:
    assert balance_error("App(${A[1]})") is None
    assert balance_error("App(${A)}") == "unexpected )"
    assert balance_error('App("(")') is None


_CONFIG_ALPHABET = st.sampled_from(
    [*'[]()=>,;-_.!#"\\{}$ \n\t', "exten", "same", "n", "1", "X", "type", "include"]
)
_CONFIG_TEXT = st.one_of(
    st.text(max_size=200), st.lists(_CONFIG_ALPHABET, max_size=80).map("".join)
)


@settings(max_examples=300, deadline=None)
@given(_CONFIG_TEXT)
def test_given_arbitrary_text_then_checkers_never_raise(text: str) -> None:
    for result in (check_dialplan(text), check_trunks(text)):
        assert all(error.line >= 1 for error in result.errors)
        assert isinstance(result.ok, bool)
    # Masking changes values, never the line structure the findings refer to.
    assert len(mask_secrets(text).splitlines()) == len(text.splitlines())
