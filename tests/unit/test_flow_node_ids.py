"""Node ids are path segments of the flow editor's forms: an id such as
``../../../users/2/activate`` saved through the JSON draft would send an
admin's "Save node", with their CSRF token, to another page.  Every save
refuses such ids naming the node (API and UI), validation flags them, and a
draft stored before the rule still renders without any form pointing there."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from ari_apps.ivr import services as flows
from ari_apps.ivr.demo import MAIN_MENU
from ari_apps.ivr.validation import ValidationContext, node_id_problem, validate_flow
from hotline.errors import FlowInvalid
from hotline.models import Flow
from hotline.tenancy import home_tenant_id
from tests.unit.test_api_routes import Api
from tests.unit.test_api_routes import api as api
from tests.unit.ui_support import UiClient

EVIL = "../../../users/2/activate"


def draft_with(node_id: str) -> dict[str, Any]:
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"][node_id] = {"kind": "hangup"}
    draft["nodes"]["menu"]["options"]["8"] = node_id
    return draft


@pytest.mark.security
@pytest.mark.parametrize(
    "node_id",
    [EVIL, "a/b", "..", ".", "x?y=1", "x#y", "x%2Fy", "with space", 'q"uote', "é", "", "a" * 65],
)
def test_given_an_unsafe_node_id_then_validation_names_the_node(node_id: str) -> None:
    issues = validate_flow(draft_with(node_id), ValidationContext())
    assert [(i.node_id, i.code) for i in issues if i.code == "invalid_node_id"] == [
        (node_id, "invalid_node_id")
    ]


@pytest.mark.parametrize("node_id", ["greet", "support_queue", "fax-back", "1st", "A" * 64])
def test_given_ids_the_editor_always_allowed_then_they_stay_valid(node_id: str) -> None:
    assert node_id_problem(node_id) is None


@pytest.mark.security
async def test_given_an_unsafe_node_id_when_the_draft_is_put_through_the_api_then_refused(
    api: Api,
) -> None:
    before = (await Flow.get(id=api.flow_id)).draft
    response = await api.send("PUT", f"/flows/{api.flow_id}/draft", body=draft_with(EVIL))
    assert response.status_code == 400
    body = response.json()
    assert body["error_id"] == "invalid-node-id" and body["details"]["node_id"] == EVIL
    assert EVIL in body["message"]
    assert (await Flow.get(id=api.flow_id)).draft == before


@pytest.mark.security
async def test_given_an_unsafe_node_id_in_the_json_editor_then_nothing_is_saved(
    ui: UiClient,
) -> None:
    import json

    await ui.login("administrator")
    before = (await Flow.get(id=1)).draft
    text = json.dumps(draft_with(EVIL))
    response = await ui.post("/flows/1/draft", {"definition": text})
    assert response.status_code == 400
    assert EVIL in ui.last.context["typed"].json_error
    assert ui.last.context["json_text"] == text
    assert (await Flow.get(id=1)).draft == before


@pytest.mark.security
async def test_given_a_stored_draft_with_an_unsafe_id_then_no_form_posts_there_and_saves_refuse(
    ui: UiClient,
) -> None:
    """A draft stored before the rule: the editor still opens, safely."""
    flow = await Flow.get(id=1)
    flow.draft = draft_with(EVIL)
    await flow.save(update_fields=["draft"])
    await ui.login("administrator")

    page = (await ui.get("/flows/1")).text
    actions = re.findall(r'(?:action|hx-post|href)="([^#"][^"]*)"', page)
    assert actions and not [a for a in actions if "/users/2" in a or ".." in a], actions
    fragments = re.findall(r'href="(#[^"]*)"', page)
    assert "#node-..%2F..%2F..%2Fusers%2F2%2Factivate" in fragments
    assert 'data-testid="node-id-unsafe"' in page
    assert "users/2/activate" in page  # shown (escaped), e.g. in the JSON editor

    # Any other edit saves the whole draft: refused, naming the node.
    response = await ui.post("/flows/1/nodes/greet", {"media": "sound:hello-world"})
    assert response.status_code == 400
    assert ui.last.context["typed"].error == "flows.node_id_refused"
    assert EVIL in response.text
    assert (await Flow.get(id=1)).draft == draft_with(EVIL)

    # Publishing names it too.
    with pytest.raises(FlowInvalid) as refused:
        await flows.publish(1, "admin", tenant_id=await home_tenant_id())
    codes = [issue["code"] for issue in refused.value.details["issues"]]
    assert "invalid_node_id" in codes


async def test_given_a_new_flow_with_an_unsafe_id_then_it_is_not_created(seeded: object) -> None:
    with pytest.raises(flows.NodeIdRejected):
        await flows.create_flow("Evil", draft_with(EVIL), tenant_id=await home_tenant_id())
    assert not await Flow.exists(name="Evil")
