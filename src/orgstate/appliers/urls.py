"""`--backend` URLs (SPEC section 1) -> a Backend."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from orgstate.appliers.base import Backend
from orgstate.diagnostics import clip
from orgstate.errors import UsageError
from orgstate.origins import carries_secrets
from orgstate.progress import SILENT, Progress

DEFAULT_BACKEND = "local:.orgstate/tenant.db"
SCHEMES = ("local", "lark", "scim")
SCIM_FORM = "expected scim:https://HOST[:PORT]/PATH (http only for 127.0.0.1, localhost or ::1; no query or user)"
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
    from orgstate.appliers.scim import ScimBackend

    return ScimBackend(scim_base(rest), progress=progress)


def scim_base(rest: str) -> str:
    """The SCIM base URL (`https://host[:port]/scim/v2`) from a scim backend URL, or a
    UsageError: the bearer token goes only to an https host or to this machine."""
    parts, host, port = _split(rest, SCIM_FORM, "scim")
    if parts.query or parts.fragment:
        raise _wrong(rest, SCIM_FORM, "scim")
    return f"{_origin(parts.scheme, host, port)}{parts.path.rstrip('/')}"


def _split(rest: str, form: str, scheme: str) -> tuple[SplitResult, str, int | None]:
    """The parts of a backend URL that may carry a credential."""
    wrong = _wrong(rest, form, scheme)
    try:
        parts = urlsplit(rest)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        raise wrong from None
    if not carries_secrets(parts.scheme, host) or "@" in parts.netloc:
        raise wrong
    return parts, host, port


def _wrong(rest: str, form: str, scheme: str) -> UsageError:
    """A URL holding a user (and so perhaps a password) is not quoted back."""
    return UsageError(f"backend '{scheme}:{clip(rest)}': {form}" if "@" not in rest else f"backend: {form}")


def _origin(scheme: str, host: str, port: int | None) -> str:
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}{'' if port is None else f':{port}'}"


def lark_origin(rest: str) -> str:
    """The Open API's origin (`https://host[:port]`) from a lark backend URL, or a
    UsageError: the app secret goes only to an https host or to this machine."""
    parts, host, port = _split(rest, LARK_FORM, "lark")
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise _wrong(rest, LARK_FORM, "lark")
    return _origin(parts.scheme, host, port)
