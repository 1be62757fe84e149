"""http_lookup against server-side request forgery: a per-tenant host
allow-list (hotline/lookup_policy.py, hotline/lookup_hosts.py) checked
when a flow is validated and again, resolved, when the call runs
(ari_apps/ivr/lookup_http.py), with no redirects followed; edited on /flows
by those who may publish, and from HOTLINE_LOOKUP_ALLOWED_HOSTS."""

from __future__ import annotations

import asyncio
import copy
import ipaddress
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from ari_apps.app import CallCenter
from ari_apps.ari.events import parse_event
from ari_apps.ivr import routes
from ari_apps.ivr import services as flows
from ari_apps.ivr.commands import HttpLookup
from ari_apps.ivr.demo import MAIN_MENU
from ari_apps.ivr.lookup_http import fetch
from ari_apps.ivr.stasis import start_inbound
from ari_apps.ivr.validation import ValidationContext, validate_flow
from hotline import lookup_hosts
from hotline.errors import FlowInvalid
from hotline.lookup_policy import BadEntry, IpAddress, build, parse_entry
from hotline.models import AuditEntry, Tenant
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from hotline.writer import WRITER
from tests.unit.ui_support import UiClient


# -- the list ------------------------------------------------------------------------------
@pytest.mark.security
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/admin",  # the admin UI
        "http://localhost/",  # a name not on the list
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.5/",
        "http://0.0.0.0:8088/ari/",
        "http://crm.example.com@127.0.0.1/",  # the host is what follows the @
        "https://crm.example.com.evil.net/",
        "https://billing.example/",  # *.billing.example is not billing.example itself
    ],
)
def test_given_hosts_off_the_list_then_refused(url: str) -> None:
    allowed = build(["crm.example.com", "*.billing.example"])
    refusal = allowed.url_refusal(url)
    assert refusal is not None and "allowed: crm.example.com, *.billing.example" in refusal


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example.com/a/b?c=1",
        "https://CRM.Example.com./x",
        "https://crm.example.com:8443/",
        "https://eu.billing.example/x",
        "http://127.0.0.1:8089/accounts",
        "http://10.20.3.4/",
    ],
)
def test_given_hosts_on_the_list_then_allowed(url: str) -> None:
    allowed = build(["crm.example.com", "*.billing.example", "127.0.0.1:8089", "10.20.0.0/16"])
    assert allowed.url_refusal(url) is None


@pytest.mark.security
def test_given_a_port_in_the_entry_then_other_ports_are_refused() -> None:
    allowed = build(["127.0.0.1:8089", "crm.example.com:8443"])
    assert allowed.url_refusal("http://127.0.0.1:8088/ari/") is not None
    assert allowed.url_refusal("https://crm.example.com/") is not None
    assert allowed.url_refusal("https://crm.example.com:8443/") is None


@pytest.mark.security
def test_given_a_listed_name_resolving_inside_then_refused_unless_the_address_is_listed() -> None:
    private = [ipaddress.ip_address("10.1.2.3")]
    assert build(["billing.example"]).address_refusal("billing.example", private) is not None
    assert (
        build(["billing.example", "10.0.0.0/8"]).address_refusal("billing.example", private) is None
    )
    public = [ipaddress.ip_address("93.184.216.34")]
    assert build(["billing.example"]).address_refusal("billing.example", public) is None


@pytest.mark.parametrize(
    "entry", ["http://x/", "a b", "x:99999", "10.0.0.0/33", "*.", "a_b.example", ""]
)
def test_given_a_bad_entry_then_it_is_named(entry: str) -> None:
    with pytest.raises(BadEntry):
        parse_entry(entry)


def lookup_flow(url: str) -> dict[str, Any]:
    draft = copy.deepcopy(MAIN_MENU)
    draft["nodes"]["menu"]["options"]["4"] = "lookup"
    draft["nodes"]["lookup"] = {
        "kind": "http_lookup",
        "url": url,
        "next": "goodbye",
        "on_failure": "goodbye",
    }
    return draft


@pytest.mark.security
def test_given_a_lookup_host_off_the_list_then_validation_names_node_and_list() -> None:
    context = ValidationContext(lookup_hosts=build(["crm.example.com"]))
    issues = validate_flow(lookup_flow("http://127.0.0.1:8080/users?x=${caller_id}"), context)
    [issue] = [i for i in issues if i.code == "lookup_host_not_allowed"]
    assert issue.node_id == "lookup"
    assert "127.0.0.1" in issue.message and "allowed: crm.example.com" in issue.message


