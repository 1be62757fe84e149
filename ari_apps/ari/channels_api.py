"""ARI /channels helpers (parameter names as in Asterisk's channels.json)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ari_apps.ari.rest_base import AriHttp, JsonList, JsonObject, Query, segment


def _channel(channel_id: str, suffix: str = "") -> str:
    return f"/channels/{segment(channel_id)}{suffix}"


def _variables_body(variables: Mapping[str, str] | None) -> JsonObject | None:
    return {"variables": dict(variables)} if variables else None


class ChannelsApi(AriHttp):
    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str | None = None,
        other_channel_id: str | None = None,
        app: str | None = None,
        app_args: str | Sequence[str] | None = None,
        caller_id: str | None = None,
        timeout_s: int | None = None,
        variables: Mapping[str, str] | None = None,
        context: str | None = None,
        extension: str | None = None,
        priority: int | None = None,
        label: str | None = None,
        originator: str | None = None,
        formats: str | None = None,
    ) -> JsonObject:
        """POST /channels.  Choose ``channel_id`` yourself so events can be
        matched before this call returns (StasisStart can beat the response)."""
        params: Query = {
            "endpoint": endpoint,
            "channelId": channel_id,
            "otherChannelId": other_channel_id,
            "app": app,
            "appArgs": app_args if isinstance(app_args, str | None) else ",".join(app_args),
            "callerId": caller_id,
            "timeout": timeout_s,
            "context": context,
            "extension": extension,
            "priority": priority,
            "label": label,
            "originator": originator,
            "formats": formats,
        }
        return await self._object(
            "POST", "/channels", params=params, body=_variables_body(variables)
        )

    async def create_channel(
        self,
        endpoint: str,
        app: str,
        *,
        channel_id: str | None = None,
        other_channel_id: str | None = None,
        app_args: str | None = None,
        originator: str | None = None,
        formats: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> JsonObject:
        """POST /channels/create: the channel exists but is not dialled until ``dial()``."""
        params: Query = {
            "endpoint": endpoint,
            "app": app,
            "appArgs": app_args,
            "channelId": channel_id,
            "otherChannelId": other_channel_id,
            "originator": originator,
            "formats": formats,
        }
        return await self._object(
            "POST", "/channels/create", params=params, body=_variables_body(variables)
        )

    async def dial(
        self, channel_id: str, *, caller: str | None = None, timeout_s: int | None = None
    ) -> None:
        params: Query = {"caller": caller, "timeout": timeout_s}
        await self._void("POST", _channel(channel_id, "/dial"), params=params)

    async def get_channel(self, channel_id: str) -> JsonObject:
        return await self._object("GET", _channel(channel_id))

    async def list_channels(self) -> JsonList:
        return await self._list("GET", "/channels")

    async def answer(self, channel_id: str) -> None:
        await self._void("POST", _channel(channel_id, "/answer"))

    async def ring(self, channel_id: str) -> None:
        await self._void("POST", _channel(channel_id, "/ring"))

    async def ring_stop(self, channel_id: str) -> None:
        await self._void("DELETE", _channel(channel_id, "/ring"))

    async def hangup(
        self, channel_id: str, *, reason: str | None = None, reason_code: str | None = None
    ) -> None:
        """DELETE /channels/{id}; ``reason`` is normal/busy/congestion/no_answer/..."""
        params: Query = {"reason": reason, "reason_code": reason_code}
        await self._void("DELETE", _channel(channel_id), params=params)

    async def continue_in_dialplan(
        self,
        channel_id: str,
        *,
        context: str | None = None,
        extension: str | None = None,
        priority: int | None = None,
        label: str | None = None,
    ) -> None:
        params: Query = {
            "context": context,
            "extension": extension,
            "priority": priority,
            "label": label,
        }
        await self._void("POST", _channel(channel_id, "/continue"), params=params)

    async def redirect(self, channel_id: str, endpoint: str) -> None:
        await self._void("POST", _channel(channel_id, "/redirect"), params={"endpoint": endpoint})

    async def play(
        self,
        channel_id: str,
        media: str | Sequence[str],
        *,
        playback_id: str | None = None,
        lang: str | None = None,
        offset_ms: int | None = None,
        skip_ms: int | None = None,
    ) -> JsonObject:
        """POST /channels/{id}/play; pass ``playback_id`` to match PlaybackFinished."""
        params: Query = {
            "media": media,
            "playbackId": playback_id,
            "lang": lang,
            "offsetms": offset_ms,
            "skipms": skip_ms,
        }
        return await self._object("POST", _channel(channel_id, "/play"), params=params)

    async def record(
        self,
        channel_id: str,
        name: str,
        *,
        format: str = "wav",
        max_duration_s: int | None = None,
        max_silence_s: int | None = None,
        if_exists: str | None = None,
        beep: bool | None = None,
        terminate_on: str | None = None,
    ) -> JsonObject:
        params: Query = {
            "name": name,
            "format": format,
            "maxDurationSeconds": max_duration_s,
            "maxSilenceSeconds": max_silence_s,
            "ifExists": if_exists,
            "beep": beep,
            "terminateOn": terminate_on,
        }
        return await self._object("POST", _channel(channel_id, "/record"), params=params)

    async def snoop(
        self,
        channel_id: str,
        *,
        app: str,
        snoop_id: str,
        spy: str = "none",
        whisper: str = "none",
        app_args: str | None = None,
    ) -> JsonObject:
        """POST /channels/{id}/snoop: a new channel, in ``app``, that hears
        (``spy``) and/or speaks into (``whisper``) ``channel_id``.  Directions
        are Asterisk's: "in" is the audio coming in from that channel's party
        (their voice), "out" what is sent out to them (what they hear)."""
        params: Query = {
            "app": app,
            "snoopId": snoop_id,
            "spy": spy,
            "whisper": whisper,
            "appArgs": app_args,
        }
        return await self._object("POST", _channel(channel_id, "/snoop"), params=params)

    async def send_dtmf(
        self,
        channel_id: str,
        dtmf: str,
        *,
        before_ms: int | None = None,
        between_ms: int | None = None,
        duration_ms: int | None = None,
        after_ms: int | None = None,
    ) -> None:
        params: Query = {
            "dtmf": dtmf,
            "before": before_ms,
            "between": between_ms,
            "duration": duration_ms,
            "after": after_ms,
        }
        await self._void("POST", _channel(channel_id, "/dtmf"), params=params)

    async def start_moh(self, channel_id: str, moh_class: str | None = None) -> None:
        await self._void("POST", _channel(channel_id, "/moh"), params={"mohClass": moh_class})

    async def stop_moh(self, channel_id: str) -> None:
        await self._void("DELETE", _channel(channel_id, "/moh"))

    async def start_silence(self, channel_id: str) -> None:
        await self._void("POST", _channel(channel_id, "/silence"))

    async def stop_silence(self, channel_id: str) -> None:
        await self._void("DELETE", _channel(channel_id, "/silence"))

    async def get_channel_variable(self, channel_id: str, name: str) -> str:
        """The value; raises AriNotFound if the variable (or channel) does not exist."""
        result = await self._object(
            "GET", _channel(channel_id, "/variable"), params={"variable": name}
        )
        value = result.get("value", "")
        return value if isinstance(value, str) else str(value)

    async def set_channel_variable(self, channel_id: str, name: str, value: str) -> None:
        params: Query = {"variable": name, "value": value}
        await self._void("POST", _channel(channel_id, "/variable"), params=params)
