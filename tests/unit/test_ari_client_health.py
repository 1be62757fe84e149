"""The ARI client's health figures for /metrics: reconnects and sampled event lag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from ari_apps.ari import client as client_module
from ari_apps.ari.client import AriClient


def _event(stamped: datetime) -> str:
    stamp = stamped.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"  # Asterisk's format
    return orjson.dumps(
        {"type": "ChannelVarset", "timestamp": stamp, "channel": {"id": "c1"}}
    ).decode()


async def test_given_events_then_the_lag_is_sampled_every_nth_from_asterisks_stamp() -> None:
    client = AriClient("http://127.0.0.1:1/ari", "u", "p", "hotline")
    try:
        assert client.event_lag_s is None
        client._handle_text(_event(datetime.now(UTC) - timedelta(seconds=2)))
        assert client.event_lag_s is not None and 1.9 < client.event_lag_s < 3.0
        # Not every event is measured: the next ones until the sample interval.
        for _ in range(client_module.EVENT_LAG_SAMPLE_EVERY - 1):
            client._handle_text(_event(datetime.now(UTC) - timedelta(seconds=30)))
        assert client.event_lag_s < 3.0
        client._handle_text(_event(datetime.now(UTC) - timedelta(seconds=30)))
        assert client.event_lag_s > 29.0
    finally:
        await client.close()
