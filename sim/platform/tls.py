"""TLS set-up for the simulator (server certificate, optionally mutual TLS)."""

from __future__ import annotations

import ssl


def server_ssl_context(
    cert_file: str, key_file: str | None = None, client_ca_file: str | None = None
) -> ssl.SSLContext:
    """A server context; with client_ca_file, a client certificate signed by that CA is
    required (a handshake without one fails), as on the real platform."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    if client_ca_file:
        context.load_verify_locations(cafile=client_ca_file)
        context.verify_mode = ssl.CERT_REQUIRED
    return context
