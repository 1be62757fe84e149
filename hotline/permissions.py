"""Permissions: per function and per action, granted through roles.

A permission is "function:action".  Users get roles through their groups
(the seeds' model: user groups -> roles -> users).  Every UI route declares
the one permission it needs; the role matrix test enumerates them all.
"""

from __future__ import annotations

from typing import Final

FUNCTIONS: Final = (
    "dashboard",
    # The agent desk (/desk): an agent's own state and screen pop; only for
    # users tied to an agent extension (User.phone_extension).
    "desk",
    # The live board of queues and agents (/wallboard): the supervisors'
    # screen and the room's TV.
    "wallboard",
    # Listening to agents' calls (listen, whisper, barge from /wallboard):
    # a privacy matter, so apart from seeing the board.
    "monitoring",
    # Figures over any past period and their CSV/XLSX exports (/reports):
    # they only read stored calls, so "view" is all there is.
    "reports",
    # Past calls, their timelines and recordings (/calls): every listen and
    # download of a recording is audited.  Only read: "view" is all there is.
    "calls",
    "flows",
    "prompts",
    "queues",
    "agents",
    "shifts",
    "users",
    "roles",
    "api_tokens",
    # Business systems subscribed to call events (/webhooks): where the
    # events go and how each delivery went.
    "webhooks",
    "audit",
    "dialplan",
    "fax",
    "voicemail",
    # Outbound dialing campaigns (/campaigns): notices, reminders, surveys.
    "campaigns",
    # Callbacks (/callbacks, 回拨): the supervisors' list of those that could
    # not be reached, those waiting (virtual hold keeps a place in a queue),
    # and requesting one for a caller.
    "callbacks",
    # Cases (工单, /cases): taking them in, routing them across departments,
    # deadlines, chasing and supervision.  Which cases a user sees and what
    # they may do to one also depends on their department (hotline/cases/rights.py).
    "cases",
    # What cases are made of (/cases/settings): the code lists (数据字典),
    # departments and their people, workflow definitions.  Administrators'.
    "case_settings",
    # The knowledge base (知识库, /knowledge): searching, reading and sending
    # articles to callers (view); writing them for one's department (edit);
    # approving a version before callers get it (publish).
    "knowledge",
    # Customer records (/customers): callers matched by their numbers, their
    # marks (VIP, blacklist, nuisance) and history (view); creating, editing,
    # marking, importing and exporting them (edit).  Numbers and ID numbers
    # show masked (138****8000) without customer_pii.
    "customers",
    # Callers' phone and ID numbers whole, wherever customers are shown
    # (pages, the API, the desk, exports).  Only read: "view" is all there is.
    "customer_pii",
    # Quality inspection (质检, /quality): inspectors sample recorded calls,
    # score them beside their cases and decide appeals (edit); an agent sees
    # and answers only the reviews of their own calls (view).
    "quality",
    # The tenants themselves (/tenants): only for users of the home tenant,
    # the platform operator's; anyone else gets 404 (admin_ui/tenants).
    "tenants",
)
ACTIONS: Final = ("view", "edit", "publish", "plan")

# "publish" only means something where a change goes live in a separate step.
PUBLISHABLE: Final = frozenset({"flows", "dialplan", "knowledge"})
# "plan" runs the Erlang-C staffing planner: CPU work for those who plan
# staffing, not for everyone who may read the schedules (agents do).
PLANNABLE: Final = frozenset({"shifts"})
_ONLY_FOR: Final = {"publish": PUBLISHABLE, "plan": PLANNABLE}
# Functions that only read: no "edit" (or any other action) to grant.
VIEW_ONLY: Final = frozenset({"reports", "calls", "customer_pii"})
# Granted by name only, never with "every function's view" (the auditor's):
# auditors see what was done, not callers' whole numbers.
PRIVATE: Final = frozenset({"customer_pii"})

ALL_PERMISSIONS: Final = tuple(
    f"{function}:{action}"
    for function in FUNCTIONS
    for action in ACTIONS
    if function in _ONLY_FOR.get(action, (function,))
    and (action == "view" or function not in VIEW_ONLY)
)


def _grant(functions: tuple[str, ...], actions: tuple[str, ...]) -> set[str]:
    return {
        f"{function}:{action}"
        for function in functions
        for action in actions
        if f"{function}:{action}" in ALL_PERMISSIONS
    }


BUILTIN_ROLES: Final[dict[str, frozenset[str]]] = {
    "administrator": frozenset(ALL_PERMISSIONS),
    "supervisor": frozenset(
        _grant(
            (
                "dashboard",
                "desk",
                "wallboard",
                "monitoring",
                "queues",
                "agents",
                "shifts",
                "prompts",
                "fax",
                "voicemail",
                "campaigns",
                "callbacks",
                "cases",
                "customers",
            ),
            ("view", "edit"),
        )
        | _grant(("flows", "audit", "reports", "calls", "case_settings"), ("view",))
        | _grant(("knowledge",), ("view", "edit", "publish"))
        | _grant(("quality",), ("view", "edit"))
        | {"shifts:plan"}
    ),
    "telecom engineer": frozenset(
        _grant(("dashboard", "flows", "dialplan", "prompts", "fax"), ("view", "edit", "publish"))
        | _grant(("queues", "agents"), ("view",))
    ),
    "agent": frozenset(
        _grant(("dashboard", "wallboard", "queues", "shifts"), ("view",))
        | _grant(("desk", "cases"), ("view", "edit"))
        | _grant(("knowledge", "customers", "quality"), ("view",))
    ),
    # A department's staff (营业部, 供水部): the cases routed to their department.
    "case handler": frozenset(
        _grant(("dashboard",), ("view",)) | _grant(("cases", "knowledge"), ("view", "edit"))
    ),
    "auditor": frozenset(
        _grant(tuple(function for function in FUNCTIONS if function not in PRIVATE), ("view",))
    ),
}


def permission(function: str, action: str) -> str:
    name = f"{function}:{action}"
    if name not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {name!r}")
    return name
