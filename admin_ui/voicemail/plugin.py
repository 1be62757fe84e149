"""Routes of the voicemail inbox."""

from __future__ import annotations

from starlette.routing import Route

from admin_ui.voicemail import http
from admin_ui.web.routing import ui_route

_POST = ("POST",)
_BOX = "/voicemail/{box}"
_MESSAGE = _BOX + "/messages/{message_id}"
_GREETING = _BOX + "/greetings/{kind}"

routes: list[Route] = [
    ui_route("/voicemail", http.boxes_page, "voicemail:view"),
    ui_route(_BOX, http.box_page, "voicemail:view"),
    ui_route(_BOX + "/settings", http.save_settings, "voicemail:edit", methods=_POST),
    ui_route(_BOX + "/pin", http.change_pin, "voicemail:edit", methods=_POST),
    ui_route(_GREETING, http.upload_greeting, "voicemail:edit", methods=_POST),
    ui_route(_GREETING + "/audio", http.greeting_audio, "voicemail:view"),
    ui_route(_GREETING + "/delete", http.delete_greeting, "voicemail:edit", methods=_POST),
    ui_route(_MESSAGE + "/audio", http.message_audio, "voicemail:view"),
    ui_route(_MESSAGE + "/save", http.save_message, "voicemail:edit", methods=_POST),
    ui_route(_MESSAGE + "/delete", http.delete_message, "voicemail:edit", methods=_POST),
]
