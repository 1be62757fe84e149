"""The HTTP request of an ``http_lookup`` node, inside its tenant's allow-list.

The FlowRunner hands each ``HttpLookup`` command here.  Before any byte is
sent: the URL's host must be on the tenant's list, and the addresses it
resolves to must be public or listed themselves (``lookup_policy.py``).
The request then goes to the address that was checked, not to a second
resolution of the name (a DNS answer that changes in between, "DNS
rebinding", cannot slip a private address past the check): the URL carries
the address, the ``Host`` header and, for https, the certificate check
(``server_hostname``) keep the name.  Redirects are never followed: a 3xx
is the answer, and the node takes its failure branch ("status 302"), so an
allowed host cannot bounce the request anywhere else.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
import yarl

from ari_apps.ivr.commands import HttpLookup
from ari_apps.ivr.events import HttpLookupCompleted
from hotline.lookup_policy import HostAllowList, IpAddress, as_address, normal_host

# Business systems answer small JSON documents; a bigger body is a mistake.
MAX_LOOKUP_BODY = 64 * 1024

Resolver = Callable[[str, int], Awaitable[Sequence[IpAddress]]]


async def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address ``host`` resolves to (the system resolver, off the loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    found: list[IpAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


async def fetch(
    http: aiohttp.ClientSession,
    command: HttpLookup,
    allowed: HostAllowList,
    resolver: Resolver = resolve,
) -> HttpLookupCompleted:
    """Make the look-up's request, or refuse it; never raises."""

    def failed(error: str) -> HttpLookupCompleted:
        return HttpLookupCompleted(command.request_id, None, None, error)

    refusal = allowed.url_refusal(command.url)
    if refusal is not None:
        return failed(f"refused: {refusal}")
    url = yarl.URL(command.url)
    host = normal_host(url.host or "")
    port = url.port or (443 if url.scheme == "https" else 80)
    literal = as_address(host)
    if literal is not None:
        addresses: Sequence[IpAddress] = [literal]
    else:
        try:
            addresses = await asyncio.wait_for(resolver(host, port), command.timeout_s)
        except (OSError, UnicodeError, TimeoutError) as exc:
            return failed(f"cannot resolve {host}: {exc or 'timed out'}"[:200])
        if not addresses:
            return failed(f"cannot resolve {host}")
    refusal = allowed.address_refusal(host, addresses)
    if refusal is not None:
        return failed(f"refused: {refusal}")
    name = url.raw_host or host  # IDNA-encoded, as it goes on the wire
    if literal is not None and literal.version == 6:
        name = f"[{literal}]"
    headers = {"Host": name if url.explicit_port is None else f"{name}:{port}"}
    target = url.with_host(str(addresses[0]))
    status: int | None = None
    body: str | None = None
    error: str | None = None
    try:
        async with http.request(
            command.method,
            target,
            json=dict(command.json_body) if command.json_body is not None else None,
            headers=headers,
            allow_redirects=False,
            server_hostname=name if url.scheme == "https" and literal is None else None,
            timeout=aiohttp.ClientTimeout(total=command.timeout_s),
        ) as response:
            status = response.status
            raw = await response.content.read(MAX_LOOKUP_BODY + 1)
            if len(raw) > MAX_LOOKUP_BODY:
                error = f"response larger than {MAX_LOOKUP_BODY} bytes"
            else:
                body = raw.decode("utf-8", errors="replace")
    except TimeoutError:
        error = f"timed out after {command.timeout_s} s"
    except aiohttp.ClientError as exc:
        error = f"request failed: {exc.__class__.__name__}: {exc}"
    return HttpLookupCompleted(command.request_id, status, body, error)
