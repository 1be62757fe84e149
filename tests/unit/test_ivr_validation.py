"""validate_flow: every issue names its node and carries a stable code."""

from __future__ import annotations

from typing import Any

from ari_apps.ivr import ValidationContext, ValidationIssue, validate_flow

CONTEXT = ValidationContext(
    known_prompts=frozenset({"main-menu"}),
    known_sounds=frozenset({"hello-world", "goodbye"}),
    known_queues=frozenset({"support"}),
    known_variables=frozenset({"tenant"}),
)


def codes_by_node(issues: list[ValidationIssue]) -> set[tuple[str | None, str]]:
    return {(issue.node_id, issue.code) for issue in issues}


def test_given_valid_flow_when_validated_then_no_issue() -> None:
    flow = {
        "start": "menu",
        "nodes": {
            "menu": {
                "kind": "menu",
                "prompt": ["prompt:main-menu", "sound:hello-world", "digits:${tenant}"],
                "options": {"1": "q"},
                "on_exhausted": "bye",
            },
            "q": {"kind": "queue", "queue": "support", "on_overflow": "bye"},
            "bye": {"kind": "hangup", "media": ["sound:goodbye"]},
        },
    }

    assert validate_flow(flow, CONTEXT) == []


def test_given_unknown_kind_and_bad_config_when_validated_then_each_node_is_named() -> None:
    flow = {
        "start": "a",
        "nodes": {
            "a": {"kind": "goto", "target": "b"},
            "b": {"kind": "teleport", "to": "c"},
            "c": {"kind": "menu", "prompt": [], "options": {"1": "a"}},
            "d": {
                "kind": "collect",
                "variable": "x",
                "prompt": ["sound:goodbye"],
                "next": "a",
                "min_length": 5,
                "max_length": 2,
            },
        },
    }

    issues = validate_flow(flow, CONTEXT)

    found = codes_by_node(issues)
    assert ("b", "unknown_kind") in found
    assert ("c", "invalid_config") in found
    assert ("d", "invalid_config") in found
    reasons = {issue.node_id: issue.message for issue in issues if issue.code == "invalid_config"}
    assert "prompt" in reasons["c"]
    assert "min_length" in reasons["d"]


def test_given_unparsable_node_when_it_links_onward_then_targets_are_not_unreachable() -> None:
    flow = {
        "start": "a",
        "nodes": {
            "a": {"kind": "teleport", "to": "b"},
            "b": {"kind": "hangup"},
        },
    }

    assert codes_by_node(validate_flow(flow, CONTEXT)) == {("a", "unknown_kind")}


def test_given_missing_start_when_validated_then_flow_level_issue() -> None:
    flow = {"start": "nowhere", "nodes": {"a": {"kind": "hangup"}}}

    assert (None, "missing_start") in codes_by_node(validate_flow(flow, CONTEXT))


def test_given_not_a_graph_when_validated_then_single_flow_issue() -> None:
    assert codes_by_node(validate_flow("[1, 2]", CONTEXT)) == {(None, "invalid_flow")}
    assert codes_by_node(validate_flow("{not json", CONTEXT)) == {(None, "invalid_flow")}


def test_given_dangling_and_unreachable_nodes_when_validated_then_both_are_reported() -> None:
    flow = {
        "start": "a",
        "nodes": {
            "a": {"kind": "play", "media": ["sound:goodbye"], "next": "ghost"},
            "island": {"kind": "hangup"},
        },
    }

    issues = validate_flow(flow, CONTEXT)

    assert codes_by_node(issues) == {("a", "dangling_edge"), ("island", "unreachable_node")}
    dangling = next(issue for issue in issues if issue.code == "dangling_edge")
    assert "ghost" in dangling.message


def test_given_unknown_prompt_sound_and_queue_when_validated_then_each_is_reported() -> None:
    flow = {
        "start": "a",
        "nodes": {
            "a": {"kind": "play", "media": ["prompt:promo", "sound:tt-monkeys"], "next": "q"},
            "q": {"kind": "queue", "queue": "sales"},
        },
    }

    found = codes_by_node(validate_flow(flow, CONTEXT))

    assert found == {("a", "unknown_prompt"), ("a", "unknown_sound"), ("q", "unknown_queue")}


def test_given_no_sound_or_queue_catalogue_when_validated_then_those_are_not_checked() -> None:
    flow = {
        "start": "a",
        "nodes": {
            "a": {"kind": "play", "media": ["sound:anything"], "next": "q"},
            "q": {"kind": "queue", "queue": "sales"},
        },
    }

    assert validate_flow(flow, ValidationContext()) == []


def test_given_templated_media_name_when_validated_then_catalogue_check_is_skipped() -> None:
    flow = {
        "start": "a",
        "nodes": {"a": {"kind": "hangup", "media": ["sound:${language}/goodbye"]}},
    }

    assert validate_flow(flow, CONTEXT) == []


def test_given_cycle_of_play_nodes_when_validated_then_loop_without_input_names_first_node() -> (
    None
):
    flow = {
        "start": "a",
        "nodes": {
            "a": {"kind": "play", "media": ["sound:hello-world"], "next": "b"},
            "b": {"kind": "set_variable", "set": {"n": "1"}, "next": "c"},
            "c": {"kind": "goto", "target": "a"},
        },
    }

    issues = validate_flow(flow, CONTEXT)

    assert codes_by_node(issues) == {("a", "loop_without_input")}
    assert "a, b, c" in issues[0].message


def test_given_self_loop_goto_when_validated_then_it_is_a_loop_without_input() -> None:
    flow = {"start": "a", "nodes": {"a": {"kind": "goto", "target": "a"}}}

    assert codes_by_node(validate_flow(flow, CONTEXT)) == {("a", "loop_without_input")}


def test_given_cycle_through_menu_when_validated_then_it_is_not_a_loop_issue() -> None:
    flow = {
        "start": "menu",
        "nodes": {
            "menu": {"kind": "menu", "prompt": ["sound:goodbye"], "options": {"1": "info"}},
            "info": {"kind": "play", "media": ["sound:hello-world"], "next": "menu"},
        },
    }

    assert validate_flow(flow, CONTEXT) == []


def test_given_variable_never_set_when_validated_then_unknown_variable_names_node() -> None:
    flow = {
        "start": "a",
        "nodes": {
            "a": {
                "kind": "set_variable",
                "set": {"greeting": "${tenant}-${nickname}"},
                "next": "b",
            },
            "b": {"kind": "transfer", "target": "${greeting}${agent}"},
        },
    }

    issues = validate_flow(flow, CONTEXT)

    assert codes_by_node(issues) == {("a", "unknown_variable"), ("b", "unknown_variable")}
    assert {issue.message for issue in issues} == {
        "variable 'nickname' is used but never set",
        "variable 'agent' is used but never set",
    }


def test_given_variable_set_by_collect_or_lookup_when_used_then_it_is_known() -> None:
    flow: dict[str, Any] = {
        "start": "ask",
        "nodes": {
            "ask": {
                "kind": "collect",
                "variable": "acct",
                "prompt": ["sound:goodbye"],
                "next": "look",
            },
            "look": {
                "kind": "http_lookup",
                "url": "https://crm.example/a/${acct}",
                "assign": {"balance": "balance"},
                "next": "say",
                "on_failure": "say",
            },
            "say": {"kind": "hangup", "media": ["number:${balance}"]},
        },
    }

    assert validate_flow(flow, CONTEXT) == []
