"""ARI helpers for everything but channels: playbacks, bridges, recordings,
endpoints, device states, mailboxes, asterisk, applications and user events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ari_apps.ari.rest_base import AriHttp, JsonList, JsonObject, Query, segment


def _bridge(bridge_id: str, suffix: str = "") -> str:
    return f"/bridges/{segment(bridge_id)}{suffix}"


def _dynamic(config_class: str, object_type: str, object_id: str) -> str:
    parts = (segment(config_class), segment(object_type), segment(object_id))
    return "/asterisk/config/dynamic/" + "/".join(parts)


class ResourcesApi(AriHttp):
    # -- playbacks --------------------------------------------------------
    async def get_playback(self, playback_id: str) -> JsonObject:
        return await self._object("GET", f"/playbacks/{segment(playback_id)}")

    async def stop_playback(self, playback_id: str) -> None:
        await self._void("DELETE", f"/playbacks/{segment(playback_id)}")

    # -- bridges ----------------------------------------------------------
    async def create_bridge(
        self, *, bridge_id: str | None = None, type: str = "mixing", name: str | None = None
    ) -> JsonObject:
        """POST /bridges; ``type`` is a comma list (mixing, holding, dtmf_events...)."""
        params: Query = {"type": type, "bridgeId": bridge_id, "name": name}
        return await self._object("POST", "/bridges", params=params)

    async def get_bridge(self, bridge_id: str) -> JsonObject:
        return await self._object("GET", _bridge(bridge_id))

    async def list_bridges(self) -> JsonList:
        return await self._list("GET", "/bridges")

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self._void("DELETE", _bridge(bridge_id))

    async def add_channel(
        self,
        bridge_id: str,
        channel: str | Sequence[str],
        *,
        role: str | None = None,
        absorb_dtmf: bool | None = None,
        mute: bool | None = None,
        inhibit_connected_line_updates: bool | None = None,
    ) -> None:
        params: Query = {
            "channel": channel,
            "role": role,
            "absorbDTMF": absorb_dtmf,
            "mute": mute,
            "inhibitConnectedLineUpdates": inhibit_connected_line_updates,
        }
        await self._void("POST", _bridge(bridge_id, "/addChannel"), params=params)

    async def remove_channel(self, bridge_id: str, channel: str | Sequence[str]) -> None:
        await self._void("POST", _bridge(bridge_id, "/removeChannel"), params={"channel": channel})

    async def bridge_play(
        self,
        bridge_id: str,
        media: str | Sequence[str],
        *,
        playback_id: str | None = None,
        lang: str | None = None,
    ) -> JsonObject:
        params: Query = {"media": media, "playbackId": playback_id, "lang": lang}
        return await self._object("POST", _bridge(bridge_id, "/play"), params=params)

    async def bridge_start_moh(self, bridge_id: str, moh_class: str | None = None) -> None:
        await self._void("POST", _bridge(bridge_id, "/moh"), params={"mohClass": moh_class})

    async def bridge_stop_moh(self, bridge_id: str) -> None:
        await self._void("DELETE", _bridge(bridge_id, "/moh"))

    # -- recordings -------------------------------------------------------
    async def get_stored_recording_file(self, name: str) -> bytes:
        data = await self.request("GET", f"/recordings/stored/{segment(name)}/file", raw=True)
        return bytes(data)

    async def delete_stored_recording(self, name: str) -> None:
        await self._void("DELETE", f"/recordings/stored/{segment(name)}")

    async def stop_live_recording(self, name: str) -> None:
        await self._void("POST", f"/recordings/live/{segment(name)}/stop")

    async def cancel_live_recording(self, name: str) -> None:
        """Stop a live recording and discard what it recorded."""
        await self._void("DELETE", f"/recordings/live/{segment(name)}")

    async def get_live_recording(self, name: str) -> JsonObject:
        return await self._object("GET", f"/recordings/live/{segment(name)}")

    # -- endpoints --------------------------------------------------------
    async def list_endpoints(self) -> JsonList:
        return await self._list("GET", "/endpoints")

    async def get_endpoint(self, technology: str, resource: str) -> JsonObject:
        return await self._object("GET", f"/endpoints/{segment(technology)}/{segment(resource)}")

    # -- device states (custom presence/BLF, e.g. "Stasis:agent-7") --------
    async def set_device_state(self, device_name: str, state: str) -> None:
        path = f"/deviceStates/{segment(device_name)}"
        await self._void("PUT", path, params={"deviceState": state})

    async def get_device_state(self, device_name: str) -> JsonObject:
        return await self._object("GET", f"/deviceStates/{segment(device_name)}")

    # -- mailboxes (MWI) --------------------------------------------------
    async def update_mailbox(self, name: str, *, old_messages: int, new_messages: int) -> None:
        params: Query = {"oldMessages": old_messages, "newMessages": new_messages}
        await self._void("PUT", f"/mailboxes/{segment(name)}", params=params)

    async def delete_mailbox(self, name: str) -> None:
        await self._void("DELETE", f"/mailboxes/{segment(name)}")

    # -- asterisk ---------------------------------------------------------
    async def get_info(self, only: str | Sequence[str] | None = None) -> JsonObject:
        """GET /asterisk/info (build, system, config, status); a cheap health check."""
        return await self._object("GET", "/asterisk/info", params={"only": only})

    async def put_dynamic_config(
        self,
        config_class: str,
        object_type: str,
        object_id: str,
        fields: Mapping[str, str] | Sequence[tuple[str, str]],
    ) -> JsonList:
        """Create/update a sorcery object, e.g. ("res_pjsip", "endpoint", "1001").

        A sequence of pairs keeps order and allows repeated attributes."""
        pairs = list(fields.items()) if isinstance(fields, Mapping) else list(fields)
        body = {"fields": [{"attribute": key, "value": value} for key, value in pairs]}
        return await self._list("PUT", _dynamic(config_class, object_type, object_id), body=body)

    async def get_dynamic_config(
        self, config_class: str, object_type: str, object_id: str
    ) -> JsonList:
        return await self._list("GET", _dynamic(config_class, object_type, object_id))

    async def delete_dynamic_config(
        self, config_class: str, object_type: str, object_id: str
    ) -> None:
        await self._void("DELETE", _dynamic(config_class, object_type, object_id))

    # -- applications and events -----------------------------------------
    async def get_application(self, name: str) -> JsonObject:
        return await self._object("GET", f"/applications/{segment(name)}")

    async def send_user_event(
        self,
        event_name: str,
        *,
        application: str,
        source: str | Sequence[str] | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> None:
        params: Query = {"application": application, "source": source}
        body = {"variables": dict(variables)} if variables else None
        await self._void("POST", f"/events/user/{segment(event_name)}", params=params, body=body)
