"""`--backend` URLs (SPEC section 1) -> a Backend."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from orgstate.appliers.base import Backend
from orgstate.diagnostics import clip
from orgstate.errors import UsageError
from orgstate.origins import carries_secrets
from orgstate.progress import SILENT, Progress

DEFAULT_BACKEND = "local:.orgstate/tenant.db"
SCHEMES = ("local", "lark", "scim")
LARK_FORM = "expected lark:https://HOST[:PORT] (http only for 127.0.0.1, localhost or ::1; no path, query or user)"


def same_backend(first: str, second: str) -> bool:
    """Whether two backend URLs name one tenant, however they spell it (nothing is opened)."""
    return _canonical(first) == _canonical(second)


def _canonical(url: str) -> str:
    scheme, _, rest = url.partition(":")
    if scheme == "local":
        return f"local:{Path(rest).resolve()}"
    return f"{scheme}:{rest.rstrip('/').lower()}"


def open_backend(url: str, progress: Progress = SILENT) -> Backend:
    """The backend `url` names; `progress` hears how its long reads and retries go."""
    scheme, separator, rest = url.partition(":")
    if not separator or scheme not in SCHEMES or not rest:
        raise UsageError(f"backend '{url}': expected local:PATH, lark:https://HOST or scim:https://HOST/scim/v2")
    if scheme == "local":
        from orgstate.appliers.local import LocalBackend

        return LocalBackend(rest, progress=progress)
    if scheme == "lark":
        from orgstate.appliers.lark import LarkBackend

        return LarkBackend(lark_origin(rest), progress=progress)
    raise UsageError(f"backend '{url}': the {scheme} backend is not available in this version")


def lark_origin(rest: str) -> str:
    """The Open API's origin (`https://host[:port]`) from a lark backend URL, or a
    UsageError: the app secret goes only to an https host or to this machine. A URL
    holding a user (and so perhaps a password) is not quoted back."""
    wrong = UsageError(f"backend 'lark:{clip(rest)}': {LARK_FORM}" if "@" not in rest else f"backend: {LARK_FORM}")
    try:
        parts = urlsplit(rest)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        raise wrong from None
    if (
        not carries_secrets(parts.scheme, host)
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or parts.path not in ("", "/")
    ):
        raise wrong
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{'' if port is None else f':{port}'}"