@pytest.mark.security
async def test_given_the_tenant_list_then_drafts_are_judged_by_it_and_publish_waits_for_it(
    seeded: Settings,
) -> None:
    flow_id = (
        await flows.create_flow(
            "Lookups", lookup_flow("http://127.0.0.1:8089/a"), tenant_id=await home_tenant_id()
        )
    )["id"]
    saved = await flows.put_draft(
        flow_id, lookup_flow("http://127.0.0.1:8089/a"), tenant_id=await home_tenant_id()
    )
    assert [i["code"] for i in saved["issues"]] == ["lookup_host_not_allowed"]
    with pytest.raises(FlowInvalid):
        await flows.publish(flow_id, "admin", tenant_id=await home_tenant_id())

    tenant = await lookup_hosts.tenant_or_home(None)
    assert await lookup_hosts.add(tenant, "127.0.0.1:8089", "admin") == ["127.0.0.1:8089"]
    assert (await flows.validate_draft(flow_id, tenant_id=await home_tenant_id()))["valid"]
    await flows.publish(flow_id, "admin", tenant_id=await home_tenant_id())


async def test_given_hosts_in_the_setting_then_the_demo_tenant_lists_them(seeded: Settings) -> None:
    tenant = await Tenant.get(name="demo")
    await lookup_hosts.add_configured_hosts(tenant, "crm.example.com, 127.0.0.1")
    assert await lookup_hosts.entries(tenant.id) == ["127.0.0.1", "crm.example.com"]
    with pytest.raises(ValueError, match="HOTLINE_LOOKUP_ALLOWED_HOSTS"):
        await lookup_hosts.add_configured_hosts(tenant, "http://nope/")


# -- the request -----------------------------------------------------------------------------
@dataclass
class Business:
    base: str
    port: int
    seen: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


@pytest.fixture
async def business() -> AsyncIterator[Business]:
    """A business system on 127.0.0.1 with an account and a redirect."""
    found = Business("", 0)

    async def account(request: web.Request) -> web.Response:
        found.seen.append(request.path)
        found.hosts.append(request.headers.get("Host", ""))
        return web.json_response({"balance": "42"})

    async def bounce(request: web.Request) -> web.Response:
        found.seen.append(request.path)
        raise web.HTTPFound("/secret")

    async def secret(request: web.Request) -> web.Response:
        found.seen.append(request.path)
        return web.json_response({"balance": "stolen"})

    app = web.Application()
    app.router.add_get("/account", account)
    app.router.add_get("/bounce", bounce)
    app.router.add_get("/secret", secret)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.port = int(runner.addresses[0][1])
    found.base = f"http://127.0.0.1:{found.port}"
    try:
        yield found
    finally:
        await runner.cleanup()


def lookup(url: str) -> HttpLookup:
    return HttpLookup(request_id="rq", method="GET", url=url, json_body=None, timeout_s=3.0)


async def test_given_an_allowed_host_then_the_lookup_answers(business: Business) -> None:
    async with aiohttp.ClientSession() as http:
        done = await fetch(http, lookup(business.base + "/account"), build(["127.0.0.1"]))
    assert (done.status, done.error) == (200, None) and done.body == '{"balance": "42"}'


@pytest.mark.security
async def test_given_a_host_off_the_list_then_nothing_is_sent(business: Business) -> None:
    async with aiohttp.ClientSession() as http:
        done = await fetch(http, lookup(business.base + "/account"), build(["crm.example.com"]))
    assert done.status is None and done.error is not None and done.error.startswith("refused")
    assert business.seen == []


@pytest.mark.security
async def test_given_a_redirect_then_it_is_not_followed(business: Business) -> None:
    async with aiohttp.ClientSession() as http:
        done = await fetch(http, lookup(business.base + "/bounce"), build(["127.0.0.1"]))
    assert done.status == 302
    assert business.seen == ["/bounce"]  # /secret never asked


