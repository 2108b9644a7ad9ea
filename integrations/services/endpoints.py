"""Where a webhook may be sent, and sending it there.

Server-side request forgery: a subscription must not aim MIS at its own
internals (the database, Redis, a cloud metadata address). An endpoint's
scheme must be allowed, and every address its host resolves to must be
public unless the host is allow-listed (WEBHOOK_ALLOWED_HOSTS). The check is
made when the subscription is saved and again at each delivery, and the
request goes to the address that was checked, so a DNS answer that changes
in between (rebinding) reaches nothing new. Redirects are not followed."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def _refuse(message: str):
    raise ValidationError({"url": message})


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def endpoint_check(*, url: str) -> Endpoint:
    """The endpoint ``url`` names, with the address to connect to. Raises
    ValidationError (field ``url``) when it may not be used."""
    parts = urlsplit(url or "")
    scheme = parts.scheme.lower()
    allowed_schemes = [s.lower() for s in settings.WEBHOOK_ALLOWED_SCHEMES]
    if scheme not in allowed_schemes:
        _refuse(
            f"The scheme “{scheme or '(none)'}” is not allowed: use {', '.join(allowed_schemes)}."
        )
    host = (parts.hostname or "").lower()
    if not host:
        _refuse("The address has no host.")
    if parts.username or parts.password:
        _refuse("Credentials in the address are not allowed; the signature authenticates MIS.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        _refuse("The port is not a number between 0 and 65535.")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        _refuse(f"The host “{host}” cannot be resolved.")
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    allowed_hosts = {h.lower() for h in settings.WEBHOOK_ALLOWED_HOSTS}
    if host not in allowed_hosts:
        internal = [str(a) for a in addresses if _internal(a)]
        if internal:
            _refuse(
                f"“{host}” resolves to an internal address ({internal[0]}); "
                "only allow-listed hosts may."
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Endpoint(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate checked for the host name."""

    def __init__(self, address: str, host: str, port: int, timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def endpoint_post(*, endpoint: Endpoint, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` and return the status code. Raises OSError (and its
    subclasses: timeouts, refused connections, TLS errors) on no answer."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection: http.client.HTTPConnection
    if endpoint.scheme == "https":
        connection = _PinnedHTTPSConnection(endpoint.address, endpoint.host, endpoint.port, timeout)
    else:
        connection = http.client.HTTPConnection(endpoint.address, endpoint.port, timeout=timeout)
    default_port = 443 if endpoint.scheme == "https" else 80
    host_header = (
        endpoint.host if endpoint.port == default_port else f"{endpoint.host}:{endpoint.port}"
    )
    try:
        connection.request(
            "POST", endpoint.path, body=body, headers={"Host": host_header, **headers}
        )
        response = connection.getresponse()
        response.read(64 * 1024)  # the answer's body is not kept; read a little to close cleanly
        return response.status
    except http.client.HTTPException as exc:
        raise OSError(f"{exc.__class__.__name__}: {exc}") from exc
    finally:
        connection.close()
