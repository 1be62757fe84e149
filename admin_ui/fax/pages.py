"""What the fax pages need besides their handlers: the settings a request runs
with, and a refusal named in the page's language.

The use cases are fax's own (``fax.catalogue``, ``dids``, ``jobs``,
``results``, ``document_pdf``, and ``services`` for the fax-back retry
policy); a refusal is shown as a catalogue key and its values, never the
English message of the exception.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request

from fax.documents import MAX_PAGES, MAX_PDF_BYTES, DocumentRejected
from hotline.errors import InvalidRequest
from hotline.settings import Settings, load_settings

PDF_LIMIT_MB: Final = MAX_PDF_BYTES // (1024 * 1024)


def current_settings(request: Request) -> Settings:
    """The running app's settings (where files go); the environment's otherwise."""
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else load_settings()


def rejection(form: str, error: InvalidRequest) -> dict[str, Any]:
    """A refusal as the page shows it: which field, which catalogue key, its values.

    The key is ``fax.error.<form>.<reason>`` where the reason is the
    exception's stable reason word (or the field it names), so both languages
    name the same cause.
    """
    field = error.details.get("field")
    if isinstance(error, DocumentRejected):
        field = "file"
    reason = str(error.details.get("reason") or field or error.error_id)
    if error.error_id == "fax-conversion-failed":
        field, reason = "file", "conversion"
    values = {"megabytes": PDF_LIMIT_MB, "pages": MAX_PAGES}
    return {"form": form, "field": field, "key": f"fax.error.{form}.{reason}", "values": values}
