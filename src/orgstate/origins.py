"""Where a secret may be sent: over https to any host, over plain http only to this
machine (a test server, the emulator, the loopback GitHub stand-in). The lark backend's
app secret and the GitHub token both go only where this allows."""

from __future__ import annotations

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def carries_secrets(scheme: str, host: str) -> bool:
    """Whether a request to `scheme`://`host` may carry a credential."""
    return bool(host) and (scheme == "https" or (scheme == "http" and host.lower() in LOOPBACK_HOSTS))
