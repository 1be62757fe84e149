"""Agent SIP endpoints, created in Asterisk through ARI dynamic configuration.

sorcery.conf puts res_pjsip's endpoint/aor/auth in astdb after pjsip.conf, so
objects created here survive an Asterisk restart and need no reload.  Each
object is written only when missing or different: rewriting an AOR would
drop the phone's current registration.
"""

from __future__ import annotations

import logging

from ari_apps.ari.client import AriClient
from ari_apps.ari.errors import AriNotFound

log = logging.getLogger(__name__)

AGENT_CONTEXT = "hotline-agents"


def _browser_phone(dtls: tuple[str, str] | None) -> dict[str, str]:
    """The endpoint fields of a desk phone (None) or of a browser phone.

    ``webrtc = yes`` turns on what a browser needs (ICE, DTLS-SRTP with the
    fingerprint checked, AVPF, rtcp-mux); the certificate is the one
    ``make run`` made (hotline/webrtc_cert.py).  "no" is written out for a
    desk phone so that the endpoint says which it is.
    """
    if dtls is None:
        return {"webrtc": "no"}
    cert, key = dtls
    return {"webrtc": "yes", "dtls_cert_file": cert, "dtls_private_key": key}


def agent_objects(
    extension: str,
    password: str,
    mailboxes: str = "",
    *,
    accountcode: str = "",
    browser_dtls: tuple[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    # mailboxes on the AOR (not the endpoint): Asterisk then sends MWI NOTIFYs
    # to the registered phone unsolicited, and also answers its SUBSCRIBE.
    aor_mwi = {"mailboxes": mailboxes} if mailboxes else {}
    # The tenant's mark (hotline.tenancy.tenant_accountcode): the phone's own
    # calls carry it, and [hotline-agents] compares it with the dialled
    # extension's, so that agents reach only their own tenant's extensions.
    tenant_mark = {"accountcode": accountcode} if accountcode else {}
    return {
        "auth": {
            "auth_type": "userpass",
            "username": extension,
            "password": password,
        },
        "aor": {
            "max_contacts": "1",
            "remove_existing": "yes",
            "qualify_frequency": "30",
            **aor_mwi,
        },
        "endpoint": {
            "context": AGENT_CONTEXT,
            "disallow": "all",
            "allow": "ulaw,alaw",
            "auth": extension,
            "aors": extension,
            "direct_media": "no",
            "rtp_symmetric": "yes",
            "force_rport": "yes",
            "rewrite_contact": "yes",
            "callerid": f'"Agent {extension}" <{extension}>',
            **tenant_mark,
            **_browser_phone(browser_dtls),
        },
    }


# What Asterisk reports back differs in spelling from what we send.
_EQUIVALENT = {"yes": "true", "no": "false"}


# Asterisk applies "disallow" to "allow" and never reports it back.
_WRITE_ONLY = frozenset({"disallow"})


def _same(wanted: dict[str, str], current: dict[str, str]) -> bool:
    for key, value in wanted.items():
        if key in _WRITE_ONLY:
            continue
        have = current.get(key, "")
        if key == "allow":
            have = have.strip("()").replace("|", ",")
        if have != value and have != _EQUIVALENT.get(value, value):
            return False
    return True


def _phone_kind_changes(object_type: str, wanted: dict[str, str], current: dict[str, str]) -> bool:
    """Whether an existing endpoint turns from a desk phone into a browser one or back.

    A dynamic-config PUT on an existing object only sets the fields it
    names: what ``webrtc = yes`` switched on (DTLS, ICE, AVPF) would stay on
    a desk phone, which then cannot take a plain RTP call.
    """
    if object_type != "endpoint" or not current:
        return False
    have = current.get("webrtc", "false")
    return _EQUIVALENT.get(wanted["webrtc"], wanted["webrtc"]) != _EQUIVALENT.get(have, have)


async def ensure_agent_endpoint(
    ari: AriClient,
    extension: str,
    password: str,
    mailboxes: str = "",
    *,
    accountcode: str = "",
    browser_dtls: tuple[str, str] | None = None,
) -> bool:
    """Create or update the agent's PJSIP objects; True when something changed.

    ``mailboxes`` ("5000@hotline,1001@hotline") lights the phone's MWI lamp;
    ``accountcode`` marks the agent's tenant; ``browser_dtls`` (certificate,
    key) makes it a browser (WebRTC) phone.
    """
    changed = False
    objects = agent_objects(
        extension, password, mailboxes, accountcode=accountcode, browser_dtls=browser_dtls
    )
    for object_type, fields in objects.items():
        try:
            listed = await ari.get_dynamic_config("res_pjsip", object_type, extension)
            current = {str(item["attribute"]): str(item["value"]) for item in listed}
        except AriNotFound:
            current = {}
        if _phone_kind_changes(object_type, fields, current):
            await ari.delete_dynamic_config("res_pjsip", object_type, extension)
            current = {}
        elif current and _same(fields, current):
            continue
        await ari.put_dynamic_config("res_pjsip", object_type, extension, fields)
        changed = True
        log.info("provisioned PJSIP %s %s", object_type, extension)
    return changed


async def remove_agent_endpoint(ari: AriClient, extension: str) -> None:
    for object_type in ("endpoint", "aor", "auth"):
        try:
            await ari.delete_dynamic_config("res_pjsip", object_type, extension)
        except AriNotFound:
            continue
