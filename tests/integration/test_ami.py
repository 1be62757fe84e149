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
        version = await asyncio.wait_for(
            manager.send_action({"Action": "Command", "Command": "core show version"}), 5
        )
        assert "Asterisk 22" in str(version)
    finally:
        manager.close()
