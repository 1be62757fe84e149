"""Single byte ranges (RFC 9110 §14) for media the browser seeks in.

A browser's ``<audio>`` asks for ``Range: bytes=N-`` to seek; without an
answer in kind (206 and ``Content-Range``) Chromium treats the file as a
stream it cannot seek.  Only one range is served: players never ask for
several, and multipart answers are not worth their code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.responses import Response

_SINGLE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class UnsatisfiableRange(ValueError):
    pass


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range asked for, clipped to the file; None for the whole file (no
    header, or one we do not serve, which RFC 9110 lets a server ignore)."""
    if not header:
        return None
    match = _SINGLE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise UnsatisfiableRange(header)
        return ByteRange(max(0, size - length), size - 1)
    start = int(first)
    if start >= size:
        raise UnsatisfiableRange(header)
    end = min(int(last), size - 1) if last else size - 1
    if end < start:
        raise UnsatisfiableRange(header)
    return ByteRange(start, end)


def ranged_response(
    data: bytes, range_header: str | None, media_type: str, headers: dict[str, str]
) -> Response:
    """200 with the whole body, 206 with the part asked for, or 416."""
    size = len(data)
    common = {**headers, "Accept-Ranges": "bytes"}
    try:
        wanted = parse_range(range_header, size)
    except UnsatisfiableRange:
        return Response(status_code=416, headers={**common, "Content-Range": f"bytes */{size}"})
    if wanted is None:
        return Response(data, media_type=media_type, headers=common)
    return Response(
        data[wanted.start : wanted.end + 1],
        status_code=206,
        media_type=media_type,
        headers={**common, "Content-Range": wanted.content_range(size)},
    )
