"""The AMI half of the contract: panoramisk logs in with hotline.env's credentials."""

from __future__ import annotations

import asyncio

import pytest
from panoramisk import Manager

pytestmark = pytest.mark.asterisk


async def test_given_contract_credentials_when_ami_client_logs_in_then_asterisk_answers(
    hotline_env: dict[str, str],
) -> None:
    manager = Manager(
        host=hotline_env["HOTLINE_AMI_HOST"],
        port=int(hotline_env["HOTLINE_AMI_PORT"]),
        username=hotline_env["HOTLINE_AMI_USER"],
        secret=hotline_env["HOTLINE_AMI_SECRET"],
        ping_delay=0,
        reconnect_timeout=1,
    )
    await asyncio.wait_for(manager.connect(), 10)
    try:
        pong = await asyncio.wait_for(manager.send_action({"Action": "Ping"}), 5)
        assert pong["Response"] == "Success"
        settings = await asyncio.wait_for(manager.send_action({"Action": "CoreSettings"}), 5)
        assert str(settings["AsteriskVersion"]).startswith("22"), settings
    finally:
        manager.close()


@pytest.mark.security
async def test_given_contract_credentials_when_sending_powerful_actions_then_asterisk_refuses(
    hotline_env: dict[str, str],
) -> None:
    """The AMI account may watch, not act: no CLI commands, no calls to
    anywhere, no reloads or config rewrites."""
    manager = Manager(
        host=hotline_env["HOTLINE_AMI_HOST"],
        port=int(hotline_env["HOTLINE_AMI_PORT"]),
        username=hotline_env["HOTLINE_AMI_USER"],
        secret=hotline_env["HOTLINE_AMI_SECRET"],
        ping_delay=0,
        reconnect_timeout=1,
    )
    await asyncio.wait_for(manager.connect(), 10)
    try:
        for action in (
            {"Action": "Command", "Command": "core show version"},
            {
                "Action": "Originate",
                "Channel": "Local/8000@from-pstn",
                "Application": "Wait",
                "Data": "1",
            },
            {"Action": "Reload"},
            {"Action": "UpdateConfig", "SrcFilename": "extensions.conf"},
            {"Action": "ModuleLoad", "Module": "app_system.so", "LoadType": "load"},
        ):
            reply = await asyncio.wait_for(manager.send_action(action), 5)
            assert reply["Response"] == "Error", (action, reply)
            assert "Permission denied" in str(reply.get("Message")), (action, reply)
    finally:
        manager.close()