@pytest.mark.security
async def test_given_a_listed_name_that_resolves_to_loopback_then_refused(
    business: Business,
) -> None:
    """DNS rebinding: the name is allowed, the address it gives today is not."""

    async def rebinding(host: str, port: int) -> Sequence[IpAddress]:
        return [ipaddress.ip_address("127.0.0.1")]

    url = f"http://billing.example:{business.port}/account"
    async with aiohttp.ClientSession() as http:
        done = await fetch(http, lookup(url), build(["billing.example"]), rebinding)
        assert done.error is not None and "non-public address 127.0.0.1" in done.error
        assert business.seen == []
        # Listed by name and address: the request goes to the checked address,
        # the name stays in the Host header.
        allowed = build(["billing.example", "127.0.0.1"])
        done = await fetch(http, lookup(url), allowed, rebinding)
    assert done.status == 200
    assert business.hosts == [f"billing.example:{business.port}"]


# -- the page -------------------------------------------------------------------------------
@pytest.mark.security
async def test_given_publishers_then_hosts_are_added_removed_and_audited(ui: UiClient) -> None:
    await ui.login("supervisor")  # may view flows, not publish them
    assert (await ui.post("/flows/lookup-hosts", {"entries": "127.0.0.1"})).status_code == 403

    await ui.login("telecom_engineer")
    response = await ui.post("/flows/lookup-hosts", {"entries": "crm.example.com 10.20.0.0/16"})
    assert response.status_code == 303
    assert await lookup_hosts.entries(None) == ["10.20.0.0/16", "crm.example.com"]
    entry = await AuditEntry.get(action="lookup_hosts_changed")
    assert entry.after == {"hosts": ["10.20.0.0/16", "crm.example.com"]}

    response = await ui.post("/flows/lookup-hosts", {"entries": "http://evil/"})
    assert response.status_code == 400 and ui.last.context["hosts_error"]
    assert "http://evil/" in response.text

    await ui.post("/flows/lookup-hosts/remove", {"entry": "10.20.0.0/16"})
    assert await lookup_hosts.entries(None) == ["crm.example.com"]
    page = (await ui.get("/flows")).text
    assert "crm.example.com" in page and 'data-testid="lookup-hosts-form"' in page


# -- a call ---------------------------------------------------------------------------------
@pytest.fixture
async def center(seeded: Settings, call_center: CallCenter) -> AsyncIterator[CallCenter]:
    routes.invalidate()
    await call_center.start()
    yield call_center
    for runner in call_center.runners.values():
        runner.close()
    await WRITER.flush()
    await call_center.stop()
    routes.invalidate()


async def _published_lookup(url: str) -> None:
    draft = {
        "start": "lookup",
        "nodes": {
            "lookup": {"kind": "http_lookup", "url": url, "next": "ok", "on_failure": "bad"},
            "ok": {"kind": "hangup", "reason": "looked_up"},
            "bad": {"kind": "hangup", "reason": "lookup_failed"},
        },
    }
    flow_id = (
        await flows.create_flow("Lookup on a call", draft, tenant_id=await home_tenant_id())
    )["id"]
    await flows.publish(flow_id, "admin", tenant_id=await home_tenant_id())
    await flows.assign_did(flow_id, "8001", tenant_id=await home_tenant_id())
    routes.invalidate()


async def _call_8001(center: CallCenter, channel_id: str) -> str:
    event = {
        "type": "StasisStart",
        "application": "hotline",
        "args": ["inbound", "8001"],
        "channel": {"id": channel_id, "state": "Up", "caller": {"number": "5550100"}},
    }
    await start_inbound(center, parse_event(event))
    runner = center.runners[channel_id]
    for _ in range(100):
        if runner.closed or runner.session.current_node != "lookup":
            break
        await asyncio.sleep(0.02)
    return str(runner.session.current_node)


@pytest.mark.security
async def test_given_a_host_taken_off_the_list_after_publishing_then_the_call_refuses_it(
    center: CallCenter, business: Business
) -> None:
    tenant = await lookup_hosts.tenant_or_home(None)
    await lookup_hosts.add(tenant, "127.0.0.1", "admin")
    await _published_lookup(business.base + "/account?caller=${caller_id}")
    assert await _call_8001(center, "lookup-1") == "ok"
    assert business.seen == ["/account"]

    await lookup_hosts.remove(tenant, "127.0.0.1")
    assert await _call_8001(center, "lookup-2") == "bad"
    assert business.seen == ["/account"]  # the second call sent nothing
